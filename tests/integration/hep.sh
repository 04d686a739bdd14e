# hep.sh - HEP agent (--hep-send) and collector (--hep-listen) against
# real peers on loopback: sngrep as agent and as collector, kamailio's
# siptrace mirroring a proxied sipp call, and sipscope into sipscope.
# Sourced from run.sh (uses BIN, S, T, ok, bad, skp, expect).  Outside CI
# a missing tool skips its test with a message; with CI=true it fails.
# Every wait is bounded in count and time, all traffic stays on
# 127.0.0.1, and every process started here is stopped by its pid.

# --- options, without peers ---------------------------------------------------
expect "--hep-send with a batch command: status 2" 2 "$BIN" calls -r "$S/basic_udp.pcap" --hep-send udp:127.0.0.1:9
expect "--hep-send with a bad URL: status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --hep-send http://x
expect "--hep-listen with -r: status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --hep-listen udp:9
expect "--hep-id without --hep-send: status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --hep-id 5
expect "--hep-version 4: status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --hep-send udp:9 --hep-version 4
expect "agent=x in a filter: status 2" 2 "$BIN" calls -r "$S/hep3_udp.pcap" --filter agent=x
"$BIN" calls -r "$S/hep3_udp.pcap" --filter agent=131203072 >"$T/out" 2>&1
[ "$(tail -n +2 "$T/out" | wc -l)" = 3 ] && ok "agent=ID keeps the calls that agent sent" ||
	bad "agent=ID keeps the calls that agent sent" "$T/out"
"$BIN" calls -r "$S/hep3_udp.pcap" --filter agent=- >"$T/out" 2>&1
[ "$(tail -n +2 "$T/out" | wc -l)" = 0 ] && ok "agent=- keeps only calls seen without HEP" ||
	bad "agent=- keeps only calls seen without HEP" "$T/out"

"$BIN" --help >"$T/help" 2>&1
missing=""
for o in hep-send hep-listen hep-id hep-key hep-version; do
	grep -q -- "--$o" "$T/help" || missing="$missing --$o (help)"
	m=$(printf '%s' "--$o" | sed 's/-/\\-/g') # as roff writes it: \-\-hep\-send
	grep -qF -- "$m" "$ROOT/man/sipscope.1" || missing="$missing --$o (man)"
done
[ -z "$missing" ] && ok "--help and sipscope(1) document every HEP option" ||
	{ echo "missing:$missing" >"$T/d"; bad "--help and sipscope(1) document every HEP option" "$T/d"; }

# calls JSON names the agents of each call's messages, only when HEP came in
"$BIN" calls -r "$S/hep3_udp.pcap" --format json >"$T/hj"
"$BIN" calls -r "$S/basic_udp.pcap" --format json >"$T/bj"
[ "$(grep -c '"agents":\[131203072\]}$' "$T/hj")" = 3 ] && ! grep -q '"agents"' "$T/bj" &&
	ok "calls --format json: agents (the HEP capture ids) of each call, only for HEP captures" ||
	bad "calls --format json: agents of each call, only for HEP captures" "$T/hj"
