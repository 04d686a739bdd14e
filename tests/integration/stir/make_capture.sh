#!/bin/sh
# Make the STIR/SHAKEN captures of the integration tests in DIR:
#   keys: ca.pem (a CA), sp.pem (its SHAKEN leaf, P-256), key.pem, other.pem
#   (an unrelated self-signed CA);
#   stir.pcap: sipp calls on lo whose INVITEs carry PASSporTs secsipidx
#   signed: valid (A), compact header y (B), tampered signature, stale iat,
#   wrong orig TN (Call-IDs 1-stir-... to 5-stir-..., in that order; the
#   label is the From display name), then one call through kamailio, whose
#   secsipid module signs it (Call-ID 1-kam-...), in the same capture.
# Usage: make_capture.sh DIR SAMPLES   (root: tcpdump on lo)
# Exit 0, or 1 with the reason on stderr.
set -u
D=$1
S=$2
HERE=$(dirname "$0")
mkdir -p "$D"
cd "$D" || exit 1
X5U=https://certs.example.org/sp.pem
# keys: a CA and its leaf (what --stir-ca checks), and an unrelated CA
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null &&
	openssl req -new -x509 -key ca.key -out ca.pem -days 3650 -subj "/CN=sipscope test STI-CA" 2>/dev/null &&
	openssl ecparam -name prime256v1 -genkey -noout -out key.pem 2>/dev/null &&
	openssl req -new -key key.pem -out sp.csr -subj "/CN=sipscope test SP" 2>/dev/null &&
	openssl x509 -req -in sp.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out sp.pem -days 3650 2>/dev/null &&
	openssl ecparam -name prime256v1 -genkey -noout -out other.key 2>/dev/null &&
	openssl req -new -x509 -key other.key -out other.pem -days 3650 -subj "/CN=other CA" 2>/dev/null ||
	{ echo "openssl could not make the keys" >&2; exit 1; }
now=$(date +%s)
sign() { # ORIG DEST ATTEST IAT
	secsipidx -sign -k key.pem -o "$1" -d "$2" -a "$3" -x5u $X5U -orig-id 4437c7eb-8f7a-4f0e-a863-f53a0e60251a -iat "$4"
}
valid=$(sign 15551230001 15551230002 A $now)
compact=$(sign 15551230001 15551230002 B $now)
stale=$(sign 15551230001 15551230002 A $((now - 3600)))
wrongtn=$(sign 15559990000 15551230002 A $now)
# tampered: the signature's 10th character changed
t=$(sign 15551230001 15551230002 A $now)
head=${t%.*}
sig=${t##*.}
c=$(printf %s "$sig" | cut -c10)
r=A; [ "$c" = A ] && r=B
tampered="$head.$(printf %s "$sig" | cut -c1-9)$r$(printf %s "$sig" | cut -c11-)"
for v in "$valid" "$compact" "$stale" "$wrongtn" "$t"; do
	[ -n "$v" ] || { echo "secsipidx did not sign" >&2; exit 1; }
done
printf 'SEQUENTIAL\n%s;15551230001;Identity;valid\n%s;15551230001;y;compact\n%s;15551230001;Identity;tampered\n%s;15551230001;Identity;stale\n%s;15551230001;Identity;wrongtn\n' \
	"$valid" "$compact" "$tampered" "$stale" "$wrongtn" >calls.csv
printf '%s\n' "$valid" >valid.token

U=$((30000 + $$ % 2000)); C=$((U + 1)); K=$((U + 2))
tcpdump -i lo --immediate-mode -U -n -w stir.pcap "udp port $U or udp port $C or udp port $K" >tcpdump.log 2>&1 & TP=$!
i=0; while [ $i -lt 50 ] && ! grep -q listening tcpdump.log; do sleep 0.1; i=$((i + 1)); done
# (not -bg: a uas that never got its calls would outlive timeout)
timeout 20 sipp -sf "$S/scenarios/uas_basic.xml" -i 127.0.0.1 -p $U -m 6 -nostdin >/dev/null 2>&1 & UP=$!
sleep 0.2
timeout 20 sipp -sf "$HERE/uac_identity.xml" -inf calls.csv -s 15551230002 -i 127.0.0.1 -p $C -m 5 -cid_str "%u-stir-%p@%s" -nostdin \
	127.0.0.1:$U >sipp.log 2>&1 || { echo "sipp uac failed" >&2; cat sipp.log >&2; }
# the same uas, through kamailio (secsipid signs)
kamailio -f "$HERE/kamailio-secsipid.cfg" -DD -E -l udp:127.0.0.1:$K -w "$D" -Y "$D" -P "$D/k.pid" -m 32 -M 4 \
	-A "STIR_KEY=\"$D/key.pem\"" -A "STIR_X5U=\"$X5U\"" >k.log 2>&1 & KP=$!
i=0; while [ $i -lt 50 ] && ! grep -q "udp: 127.0.0.1" k.log; do sleep 0.1; i=$((i + 1)); done
printf 'SEQUENTIAL\nx;15551230001;X-No-Identity;kamailio\n' >kam.csv
timeout 20 sipp -sf "$HERE/uac_identity.xml" -inf kam.csv -s 15551230002 -i 127.0.0.1 -p $C -m 1 -cid_str "%u-kam-%p@%s" -nostdin \
	127.0.0.1:$U -rsa 127.0.0.1:$K >sipp.kam.log 2>&1 || { echo "sipp uac via kamailio failed" >&2; cat sipp.kam.log k.log >&2; }
kill "$KP" 2>/dev/null; wait "$KP" 2>/dev/null
sleep 0.2
kill "$TP" 2>/dev/null; wait "$TP" 2>/dev/null
kill "$UP" 2>/dev/null; wait "$UP" 2>/dev/null
exit 0
