# live.sh - headless capture (-N), saving (-w) and signals, sourced from
# run.sh (uses BIN, S, T, ok, bad, skp, expect).  The live tests capture
# on lo with sipp and tcpdump; they skip, saying why, when not root or
# when a tool is missing.  Every wait is bounded in count and time, and
# all traffic stays on 127.0.0.1.

# --- without a capture device ----------------------------------------------
expect "-N -r FILE: every call of the file, each as it ends" 0 "$BIN" -N -r "$S/basic_udp.pcap"
[ "$(grep -c ' completed ' "$T/out")" = 3 ] && grep -q "3 calls ended, 0 still open" "$T/err" &&
	ok "... 3 completed lines, and the closing counts on stderr" || bad "... 3 completed lines" "$T/out"
"$BIN" -N -r - --format json <"$S/busy_udp.pcap" >"$T/a" 2>/dev/null
"$BIN" calls -r "$S/busy_udp.pcap" --format json >"$T/b"
cmp -s "$T/a" "$T/b" && ok "-N -r - --format json: the lines of 'calls --format json'" ||
	bad "-N -r - --format json: the lines of 'calls --format json'" "$T/a"
# 401/407: the call waits for the request again with credentials (one line
# at its 200), and ends at the challenge when none comes within 32 s.
python3 "$ROOT/tests/integration/pcap_trickle.py" "$S/register_udp.pcap" 1.5 "$T/ch.out" "$T/ch.snap" \
	1-2 3-4 5-6 9-12+40 | "$BIN" -N -r - >"$T/ch.out" 2>"$T/ch.err"
if [ "$(grep -c '1-12538@' "$T/ch.out")" = 1 ] && grep -qE 'completed +4 .* 200 .*1-12538@' "$T/ch.out" &&
	grep -qE 'completed +2 .* 401 .*2-12538@' "$T/ch.snap" && grep -qE ' 200 .*3-12538@' "$T/ch.snap"; then
	ok "-N: a REGISTER answered 401 waits for its retry (one line, at the 200); unanswered, it ends 32 s on"
else
	bad "-N: a REGISTER answered 401 waits for its retry; unanswered, it ends 32 s on" "$T/ch.out"
fi
# --max-calls: a synthetic capture of many calls through a small limit;
# every call is printed once, as without the limit, and evictions counted.
if ${CC:-cc} -std=c11 -O2 -o "$T/gen_capture" "$ROOT/tests/bench/gen_capture.c" 2>"$T/err" &&
	"$T/gen_capture" -n 600 -o "$T/many.pcap" >/dev/null; then
	"$BIN" -N -r - --max-calls 5 <"$T/many.pcap" >"$T/a" 2>"$T/a.err"
	"$BIN" -N -r - --max-calls 0 <"$T/many.pcap" >"$T/b" 2>"$T/b.err"
	ncalls=$("$BIN" calls -r "$T/many.pcap" | tail -n +2 | wc -l)
	dups=$(tail -n +2 "$T/a" | awk '{print $NF}' | sort | uniq -d | wc -l)
	if [ "$(tail -n +2 "$T/a" | wc -l)" = "$ncalls" ] && [ "$dups" = 0 ] &&
		[ "$(sort "$T/a")" = "$(sort "$T/b")" ]; then
		ok "-N --max-calls 5: each of the $ncalls calls printed once, as without a limit"
	else
		bad "-N --max-calls 5: each call printed once, as without a limit" "$T/a.err"
	fi
	ev=$(sed -n 's/^sipscope: \([0-9]*\) calls (\([0-9]*\) SIP messages) evicted.*--max-calls 5).*/\1 \2/p' "$T/a.err")
	if [ -n "$ev" ] && [ "${ev% *}" -gt $((ncalls / 2)) ] && [ "${ev#* }" -gt "${ev% *}" ] &&
		! grep -q "evicted" "$T/b.err" &&
		grep -q "$ncalls calls ended, 0 still open" "$T/a.err"; then
		ok "... the evicted calls and messages counted on exit ($ev)"
	else
		bad "... the evicted calls and messages counted on exit" "$T/a.err"
	fi
	"$BIN" -N -r - --format json --max-calls 5 <"$T/many.pcap" 2>/dev/null | sort >"$T/a"
	"$BIN" -N -r - --format json --max-calls 0 <"$T/many.pcap" 2>/dev/null | sort >"$T/b"
	cmp -s "$T/a" "$T/b" && ok "-N --format json --max-calls 5: the lines without a limit, findings too" ||
		bad "-N --format json --max-calls 5: the lines without a limit, findings too" "$T/a"
else
	bad "--max-calls: cannot build tests/bench/gen_capture.c" "$T/err"
