# tls_wiring.sh - sourced by run.sh: SIP over TLS through every door of
# the command line (issue 21).  A capture is made here between openssl's
# s_client (which writes the key log) and s_server on lo, so it needs root
# and tcpdump; tls_captures.sh and tls_oracle.py check the decoder itself on
# many peers and suites, this checks what a user reaches: --tls-keylog,
# $SSLKEYLOGFILE, bad key logs, pcapng secrets, export, stats, -N, and a
# live capture whose key log is written after the records it opens.

tls_skip=
if [ "$(id -u)" != 0 ]; then tls_skip="not root (capturing on lo needs it)"
elif ! command -v tcpdump >/dev/null 2>&1; then tls_skip="tcpdump not installed"
elif ! command -v openssl >/dev/null 2>&1; then tls_skip="openssl not installed"
elif ! command -v editcap >/dev/null 2>&1; then tls_skip="editcap not installed"
fi

# tls_session DIR PORT OPENSSL_OPTS: one OPTIONS and its 200 over TLS on
# 127.0.0.1:PORT, captured to DIR/t.pcap, the client's key log in DIR/keys.log.
tls_session() {
	d=$1 p=$2
	shift 2
	mkdir -p "$d"
	printf 'OPTIONS sip:a@127.0.0.1:%s;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-w%s\r\nMax-Forwards: 70\r\nFrom: <sips:b@t>;tag=1\r\nTo: <sips:a@t>\r\nCall-ID: wiring-%s@t\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' "$p" "$p" "$p" >"$d/req"
	printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-w%s\r\nFrom: <sips:b@t>;tag=1\r\nTo: <sips:a@t>;tag=2\r\nCall-ID: wiring-%s@t\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' "$p" "$p" >"$d/resp"
	[ -f "$T/tls-cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sip.sipscope.test \
		-keyout "$T/tls-key.pem" -out "$T/tls-cert.pem" >/dev/null 2>&1
	timeout 20 tcpdump -i lo -U -w "$d/t.pcap" "tcp port $p" 2>"$d/td.err" & td=$!
	wait_for "$d/td.err" "listening on" 50
	(sleep 1; cat "$d/resp"; sleep 1.5) | timeout 10 openssl s_server -accept "127.0.0.1:$p" \
		-cert "$T/tls-cert.pem" -key "$T/tls-key.pem" -naccept 1 -quiet "$@" >/dev/null 2>&1 & sv=$!
	sleep 0.5
	(cat "$d/req"; sleep 2) | timeout 10 openssl s_client -connect "127.0.0.1:$p" -servername sip.sipscope.test \
		-keylogfile "$d/keys.log" -quiet -no_ign_eof -nocommands "$@" >/dev/null 2>&1
	wait $sv
	sleep 0.3
	kill $td 2>/dev/null
	wait $td 2>/dev/null
}

# frames_of FILE [OPTS]: "frame method-or-status call-id" per SIP message
frames_of() {
	f=$1
	shift
	"$BIN" messages -r "$f" --format csv "$@" 2>/dev/null | tls_csv_rows
}
tls_csv_rows() { tail -n +2 | awk -F, '{ gsub(/"/, ""); split($6, m, " "); print $1, m[1], $7 }'; }

if [ -n "$tls_skip" ] && [ "${CI:-}" = true ]; then
	bad "tls wiring: $tls_skip in CI (.ci/run installs tcpdump, openssl and tshark and runs as root)"
elif [ -n "$tls_skip" ]; then
	skp "tls wiring: $tls_skip"
else
	TP=$((24000 + $$ % 4000))
	W=$T/tlsw
	tls_session "$W" "$TP" -tls1_3
	env -u SSLKEYLOGFILE "$BIN" messages -r "$W/t.pcap" --format csv >"$T/out" 2>"$T/err"
	[ "$(tail -n +2 "$T/out" | wc -l)" = 0 ] && ok "tls wiring: without keys, no message is read" ||
		bad "tls wiring: without keys, no message is read" "$T/out"
	frames_of "$W/t.pcap" --tls-keylog "$W/keys.log" >"$T/mine"
	if command -v tshark >/dev/null 2>&1; then
		tshark -r "$W/t.pcap" -o "tls.keylog_file:$W/keys.log" -d "tcp.port==$TP,tls" -o "sip.tls.port:$TP" \
			-Y sip -T fields -e frame.number -e sip.Status-Code -e sip.Method -e sip.Call-ID 2>/dev/null |
			awk -F'\t' '{ print $1, ($2 != "" ? $2 : $3), $4 }' >"$T/theirs"
		[ -s "$T/theirs" ] && [ "$(wc -l <"$T/theirs")" = 2 ] && diff "$T/theirs" "$T/mine" >"$T/d" &&
			ok "tls wiring: --tls-keylog reads the OPTIONS and its 200 in the frames tshark decrypts them in" ||
			{ cat "$T/theirs" "$T/mine" >>"$T/d"; bad "tls wiring: --tls-keylog reads the frames tshark decrypts" "$T/d"; }
	else
		[ "$(wc -l <"$T/mine")" = 2 ] && ok "tls wiring: --tls-keylog reads the OPTIONS and its 200" ||
			bad "tls wiring: --tls-keylog reads the OPTIONS and its 200" "$T/mine"
	fi
	"$BIN" messages -r "$W/t.pcap" --tls-keylog "$W/keys.log" >"$T/out" 2>&1
	grep -q " TLS  *OPTIONS " "$T/out" && ok "tls wiring: the messages table says transport TLS" ||
		bad "tls wiring: the messages table says transport TLS" "$T/out"
	SSLKEYLOGFILE="$W/keys.log" "$BIN" messages -r "$W/t.pcap" --format csv 2>&1 | tail -n +2 >"$T/out"
	[ "$(wc -l <"$T/out")" = 2 ] && ok "tls wiring: \$SSLKEYLOGFILE is the key log when no option names one" ||
		bad "tls wiring: \$SSLKEYLOGFILE is the key log" "$T/out"
	SSLKEYLOGFILE="$T/no-such-keys" "$BIN" messages -r "$W/t.pcap" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 0 ] && ! [ -s "$T/err" ] && ok "tls wiring: a missing \$SSLKEYLOGFILE is no error" ||
		{ echo "rc $rc" >>"$T/err"; bad "tls wiring: a missing \$SSLKEYLOGFILE is no error" "$T/err"; }
	expect "tls wiring: a missing --tls-keylog file: status 2" 2 "$BIN" messages -r "$W/t.pcap" --tls-keylog "$T/no-such-keys"
	grep -q "key log $T/no-such-keys: No such file" "$T/err" && ok "tls wiring: ... and says which file" ||
		bad "tls wiring: a missing --tls-keylog file names it" "$T/err"
	expect "tls wiring: --tls-key on a file that is no key: status 2" 2 "$BIN" messages -r "$W/t.pcap" --tls-key "$W/req"
	grep -q "not a PEM private key" "$T/err" && ok "tls wiring: ... and says why" || bad "tls wiring: --tls-key says why" "$T/err"
	# broken lines around the good ones: skipped, counted, the rest used
	{ echo "# a comment"; echo "CLIENT_RANDOM zz 00"; echo "CLIENT_RANDOM $(printf '%064d' 7) 00"; cat "$W/keys.log"; echo "QUIC_SERVER_TRAFFIC_SECRET_0 $(printf '%064d' 0) $(printf '%064d' 0)"; } >"$T/bad.keys"
	"$BIN" messages -r "$W/t.pcap" --tls-keylog "$T/bad.keys" --format csv >"$T/out" 2>"$T/err"
	[ "$(tail -n +2 "$T/out" | wc -l)" = 2 ] && grep -q "warning: $T/bad.keys: 2 bad lines skipped (first at line 2)" "$T/err" &&
		ok "tls wiring: a key log with broken lines: a warning with their count and first line, the rest decrypts" ||
		{ cat "$T/out" >>"$T/err"; bad "tls wiring: a key log with broken lines" "$T/err"; }
	"$BIN" stats -r "$W/t.pcap" --tls-keylog "$W/keys.log" --format json >"$T/out" 2>"$T/err"
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["capture"]["tls"][0]
assert c["version"] == "TLS 1.3" and c["cipher_suite"].startswith("TLS_"), c
assert c["decrypted"] and c["reason"] == "ok" and c["sip_messages"] == 2, c
assert c["sni"] == "sip.sipscope.test" and c["records_decrypted"] >= 2, c
' "$T/out" 2>>"$T/err" && ok "tls wiring: stats --format json: version, suite, server name, decrypted, 2 SIP messages" ||
		bad "tls wiring: stats --format json" "$T/err"
	env -u SSLKEYLOGFILE "$BIN" stats -r "$W/t.pcap" >"$T/out" 2>&1
	grep -Eq "127\.0\.0\.1:$TP +TLS 1\.3 +TLS_[A-Z0-9_]+ +[0-9]+ +0 +no key +sip\.sipscope\.test" "$T/out" &&
		ok "tls wiring: stats without keys: the connection, its version and suite, and 'no key'" ||
		bad "tls wiring: stats without keys says 'no key'" "$T/out"
	# the capture carries its own keys
	editcap --inject-secrets "tls,$W/keys.log" "$W/t.pcap" "$W/dsb.pcapng" 2>"$T/err"
	frames_of "$W/dsb.pcapng" >"$T/out"
	env -u SSLKEYLOGFILE "$BIN" stats -r "$W/dsb.pcapng" >"$T/st" 2>&1
	diff "$T/mine" "$T/out" >"$T/d" && grep -q "secrets from 1 pcapng block" "$T/st" &&
		ok "tls wiring: a pcapng with its secrets (editcap --inject-secrets) opens decrypted with no option" ||
		{ cat "$T/st" >>"$T/d"; bad "tls wiring: a pcapng with its secrets opens decrypted" "$T/d"; }
	cat "$W/dsb.pcapng" | "$BIN" messages -r - --format csv 2>/dev/null | tls_csv_rows >"$T/out"
	diff "$T/mine" "$T/out" >"$T/d" && ok "tls wiring: ... through a pipe too" || bad "tls wiring: a piped pcapng with secrets" "$T/d"
	# export: the frames and the secrets, so the file opens decrypted
	"$BIN" export -r "$W/t.pcap" --tls-keylog "$W/keys.log" --all -o "$T/exp.pcap" >"$T/out" 2>"$T/err"
	frames_of "$T/exp.pcap" >"$T/out"
	grep -q "as pcapng" "$T/err" && grep -q "1 TLS connection, 1 with its secrets in the file" "$T/err" &&
		[ "$(wc -l <"$T/out")" = 2 ] && [ "$(awk '{ print $2, $3 }' "$T/out")" = "$(awk '{ print $2, $3 }' "$T/mine")" ] &&
		ok "tls wiring: export writes pcapng with the connection's secrets: it opens decrypted with no key log" ||
		{ cat "$T/out" >>"$T/err"; bad "tls wiring: export carries the TLS secrets" "$T/err"; }
	if command -v tshark >/dev/null 2>&1; then
		n=$(tshark -r "$T/exp.pcap" -d "tcp.port==$TP,tls" -o "sip.tls.port:$TP" -Y sip 2>/dev/null | wc -l)
		[ "$n" = 2 ] && ok "tls wiring: ... in tshark too (2 SIP messages, no key log given)" ||
			bad "tls wiring: tshark decrypts the export ($n SIP messages)"
	fi
	"$BIN" export -r "$W/t.pcap" --tls-keylog "$W/keys.log" --all --format pcap -o "$T/exp2.pcap" >"$T/out" 2>"$T/err"
	grep -q "left out (pcap has no room for them" "$T/err" && [ "$(frames_of "$T/exp2.pcap" | wc -l)" = 0 ] &&
		ok "tls wiring: export --format pcap: no secrets, and it says so" ||
		bad "tls wiring: export --format pcap says the secrets are left out" "$T/err"
	"$BIN" -N -r "$W/t.pcap" --tls-keylog "$W/keys.log" --quiet >"$T/out" 2>"$T/err"
	grep -q "TLS: 1 connections, 1 decrypted, 2 SIP messages from them" "$T/err" &&
		ok "tls wiring: -N's closing counts: TLS connections decrypted and their SIP messages" ||
		bad "tls wiring: -N's closing counts for TLS" "$T/err"
	# TLS 1.2 with RSA key exchange: the server's key, no key log
	W2=$T/tlsw2
	tls_session "$W2" "$((TP + 1))" -tls1_2 -cipher AES128-GCM-SHA256
	frames_of "$W2/t.pcap" --tls-key "$T/tls-key.pem" >"$T/out"
	[ "$(wc -l <"$T/out")" = 2 ] && ok "tls wiring: --tls-key opens TLS 1.2 RSA key exchange with no key log" ||
		bad "tls wiring: --tls-key opens RSA key exchange" "$T/out"
	"$BIN" export -r "$W2/t.pcap" --tls-key "$T/tls-key.pem" --all -o "$T/exp3.pcapng" 2>/dev/null
	[ "$(frames_of "$T/exp3.pcapng" | wc -l)" = 2 ] &&
		ok "tls wiring: ... and its export opens without the key (the master secret travels, not the key)" ||
		bad "tls wiring: an RSA-decrypted export opens without the key"
	# live: the key log is written after the records it opens (-N re-reads it
	# every second, records wait up to 10 s)
	TP3=$((TP + 2))
	: >"$T/live.keys"
	"$BIN" -N -i lo --tls-keylog "$T/live.keys" --quiet "tcp port $TP3" >"$T/live.out" 2>"$T/live.err" & np=$!
	sleep 1.5
	W3=$T/tlsw3
	tls_session "$W3" "$TP3" -tls1_3
	sleep 0.5
	cat "$W3/keys.log" >>"$T/live.keys"
	sleep 2.5
	kill -INT $np 2>/dev/null
	wait_gone $np 50
	grep -q "TLS: 1 connections, 1 decrypted, 2 SIP messages from them" "$T/live.err" &&
		ok "tls wiring: live (-N -i lo): records wait for a key log line written after them, then open" ||
		bad "tls wiring: live records wait for their key" "$T/live.err"
fi