# hep_gone PID TENTHS: wait_gone (run.sh), then KILL
hep_gone() { wait_gone "$1" "$2" || { kill -KILL "$1" 2>/dev/null; return 1; }; }
# hep_port_open PORT TENTHS: until something listens on udp PORT
hep_port_open() {
	i=0
	while [ "$i" -lt "$2" ]; do
		if command -v ss >/dev/null 2>&1; then
			ss -Huln "sport = :$1" 2>/dev/null | grep -q . && return 0
		elif [ "$i" -ge 10 ]; then return 0 # no ss: a second is plenty
		fi
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# hep_drained PORT TENTHS: until the collector has read every datagram
# waiting on udp PORT (a sanitizer's build reads slowly); no ss: a second
hep_drained() {
	i=0
	while [ "$i" -lt "$2" ]; do
		if command -v ss >/dev/null 2>&1; then
			[ "$(ss -Huln "sport = :$1" 2>/dev/null | awk '{ print $2; exit }')" = 0 ] && return 0
		elif [ "$i" -ge 10 ]; then return 0
		fi
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# hep_keys FILE: per SIP message its hop, method or status, Call-ID and CSeq, sorted
hep_keys() { "$BIN" messages -r "$1" --format csv 2>/dev/null | tail -n +2 | cut -d, -f3-9 | sort; }
# hep_calls FILE: per call its Call-ID, message count, method, state and final status
hep_calls() { "$BIN" calls -r "$1" --format csv 2>/dev/null | tail -n +2 | cut -d, -f2,5,6,9,12 | sort; }
# hep_need TOOL...: the first missing tool, or nothing
hep_need() { for t in "$@"; do command -v "$t" >/dev/null 2>&1 || { echo "$t"; return; }; done; }
# hep_missing NAME TOOL: FAIL in CI, skip elsewhere
hep_missing() {
	if [ "${CI:-}" = true ]; then bad "$1: $2 not installed in CI (.ci/run installs it)"
	else skp "$1: $2 not installed"; fi
}

HB=$((31000 + $$ % 3000)) # ports HB..HB+19, apart from live.sh's
HPIDS=""
trap 'for p in $HPIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM # a stopped run ends (the EXIT trap cleans up), not carry on without its files

# --- sipscope agents into a sipscope collector (UDP + TCP, key checked) -----------
P1=$HB; P2=$((HB + 1))
"$BIN" -N --hep-listen udp:127.0.0.1:$P1 --hep-listen tcp:127.0.0.1:$P2 --hep-key s3cret \
	-w "$T/col.pcap" >"$T/col.out" 2>"$T/col.err" & CP=$!; HPIDS="$HPIDS $CP"
if wait_for "$T/col.err" "listening for HEP on tcp" 50; then
	"$BIN" -N --quiet -r "$S/basic_udp.pcap" --hep-send udp:127.0.0.1:$P1 --hep-id 11 --hep-key s3cret 2>"$T/a1.err"
	"$BIN" -N --quiet -r "$S/busy_udp.pcap" --hep-send tcp:127.0.0.1:$P2 --hep-id 22 --hep-key s3cret 2>"$T/a2.err"
	"$BIN" -N --quiet -r "$S/cancel_udp.pcap" --hep-send udp:127.0.0.1:$P1 --hep-id 33 --hep-key wrong 2>"$T/a3.err"
	"$BIN" -N --quiet -r "$S/register_udp.pcap" --hep-send udp:127.0.0.1:$P1 --hep-version 2 2>"$T/a4.err"
	"$BIN" -N --quiet -r "$S/basic_tcp.pcap" --hep-send tcp:127.0.0.1:$P2 --hep-id 55 --hep-key s3cret 2>"$T/a5.err"
	n1=$("$BIN" messages -r "$S/basic_udp.pcap" | tail -n +2 | wc -l)
	n2=$("$BIN" messages -r "$S/busy_udp.pcap" | tail -n +2 | wc -l)
	n3=$("$BIN" messages -r "$S/cancel_udp.pcap" | tail -n +2 | wc -l)
	n4=$("$BIN" messages -r "$S/register_udp.pcap" | tail -n +2 | wc -l)
	n5=$("$BIN" messages -r "$S/basic_tcp.pcap" | tail -n +2 | wc -l)
	sleep 0.5
	kill -INT "$CP"; hep_gone "$CP" 50; wait "$CP"; rc=$?
	grep -q "HEP: $n1 SIP messages sent to udp:127.0.0.1:$P1, 0 dropped" "$T/a1.err" &&
		grep -q "HEP: $n2 SIP messages sent to tcp:127.0.0.1:$P2, 0 dropped" "$T/a2.err" &&
		ok "agents: every message sent, none dropped, said at exit (UDP and TCP)" ||
		{ cat "$T/a1.err" "$T/a2.err" >"$T/d"; bad "agents: every message sent, none dropped" "$T/d"; }
	want="HEP: $((n1 + n2 + n3 + n4 + n5)) packets from agents (2 TCP connections), $((n1 + n2 + n5)) SIP messages, 0 malformed, 0 not SIP, $((n3 + n4)) wrong key"
	[ "$rc" = 0 ] && grep -q "$want" "$T/col.err" &&
		ok "collector: two agents' messages in, a wrong key and a v2 agent without key counted and dropped" ||
		{ echo "wanted: $want" >>"$T/col.err"; bad "collector: two agents in, wrong keys dropped" "$T/col.err"; }
	{ hep_keys "$S/basic_udp.pcap"; hep_keys "$S/busy_udp.pcap"; hep_keys "$S/basic_tcp.pcap"; } | sort >"$T/want"
	hep_keys "$T/col.pcap" >"$T/got"
	cmp -s "$T/want" "$T/got" && ok "collector -w: the agents' messages as plain UDP and TCP frames, same hops, methods, Call-IDs" ||
		{ diff "$T/want" "$T/got" >"$T/d"; bad "collector -w: the agents' messages" "$T/d"; }
else
	kill "$CP" 2>/dev/null
	bad "collector did not start" "$T/col.err"
fi

# --- (1) sngrep replays a capture as HEP into the collector ---------------------
miss=$(hep_need sngrep tshark)
if [ -n "$miss" ]; then
	hep_missing "sngrep -H into the collector" "$miss"
else
	P1=$((HB + 2))
	"$BIN" -N --hep-listen udp:127.0.0.1:$P1 -w "$T/sng_in.pcap" >"$T/c1.out" 2>"$T/c1.err" & CP=$!
	HPIDS="$HPIDS $CP"
	if wait_for "$T/c1.err" "listening for HEP" 50; then
		timeout 20 sngrep -N -q -I "$S/basic_udp.pcap" -H udp:127.0.0.1:$P1 >"$T/sng.out" 2>&1
		src=$?
		n=$("$BIN" messages -r "$S/basic_udp.pcap" | tail -n +2 | wc -l)
		sleep 0.5
		kill -INT "$CP"; hep_gone "$CP" 50; wait "$CP"
		hep_calls "$S/basic_udp.pcap" >"$T/want"
		hep_calls "$T/sng_in.pcap" >"$T/got"
		[ "$src" = 0 ] && [ -s "$T/want" ] && cmp -s "$T/want" "$T/got" &&
			grep -q "HEP: $n packets from agents (0 TCP connections), $n SIP messages, 0 malformed" "$T/c1.err" &&
			ok "sngrep -I FILE -H -> collector: the same $(wc -l <"$T/want") calls (Call-IDs, messages, states, statuses)" ||
			{ { cat "$T/c1.err"; diff "$T/want" "$T/got"; } >"$T/d"; bad "sngrep -H -> collector: the same calls" "$T/d"; }
		# The collector printed each call as it ended, as 'calls' does.
		[ "$(grep -c ' completed ' "$T/c1.out")" = 3 ] && ok "... and printed each call as it ended (-N)" ||
			bad "... and printed each call as it ended (-N)" "$T/c1.out"
		tshark -r "$T/sng_in.pcap" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
			-T fields -e sip.Call-ID -e sip.CSeq -e udp.checksum.status -e ip.checksum.status \
			-Y sip -d udp.port==15060,sip -d udp.port==25060,sip >"$T/ts" 2>/dev/null
		tshark -r "$S/basic_udp.pcap" -T fields -e sip.Call-ID -e sip.CSeq -Y sip \
			-d udp.port==15060,sip -d udp.port==25060,sip >"$T/ts0" 2>/dev/null
		if [ "$(wc -l <"$T/ts")" = "$n" ] && [ "$(cut -f1,2 "$T/ts")" = "$(cat "$T/ts0")" ] &&
			! cut -f3,4 "$T/ts" | grep -qv "^1	1$"; then
			ok "tshark reads the collector's -w file: the same $n SIP messages, IP and UDP checksums good"
		else
			{ head -5 "$T/ts"; echo "wanted $n"; } >"$T/d"; bad "tshark reads the collector's -w file" "$T/d"
		fi
	else
		kill "$CP" 2>/dev/null
		bad "sngrep -H: the collector did not start" "$T/c1.err"
	fi
fi

# --- (3) sipscope replays a capture as HEP into sngrep's listener ---------------
miss=$(hep_need sngrep timeout)
if [ -n "$miss" ]; then
	hep_missing "sipscope --hep-send -> sngrep -L" "$miss"
else
	P1=$((HB + 3))
	(cd "$T" && exec timeout 30 sngrep -N -q -L udp:127.0.0.1:$P1 -O "$T/sng_out.pcap" >"$T/sngl.out" 2>&1) & GP=$!
	HPIDS="$HPIDS $GP"
	if hep_port_open "$P1" 50; then
		"$BIN" -N --quiet -r "$S/basic_udp.pcap" --hep-send udp:127.0.0.1:$P1 2>"$T/s3.err"; rc=$?
		sleep 0.5
		kill -TERM "$GP" 2>/dev/null; hep_gone "$GP" 50; wait "$GP" 2>/dev/null
		hep_calls "$S/basic_udp.pcap" >"$T/want"
		hep_calls "$T/sng_out.pcap" >"$T/got"
		[ "$rc" = 0 ] && [ -s "$T/want" ] && cmp -s "$T/want" "$T/got" &&
			ok "sipscope -r FILE --hep-send -> sngrep -L -O: its pcap holds the same $(wc -l <"$T/want") calls" ||
			{ { cat "$T/s3.err" "$T/sngl.out"; diff "$T/want" "$T/got"; } >"$T/d"; bad "sipscope --hep-send -> sngrep -L" "$T/d"; }
		hep_keys "$S/basic_udp.pcap" >"$T/want"; hep_keys "$T/sng_out.pcap" >"$T/got"
		cmp -s "$T/want" "$T/got" && ok "... every message with its original addresses and ports" ||
			{ diff "$T/want" "$T/got" >"$T/d"; bad "... every message with its original addresses" "$T/d"; }
	else
		kill "$GP" 2>/dev/null
		bad "sngrep -L did not start listening on udp $P1" "$T/sngl.out"
	fi
fi

# --- (2) kamailio's siptrace mirrors a proxied sipp call as HEPv3 ---------------
miss=$(hep_need kamailio sipp timeout)
if [ -n "$miss" ]; then
	hep_missing "kamailio siptrace -> collector" "$miss"
else
	KP=$((HB + 4)); HP=$((HB + 5)); UAS=$((HB + 6)); UAC=$((HB + 7))
	mkdir -p "$T/kam"
	sed -e "s/^listen=udp:127\.0\.0\.1:[0-9]*/listen=udp:127.0.0.1:$KP/" "$S/kamailio/kamailio.cfg" |
	sed -e '/^loadmodule "xlog.so"/a\
loadmodule "siptrace.so"\
modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:'$HP'")\
modparam("siptrace", "hep_mode_on", 1)\
modparam("siptrace", "hep_version", 3)\
modparam("siptrace", "hep_capture_id", 4321)\
modparam("siptrace", "trace_to_database", 0)\
modparam("siptrace", "trace_on", 1)\
modparam("siptrace", "trace_mode", 1)' >"$T/kam/kamailio.cfg"
	"$BIN" -N --hep-listen udp:127.0.0.1:$HP -w "$T/kam.pcap" >/dev/null 2>"$T/c2.err" & CP=$!
	HPIDS="$HPIDS $CP"
	tdp=""
	if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null 2>&1; then
		timeout 40 tcpdump -i lo -U -w "$T/kam_lo.pcap" "udp port $KP and not udp port $HP" 2>"$T/td.err" & tdp=$!
		HPIDS="$HPIDS $tdp"
		wait_for "$T/td.err" listening 50
	fi
	kamailio -f "$T/kam/kamailio.cfg" -DD -E -w "$T/kam" -Y "$T/kam" -P "$T/kam/kamailio.pid" \
		-m 32 -M 4 >"$T/kam.log" 2>&1 & KPID=$!
	HPIDS="$HPIDS $KPID"
	if wait_for "$T/c2.err" "listening for HEP" 50 && hep_port_open "$KP" 50 && kill -0 "$KPID" 2>/dev/null; then
		timeout 30 sipp -sf "$S/scenarios/uas_basic.xml" -i 127.0.0.1 -p "$UAS" -m 3 -bg -nostdin >/dev/null 2>&1
		timeout 30 sipp -sf "$S/scenarios/uac_basic.xml" -i 127.0.0.1 -p "$UAC" -m 3 -r 10 -nostdin \
			-rsa 127.0.0.1:$KP 127.0.0.1:$UAS >"$T/kuac.log" 2>&1; urc=$?
		sleep 0.5
		kill -TERM "$KPID"; hep_gone "$KPID" 50; wait "$KPID" 2>/dev/null
		[ -n "$tdp" ] && { kill -INT "$tdp"; hep_gone "$tdp" 50; wait "$tdp" 2>/dev/null; }
		kill -INT "$CP"; hep_gone "$CP" 50; wait "$CP"
		# Each call: 7 messages from the uac to kamailio and 7 on to the uas.
		"$BIN" calls -r "$T/kam.pcap" --format csv 2>/dev/null | tail -n +2 | cut -d, -f5,6,9,12 >"$T/got"
		[ "$urc" = 0 ] && [ "$(grep -c '^INVITE,completed,14,200$' "$T/got")" = 3 ] &&
			grep -q "HEP: 42 packets from agents (0 TCP connections), 42 SIP messages, 0 malformed" "$T/c2.err" &&
			ok "kamailio siptrace (HEPv3) -> collector: 3 proxied calls, 14 messages each (both hops)" ||
			{ { cat "$T/c2.err" "$T/got"; tail -5 "$T/kuac.log"; } >"$T/d"; bad "kamailio siptrace -> collector" "$T/d"; }
		if [ -n "$tdp" ]; then
			hep_keys "$T/kam_lo.pcap" >"$T/want"; hep_keys "$T/kam.pcap" >"$T/got"
			[ "$(wc -l <"$T/want")" = 42 ] && cmp -s "$T/want" "$T/got" &&
				ok "... the same 42 messages (hops, methods, Call-IDs, CSeqs) tcpdump saw kamailio proxy" ||
				{ diff "$T/want" "$T/got" >"$T/d"; bad "... the messages tcpdump saw kamailio proxy" "$T/d"; }
		else
			skp "kamailio: tcpdump comparison (needs root and tcpdump)"
		fi
	else
		kill "$KPID" "$CP" $tdp 2>/dev/null
		cat "$T/kam.log" >>"$T/c2.err"
		bad "kamailio siptrace: the collector or kamailio did not start" "$T/c2.err"
	fi
fi
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM # a stopped run ends (the EXIT trap cleans up), not carry on without its files