fi
expect "--max-calls with a batch command: status 2" 2 "$BIN" calls -r "$S/basic_udp.pcap" --max-calls 5
expect "--max-calls without a count: status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --max-calls x
expect "-w without -N: status 2" 2 "$BIN" -r "$S/basic_udp.pcap" -w "$T/x.pcap"
expect "two -i without -N: status 2" 2 "$BIN" -i lo -i lo
expect "-G without % in the name: status 2" 2 "$BIN" -N -i lo -G 10 -w "$T/x.pcap"
expect "-C without -w: status 2" 2 "$BIN" -N -i lo -C 10
expect "-N with a command: status 2" 2 "$BIN" calls -N -r "$S/basic_udp.pcap"

# --- live, on lo ------------------------------------------------------------
live_skip=
if [ "$(id -u)" != 0 ]; then live_skip="not root (capturing on lo needs it)"
elif ! command -v sipp >/dev/null 2>&1; then live_skip="sipp not installed"
elif ! command -v tcpdump >/dev/null 2>&1; then live_skip="tcpdump not installed"
elif ! command -v timeout >/dev/null 2>&1; then live_skip="timeout not installed"
fi

# sipp_calls UAS_PORT UAC_PORT CALLS RATE: a uas and a uac on 127.0.0.1
sipp_calls() {
	timeout 30 sipp -sf "$S/scenarios/uas_basic.xml" -i 127.0.0.1 -p "$1" -m "$3" -bg -nostdin \
		>/dev/null 2>&1
	timeout 30 sipp -sf "$S/scenarios/uac_basic.xml" -i 127.0.0.1 -p "$2" -m "$3" -r "$4" \
		-nostdin 127.0.0.1:"$1" >"$T/sipp_uac.log" 2>&1
}
# msg_keys FILE: one line per SIP message (addresses, message, Call-ID, CSeq)
msg_keys() { "$BIN" messages -r "$1" --format csv 2>/dev/null | tail -n +2 | cut -d, -f3-9 | sort; }

if [ -n "$live_skip" ] && [ "${CI:-}" = true ]; then
	bad "live capture on lo: $live_skip in CI (.ci/run installs sip-tester and tcpdump and runs as root)"
elif [ -n "$live_skip" ]; then
	skp "live capture on lo: $live_skip"
	skp "live: SIGKILL while writing: $live_skip"
	skp "live: a pipe from tcpdump: $live_skip"
