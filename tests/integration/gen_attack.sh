#!/bin/sh
# gen_attack.sh OUT.pcap [PORT] - a capture of sipvicious attacking a
# registrar while two phones register normally, all on loopback:
#   registrar  kamailio (samples/kamailio/kamailio-registrar-auth.cfg) on
#              127.0.0.10:PORT, digest auth, accounts 1001 1002 2000;
#   phones     sipp (samples/scenarios/uac_register_phone.xml) from
#              127.0.0.2 (1001) and 127.0.0.3 (1002): REGISTER, 401,
#              REGISTER with credentials, 200 -- before, between and after
#              the attacks;
#   attacker   sipvicious from 127.0.0.1 (0.3.3 binds to no other loopback
#              address whatever -b says): svmap sweeps 20 ports, svwar
#              tries extensions 1990-2009 (REGISTER), svcrack guesses 2000's
#              password from 9 words, the last one right.
# tcpdump records the ports svmap sweeps (the registrar's among them) on
# lo.  Bounded: every tool runs under timeout, the whole takes about 12 s.
# samples/attack/sipvicious_udp.pcap was made by it; the integration suite
# runs it live too.  Needs root (tcpdump),
# kamailio, sipp, svmap/svwar/svcrack (Debian: sipvicious), python3.
# Exit status: 0, 77 when a tool is missing, 1 when a step failed.
set -u
OUT=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for t in kamailio sipp svmap svwar svcrack tcpdump python3 timeout; do
	command -v $t >/dev/null 2>&1 || { echo "gen_attack: $t not installed" >&2; exit 77; }
done
W=$(mktemp -d)
P=${2:-$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.10", 0)); print(s.getsockname()[1])')}
KP= TP=
cleanup() {
	[ -n "$KP" ] && kill "$KP" 2>/dev/null && wait "$KP" 2>/dev/null
	[ -n "$TP" ] && kill "$TP" 2>/dev/null && wait "$TP" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "gen_attack: $1" >&2; [ -f "$W/$2" ] && tail -n 20 "$W/$2" >&2; exit 1; }
wait_for() { # FILE TEXT TENTHS
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt "$3" ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}

tcpdump -i lo -U -s 0 -w "$OUT" "udp and host 127.0.0.10 and portrange $((P - 10))-$((P + 9))" >"$W/tcpdump.log" 2>&1 & TP=$!
wait_for "$W/tcpdump.log" "listening on" 50 || fail "tcpdump did not start" tcpdump.log
kamailio -f "$ROOT/samples/kamailio/kamailio-registrar-auth.cfg" -DD -E -l "udp:127.0.0.10:$P" \
	-w "$W" -Y "$W" -P "$W/k.pid" -m 32 -M 4 >"$W/k.log" 2>&1 & KP=$!
wait_for "$W/k.log" "udp: 127.0.0.10" 50 || fail "kamailio did not start" k.log
sleep 0.3

phone() { # USER PASSWORD ADDRESS
	timeout 10 sipp -sf "$ROOT/samples/scenarios/uac_register_phone.xml" -s "$1" -au "$1" -ap "$2" \
		-i "$3" -p 0 -m 1 -nostdin "127.0.0.10:$P" >"$W/sipp.log" 2>&1 ||
		fail "phone $1 did not register" sipp.log
}
# sipvicious keeps its sessions under $HOME/.sipvicious: a home of its own.
sv() { HOME=$W timeout 20 "$@" >"$W/sv.log" 2>&1 || fail "$1 failed" sv.log; }

phone 1001 phone1-secret 127.0.0.2
phone 1002 phone2-secret 127.0.0.3
sv svmap -p "$((P - 10))-$((P + 9))" 127.0.0.10
grep -q "127.0.0.10:$P" "$W/sv.log" || fail "svmap found no registrar" sv.log
phone 1001 phone1-secret 127.0.0.2
sv svwar -p "$P" -e 1990-2009 -m REGISTER 127.0.0.10
grep -q "2000 *| reqauth" "$W/sv.log" || fail "svwar found no extension 2000" sv.log
phone 1002 phone2-secret 127.0.0.3
printf '%s\n' password 123456 admin secret 1234 qwerty 2000 voip letmein >"$W/words"
sv svcrack -p "$P" -u 2000 -d "$W/words" 127.0.0.10
grep -q "2000 *| letmein" "$W/sv.log" || fail "svcrack did not find the password" sv.log
phone 1001 phone1-secret 127.0.0.2
phone 1002 phone2-secret 127.0.0.3
sleep 0.3
kill "$TP"; wait "$TP" 2>/dev/null; TP=
exit 0