else
	P1=$((21000 + $$ % 4000)); P2=$((P1 + 1))
	F="udp port $P1 or udp port $P2"
	"$BIN" -i lo -N -w "$T/live.pcap" "$F" >"$T/live.out" 2>"$T/live.err" & SP=$!
	timeout 40 tcpdump -i lo -U -w "$T/td.pcap" "$F" 2>"$T/td.err" & TP=$!
	if wait_for "$T/live.err" "capturing on" 50 && wait_for "$T/td.err" "listening" 50; then
		sipp_calls "$P1" "$P2" 5 10
		sleep 0.5
		kill -INT "$SP"
		wait_gone "$SP" 50; wait "$SP"; rc=$?
		kill -INT "$TP" 2>/dev/null; wait_gone "$TP" 50; wait "$TP" 2>/dev/null
		[ "$rc" = 0 ] && ok "live: SIGINT ends -N with status 0" || bad "live: SIGINT ends -N with status 0 (got $rc)" "$T/live.err"
		[ "$(grep -c ' completed ' "$T/live.out")" = 5 ] &&
			ok "live: 5 completed calls printed as they ended" || bad "live: 5 completed calls printed" "$T/live.out"
		msg_keys "$T/td.pcap" >"$T/td.keys"; msg_keys "$T/live.pcap" >"$T/live.keys"
		n=$(wc -l <"$T/td.keys")
		[ "$n" -ge 35 ] && cmp -s "$T/td.keys" "$T/live.keys" &&
			ok "live: -w holds every SIP message tcpdump saw ($n, 7 per call)" ||
			{ diff "$T/td.keys" "$T/live.keys" >"$T/d"; echo "tcpdump saw $n" >>"$T/d"; bad "live: -w holds every SIP message tcpdump saw" "$T/d"; }
		grep -q "0 dropped by the kernel, 0 dropped by the interface" "$T/live.err" &&
			ok "live: closing counts name kernel and interface drops" || bad "live: closing counts" "$T/live.err"
		"$BIN" calls -r "$T/live.pcap" >"$T/out" 2>&1
		[ "$(grep -c ' completed ' "$T/out")" = 5 ] && ok "live: the file reads back with calls -r (5 completed)" ||
			bad "live: the file reads back with calls -r" "$T/out"
		if tcpdump -r "$T/live.pcap" >"$T/out" 2>"$T/err" && [ "$(wc -l <"$T/out")" = "$(tcpdump -r "$T/td.pcap" 2>/dev/null | wc -l)" ]; then
			ok "live: tcpdump reads the file: as many packets as its own capture"
		else bad "live: tcpdump reads the file" "$T/err"; fi
		if command -v tshark >/dev/null 2>&1; then
			[ "$(tshark -r "$T/live.pcap" -Y sip -d udp.port==$P1,sip 2>/dev/null | wc -l)" = "$n" ] &&
				ok "live: tshark finds the same $n SIP messages" || bad "live: tshark finds the same SIP messages"
		else skp "live: tshark check (tshark not installed)"; fi
	else
		kill "$SP" "$TP" 2>/dev/null
		bad "live: sipscope or tcpdump did not start" "$T/live.err"
	fi

	# SIGKILL while writing: the file ends on a whole record and holds
	# every packet captured before the last flush (well before the kill).
	P1=$((P1 + 2)); P2=$((P1 + 1))
	F="udp port $P1 or udp port $P2"
	"$BIN" -i lo -N -w "$T/kill.pcap" "$F" >/dev/null 2>"$T/kill.err" & SP=$!
	timeout 40 tcpdump -i lo -U -w "$T/tdk.pcap" "$F" 2>"$T/tdk.err" & TP=$!
	if wait_for "$T/kill.err" "capturing on" 50 && wait_for "$T/tdk.err" "listening" 50; then
		sipp_calls "$P1" "$P2" 60 40 & CP=$!
		sleep 1.2
		cut=$(date +%s.%N)
		kill -KILL "$SP"; wait "$SP" 2>/dev/null
		wait_gone "$CP" 300; wait "$CP" 2>/dev/null
		kill -INT "$TP" 2>/dev/null; wait_gone "$TP" 50; wait "$TP" 2>/dev/null
		tcpdump -r "$T/kill.pcap" >"$T/out" 2>"$T/err"; rc=$?
		if [ "$rc" = 0 ] && ! grep -qi "trunc" "$T/err" && [ -s "$T/out" ]; then
			ok "live: after SIGKILL the file reads without error ($(wc -l <"$T/out") packets)"
		else bad "live: after SIGKILL the file reads without error" "$T/err"; fi
		# Messages tcpdump saw half a second or more before the kill.
		"$BIN" messages -r "$T/tdk.pcap" --format csv 2>/dev/null | tail -n +2 >"$T/tdk.csv"
		cutd=$(TZ=UTC date -d "@$cut" '+%Y-%m-%d %H:%M:%S.%6N')
		before=$(TZ=UTC date -d "@$(awk -v c="$cut" 'BEGIN { printf "%.6f", c - 0.5 }')" '+%Y-%m-%d %H:%M:%S.%6N')
		awk -F, -v t="$before" '$2 < t' "$T/tdk.csv" | cut -d, -f3-9 | sort >"$T/want"
		msg_keys "$T/kill.pcap" >"$T/got"
		nw=$(wc -l <"$T/want")
		if [ "$nw" -gt 0 ] && [ -z "$(comm -23 "$T/want" "$T/got")" ]; then
			ok "live: every message captured 0.5 s before the kill is in the file ($nw of $(wc -l <"$T/got"))"
		else
			{ echo "kill at $cutd; wanted $nw"; comm -23 "$T/want" "$T/got" | head; } >"$T/d"
			bad "live: every message captured 0.5 s before the kill is in the file" "$T/d"
		fi
	else
		kill "$SP" "$TP" 2>/dev/null
		bad "live: SIGKILL test: sipscope or tcpdump did not start" "$T/kill.err"
	fi

	# A pipe: calls come out while the pipe is still open.
	P1=$((P1 + 2)); P2=$((P1 + 1))
	F="udp port $P1 or udp port $P2"
	mkfifo "$T/fifo"
	timeout 40 tcpdump -i lo -U -w - "$F" >"$T/fifo" 2>"$T/tdp.err" & TP=$!
	"$BIN" -N -r - <"$T/fifo" >"$T/pipe.out" 2>"$T/pipe.err" & SP=$!
	if wait_for "$T/tdp.err" "listening" 50; then
		sipp_calls "$P1" "$P2" 3 10
		wait_for "$T/pipe.out" "3-" 50
		n=$(grep -c ' completed ' "$T/pipe.out")
		kill -0 "$SP" 2>/dev/null && alive=1 || alive=0
		kill -INT "$TP" 2>/dev/null; wait_gone "$TP" 50; wait "$TP" 2>/dev/null
		wait_gone "$SP" 50; wait "$SP"; rc=$?
		[ "$n" = 3 ] && [ "$alive" = 1 ] && [ "$rc" = 0 ] &&
			ok "live: tcpdump -U -w - | sipscope -N -r -: calls printed while the pipe is open" ||
			bad "live: a pipe from tcpdump (calls $n, running $alive, status $rc)" "$T/pipe.err"
	else
		kill "$TP" "$SP" 2>/dev/null
		bad "live: a pipe from tcpdump: tcpdump did not start" "$T/tdp.err"
	fi
fi
