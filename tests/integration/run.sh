#!/bin/sh
# Integration tests: the sipscope binary on samples/ and crafted captures.
# Usage: SIPSCOPE=build/sipscope sh tests/integration/run.sh
# Prints one line per test and a closing "N passed, N failed, N skipped".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SIPSCOPE:-$ROOT/sipscope}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
S=$ROOT/samples
CORPUS=$ROOT/../shared/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# No config file of the developer's (~/.config/sipscope/config) nor the
# system's (/etc/sipscope/config) reaches the tests: both point into $T.
mkdir -p "$T/xdg" "$T/etc"
export XDG_CONFIG_HOME="$T/xdg" SIPSCOPE_SYSCONFDIR="$T/etc"
trap 'exit 130' INT
trap 'exit 143' TERM # a stopped run ends (the EXIT trap cleans up), not carry on without its files
export TZ=UTC
pass=0 fail=0 skip=0

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -20; }
# wait_for FILE TEXT TENTHS: until FILE holds TEXT, at most TENTHS/10 s
wait_for() {
	i=0
	while [ "$i" -lt "$3" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# wait_gone PID TENTHS: until PID has exited, at most TENTHS/10 s
wait_gone() {
	i=0
	while [ "$i" -lt "$2" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
skp()  { skip=$((skip + 1)); echo "skip $1"; }
# heavy NAME: true, or NAME skipped under INTEGRATION_LIGHT=1, which make
# check-threads sets: under ThreadSanitizer the suite runs 3-4x slower,
# and these checks (every sample in every format, the tshark and TLS
# oracles, memory and time bounds) test what the plain and ASan runs
# test, not the threads.
heavy() { [ -z "${INTEGRATION_LIGHT:-}" ] && return 0; skp "$1 (INTEGRATION_LIGHT: the plain and ASan runs check it)"; return 1; }

# expect NAME WANT_RC CMD... : run CMD, stdout to $T/out, stderr to $T/err
expect() {
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name"; return 0; fi
	echo "exit $rc, wanted $want" >>"$T/err"
	bad "$name" "$T/err"
	return 1
}

# --- the samples, checked against what their scenarios did ---------------
if python3 "$ROOT/tests/integration/check_samples.py" "$BIN" "$S" >"$T/cs" 2>&1; then
	ok "samples behave as their sipp scenarios say"
else
	bad "samples behave as their sipp scenarios say" "$T/cs"
fi

# --- tshark as an independent decoder -------------------------------------
python3 "$ROOT/tests/integration/tshark_compare.py" "$BIN" "$S"/*.pcap >"$T/tc" 2>&1
case $? in
0) ok "samples agree with tshark ($(grep -c '^ok' "$T/tc") captures)" ;;
77) skp "samples vs tshark: tshark not installed" ;;
*) bad "samples agree with tshark" "$T/tc" ;;
esac
if [ -d "$CORPUS" ]; then
	python3 "$ROOT/tests/integration/tshark_compare.py" "$BIN" "$CORPUS"/*.pcap >"$T/tc" 2>&1
	case $? in
	0) ok "shared corpus agrees with tshark ($(grep -c '^ok' "$T/tc") captures)" ;;
	77) skp "corpus vs tshark: tshark not installed" ;;
	*) bad "shared corpus agrees with tshark" "$T/tc" ;;
	esac
else
	skp "shared corpus vs tshark: ../shared/corpus absent"
fi

# --- errors: one clear line, documented exit codes ------------------------
if expect "a non-capture file is exit 2" 2 "$BIN" messages -r /etc/passwd; then
	if [ "$(wc -l <"$T/err")" = 1 ] && grep -q "/etc/passwd: not a pcap or pcapng capture file" "$T/err"; then
		ok "a non-capture file gets one line naming it"
	else bad "a non-capture file gets one line naming it" "$T/err"; fi
fi
if expect "a missing file is exit 2" 2 "$BIN" messages -r "$T/nosuchfile"; then
	if [ "$(wc -l <"$T/err")" = 1 ] && grep -q "nosuchfile: No such file or directory" "$T/err"; then
		ok "a missing file gets one line naming it"
	else bad "a missing file gets one line naming it" "$T/err"; fi
fi
size=$(wc -c <"$S/basic_udp.pcap")
head -c $((size - 100)) "$S/basic_udp.pcap" >"$T/cut.pcap"
total=$("$BIN" messages -r "$S/basic_udp.pcap" --format json | wc -l)
if expect "a capture cut mid-packet is exit 1" 1 "$BIN" messages -r "$T/cut.pcap" --format json; then
	got=$(wc -l <"$T/out")
	if grep -q "warning: .*cut.pcap: frame [0-9]* is damaged" "$T/err" && [ "$got" -eq $((total - 1)) ]; then
		ok "a cut capture warns with file and frame and keeps the $got messages before it"
	else bad "a cut capture warns and keeps what came before ($got of $total)" "$T/err"; fi
fi
head -c 10 "$S/basic_udp.pcap" >"$T/tiny.pcap"
expect "a capture cut inside its file header is exit 2" 2 "$BIN" calls -r "$T/tiny.pcap"
if expect "an unknown option is exit 2" 2 "$BIN" calls -r "$S/basic_udp.pcap" --bogus; then
	grep -q "unknown option '--bogus'" "$T/err" && grep -q "^Usage:" "$T/err" &&
		ok "an unknown option prints what was wrong and the usage" ||
		bad "an unknown option prints what was wrong and the usage" "$T/err"
fi
expect "an unknown command is exit 2" 2 "$BIN" frobnicate -r "$S/basic_udp.pcap"
expect "a missing -r is exit 2" 2 "$BIN" calls
expect "an unknown format is exit 2" 2 "$BIN" calls -r "$S/basic_udp.pcap" --format xml
expect "-r without a file is exit 2" 2 "$BIN" calls -r
expect "--help is exit 0" 0 "$BIN" --help && grep -q "messages" "$T/out" || bad "--help lists the commands"
expect "messages --help is exit 0" 0 "$BIN" messages --help
expect "--version is exit 0" 0 "$BIN" --version && grep -q "^sipscope [0-9]" "$T/out" || bad "--version prints the version"

# --- input forms ------------------------------------------------------------
"$BIN" messages -r "$S/basic_udp.pcap" --format json >"$T/file.json"
"$BIN" messages -r - --format json <"$S/basic_udp.pcap" >"$T/stdin.json" 2>"$T/err"
if cmp -s "$T/file.json" "$T/stdin.json"; then ok "-r - reads stdin like the file"
else bad "-r - reads stdin like the file" "$T/err"; fi

"$BIN" messages -r "$S/basic_udp.pcap" -r "$S/busy_udp.pcap" --format json >"$T/merged.json"
n1=$(wc -l <"$T/file.json")
n2=$("$BIN" messages -r "$S/busy_udp.pcap" --format json | wc -l)
if python3 - "$T/merged.json" "$((n1 + n2))" <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
assert len(msgs) == int(sys.argv[2]), len(msgs)
times = [m["time"] for m in msgs]
assert times == sorted(times), "merged in time order"
assert [m["frame"] for m in msgs] == sorted(m["frame"] for m in msgs)
assert len({m["call"] for m in msgs}) == 6
PY
then ok "several -r files merge by time ($((n1 + n2)) messages)"
else bad "several -r files merge by time"; fi

if command -v editcap >/dev/null 2>&1; then
	editcap -F pcapng "$S/basic_udp.pcap" "$T/basic.pcapng"
	"$BIN" messages -r "$T/basic.pcapng" --format json >"$T/ng.json" 2>"$T/err"
	if cmp -s "$T/file.json" "$T/ng.json"; then ok "pcapng reads the same as pcap"
	else bad "pcapng reads the same as pcap" "$T/err"; fi
else
	skp "pcapng: editcap (tshark's package) not installed"
fi

"$BIN" calls -r "$S/basic_udp.pcap" --format csv >"$T/calls.csv"
if [ "$(head -1 "$T/calls.csv")" = "call,call_id,from,to,method,state,start,end,messages,setup_ms,duration_s,final_status,legs,dialogs" ] &&
	[ "$(wc -l <"$T/calls.csv")" = 4 ]; then ok "calls --format csv has a header and a row per call"
else bad "calls --format csv has a header and a row per call" "$T/calls.csv"; fi

# --- crafted captures: link types, IP options, damage, terminal safety ----
for kind in sll sll2 null raw qinq ipv4opts ipv6ext; do
	python3 "$ROOT/tests/integration/mkpcap.py" "$kind" "$T/$kind.pcap"
	"$BIN" messages -r "$T/$kind.pcap" --format json >"$T/out" 2>"$T/err"
	if grep -q "\"call_id\":\"crafted-$kind\"" "$T/out" && grep -q '"malformed":null' "$T/out"; then
		ok "decodes $kind"
	else bad "decodes $kind" "$T/err"; fi
done
python3 "$ROOT/tests/integration/mkpcap.py" nocallid "$T/nocallid.pcap"
"$BIN" messages -r "$T/nocallid.pcap" --format json >"$T/out"
grep -q '"malformed":"missing Call-ID"' "$T/out" && ok "a message without Call-ID is kept and flagged" ||
	bad "a message without Call-ID is kept and flagged" "$T/out"
python3 "$ROOT/tests/integration/mkpcap.py" snapcut "$T/snapcut.pcap"
"$BIN" messages -r "$T/snapcut.pcap" --format json >"$T/out"
grep -q '"malformed":"cut short by the capture (snaplen)"' "$T/out" && ok "a snaplen-cut message is kept and flagged" ||
	bad "a snaplen-cut message is kept and flagged" "$T/out"
python3 "$ROOT/tests/integration/mkpcap.py" escapes "$T/escapes.pcap"
esc_ok=1
for cmd in "messages" "calls"; do
	for fmt in table json csv; do
		"$BIN" $cmd -r "$T/escapes.pcap" --format $fmt >"$T/out"
		if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/out" ||
			LC_ALL=C grep -q "$(printf '\302[\200-\237]\|\233')" "$T/out"; then
			esc_ok=0
			echo "     raw control bytes in: $cmd --format $fmt"
		fi
	done
done
[ $esc_ok = 1 ] && ok "no raw control bytes reach the terminal (table, json, csv)" ||
	bad "no raw control bytes reach the terminal"
"$BIN" messages -r "$T/escapes.pcap" --format json | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' 2>"$T/err" &&
	ok "escaped JSON still parses" || bad "escaped JSON still parses" "$T/err"

python3 "$ROOT/tests/integration/mkpcap.py" utf8 "$T/utf8.pcap"
"$BIN" calls -r "$T/utf8.pcap" --format csv >"$T/out"
grep -q '"café-☎"' "$T/out" && grep -q '"Zoë"\|sip:alice@example.com' "$T/out" &&
	ok "CSV keeps valid UTF-8 as it is" || bad "CSV keeps valid UTF-8 as it is" "$T/out"
python3 "$ROOT/tests/integration/mkpcap.py" hugeuri "$T/hugeuri.pcap"
"$BIN" messages -r "$T/hugeuri.pcap" --format json >"$T/out" 2>"$T/err"
if [ "$(grep -c '"call_id":"huge-' "$T/out")" = 12 ] && [ ! -s "$T/err" ]; then
	ok "messages with 30 KB URIs are all kept"
else bad "messages with 30 KB URIs are all kept" "$T/err"; fi

# TCP damage: (kind, expected "frame:call_id:malformed?" list)
tcp_case() {
	kind=$1 want=$2
	python3 "$ROOT/tests/integration/mkpcap.py" "$kind" "$T/$kind.pcap"
	"$BIN" messages -r "$T/$kind.pcap" --format json >"$T/out" 2>"$T/err"
	got=$(python3 -c 'import json,sys
print(" ".join("%d:%s:%s" % (m["frame"], m["call_id"], "bad" if m["malformed"] else "ok")
               for m in map(json.loads, sys.stdin)))' <"$T/out")
	if [ "$got" = "$want" ]; then ok "TCP $kind: $want"
	else echo "got: $got" >>"$T/err"; bad "TCP $kind: want $want" "$T/err"; fi
}
tcp_case tcploss "1:c0:ok 2:c2:ok 3:c3:ok"
tcp_case tcpcut "1:c0:ok 2:None:bad 3:c2:ok"
tcp_case tcpsplit "2:s1:ok 2:s2:ok"
tcp_case tcpresync "1:r1:ok 3:r2:ok"

# stats: numbers that follow from the samples' scenarios.
"$BIN" stats -r "$S/lossy_udp.pcap" --format json >"$T/st.json" 2>"$T/err"
"$BIN" messages -r "$S/lossy_udp.pcap" --format json >"$T/m.json"
if python3 - "$T/st.json" "$T/m.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
msgs = [json.loads(l) for l in open(sys.argv[2])]
assert st["messages"] == len(msgs)
assert st["retransmissions"] == sum(m["retrans"] for m in msgs) > 0
assert sum(v["retrans"] for v in st["requests"].values()) + \
       sum(v["retrans"] for v in st["responses"].values()) == st["retransmissions"]
inv = st["response_ms"]["INVITE"]
assert inv["min"] <= inv["median"] <= inv["p95"] <= inv["max"]
assert st["calls"] == 8 and st["states"] == {"completed": 8}
assert st["rfc6076"]["ser_pct"] == 100.0
PY
then ok "stats on the lossy sample: retransmissions and response-time percentiles"
else bad "stats on the lossy sample" "$T/err"; fi
"$BIN" stats -r "$S/busy_udp.pcap" --format json >"$T/st.json"
python3 -c 'import json,sys; st=json.load(open(sys.argv[1]));
assert st["states"] == {"busy": 3}, st["states"]
r = st["rfc6076"]; assert r["ser_pct"] == 0 and r["seer_pct"] == 100 and r["isa_pct"] == 0, r' "$T/st.json" 2>"$T/err" &&
	ok "stats on the busy sample: RFC 6076 SER 0%, SEER 100%" || bad "stats on the busy sample" "$T/err"
expect "stats refuses CSV" 2 "$BIN" stats -r "$S/busy_udp.pcap" --format csv

# --- the checker's findings on the other surfaces ------------------------------
# lossy_udp: frame 3 (a 2xx never ACKed) and frame 64 (a reused CSeq), call 1.
"$BIN" stats -r "$S/lossy_udp.pcap" --format json >"$T/st.json" 2>"$T/err"
"$BIN" check -r "$S/lossy_udp.pcap" --format json >"$T/ck.json" 2>>"$T/err"
if python3 - "$T/st.json" "$T/ck.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
found = {}
for l in open(sys.argv[2]):
    f = json.loads(l)
    found[f["rule"]] = found.get(f["rule"], 0) + 1
assert st["findings"] == found == {"ack-missing": 1, "cseq-reused": 1}, (st["findings"], found)
PY
then ok "stats --format json: findings by rule, as check counts them"
else bad "stats --format json: findings by rule, as check counts them" "$T/err"; fi
"$BIN" stats -r "$S/lossy_udp.pcap" >"$T/out"
if grep -q '^Findings by rule  *severity  *count$' "$T/out" && grep -qE '^  ack-missing +error +1$' "$T/out" &&
	grep -qE '^  cseq-reused +error +1$' "$T/out"; then ok "stats table: the findings by rule section"
else bad "stats table: the findings by rule section" "$T/out"; fi
"$BIN" stats -r "$S/busy_udp.pcap" --format json | python3 -c 'import json,sys; assert json.load(sys.stdin)["findings"] == {}' 2>"$T/err" &&
	ok "stats without findings: an empty findings object" || bad "stats without findings: an empty findings object" "$T/err"
"$BIN" flow -r "$S/lossy_udp.pcap" -c 1 --format json >"$T/fl.json" 2>"$T/err"
if python3 - "$T/fl.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
msgs = d["calls"][0]["messages"]
assert all(isinstance(m["findings"], list) for m in msgs)
got = {m["frame"]: [(f["rule"], f["severity"], f["rfc"]) for f in m["findings"]] for m in msgs if m["findings"]}
assert got == {3: [("ack-missing", "error", "RFC 3261 13.3.1.4")],
               64: [("cseq-reused", "error", "RFC 3261 8.1.1.5")]}, got
assert all(f["text"] for m in msgs for f in m["findings"])
assert {m["frame"] for m in msgs if m["problem"] == "error"} == {3, 64}
PY
then ok "flow --format json: each message's findings (frames 3 and 64 of call 1)"
else bad "flow --format json: each message's findings" "$T/err"; fi
"$BIN" flow -r "$S/lossy_udp.pcap" -c 1 --ascii >"$T/out"
[ "$(grep -c -- '- ! ' "$T/out")" = 2 ] && grep -q -- '- ! BYE -' "$T/out" &&
	ok "flow: the two problem messages marked '!' on their arrows" || bad "flow: the two problem messages marked '!'" "$T/out"
"$BIN" calls -r "$S/lossy_udp.pcap" --format json >"$T/c.json"
python3 -c 'import json,sys; c=[json.loads(l) for l in open(sys.argv[1])];
assert c[0]["problems"] == {"error":2,"warning":0,"info":0}, c[0];
assert all(x["problems"] == {"error":0,"warning":0,"info":0} for x in c[1:])' "$T/c.json" 2>"$T/err" &&
	ok "calls --format json: problems by severity per call" || bad "calls --format json: problems by severity per call" "$T/err"
"$BIN" calls -r "$S/lossy_udp.pcap" --filter problem=error --format csv >"$T/out"
"$BIN" calls -r "$S/lossy_udp.pcap" --filter problem=cseq-reused --format csv >"$T/out2"
[ "$(tail -n +2 "$T/out" | cut -d, -f1)" = 1 ] && cmp -s "$T/out" "$T/out2" &&
	ok "calls --filter problem=error and problem=RULE keep call 1" || bad "calls --filter problem= keeps call 1" "$T/out"
expect "calls --filter problem=UNKNOWN: status 2" 2 "$BIN" calls -r "$S/lossy_udp.pcap" --filter problem=nope

# Forking and B2BUA legs, checked against what the crafted flows are.
python3 "$ROOT/tests/integration/mkpcap.py" fork "$T/fork.pcap"
"$BIN" messages -r "$T/fork.pcap" --format json >"$T/m.json"
"$BIN" calls -r "$T/fork.pcap" --format json >"$T/c.json"
if python3 - "$T/m.json" "$T/c.json" <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
calls = [json.loads(l) for l in open(sys.argv[2])]
assert len(calls) == 1 and calls[0]["dialogs"] == 2, calls
assert not any(m["retrans"] for m in msgs), "a forked 2xx is no retransmission"
ok = [m for m in msgs if m["status"] == 200 and m["cseq_method"] == "INVITE"]
assert ok[0]["dialog"] != ok[1]["dialog"], "each fork is its own dialog"
assert msgs[0]["dialog"] == ok[0]["dialog"], "the INVITE joins the first dialog"
assert all(m["txn"] == msgs[0]["txn"] for m in msgs[:5]), "one INVITE transaction"
PY
then ok "forking: two dialogs from one INVITE, no retransmission"
else bad "forking: two dialogs from one INVITE, no retransmission"; fi
python3 "$ROOT/tests/integration/mkpcap.py" b2bua "$T/b2bua.pcap"
"$BIN" calls -r "$T/b2bua.pcap" --format json >"$T/c.json"
"$BIN" messages -r "$T/b2bua.pcap" --format json >"$T/m.json"
if python3 - "$T/c.json" "$T/m.json" <<'PY'
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])]
msgs = [json.loads(l) for l in open(sys.argv[2])]
ids = sorted(sorted(c["call_ids"]) for c in calls)
assert ids == [["leg-A", "leg-B"], ["leg-C", "leg-D"], ["leg-E"], ["leg-F"], ["leg-G"]], ids
by_cid = {}
for m in msgs:
    by_cid.setdefault(m["call_id"], set()).add(m["call"])
assert by_cid["leg-A"] == by_cid["leg-B"] and by_cid["leg-C"] == by_cid["leg-D"]
assert by_cid["leg-A"] != by_cid["leg-C"] != by_cid["leg-E"]
PY
then ok "B2BUA legs merge by X-Call-ID and Session-ID, others stay apart"
else bad "B2BUA legs merge by X-Call-ID and Session-ID, others stay apart"; fi
"$BIN" calls -r "$T/b2bua.pcap" --correlate "X-Nothing" --format json >"$T/c2.json"
cmp -s "$T/c.json" "$T/c2.json" && ok "--correlate with an absent header changes nothing" ||
	bad "--correlate with an absent header changes nothing"
"$BIN" calls -r "$T/b2bua.pcap" --correlate "x-leg" --format json >"$T/c3.json"
python3 -c 'import json,sys; ids=sorted(sorted(json.loads(l)["call_ids"]) for l in open(sys.argv[1]));
assert ["leg-F","leg-G"] in ids and len(ids) == 4, ids' "$T/c3.json" 2>"$T/err" &&
	ok "--correlate X-Leg merges the calls sharing its value" ||
	bad "--correlate X-Leg merges the calls sharing its value" "$T/err"
expect "--correlate needs a header name" 2 "$BIN" calls -r "$T/b2bua.pcap" --correlate "a b"

# --- a SIP-I INVITE: the SDP part of a multipart/mixed body (with ISUP) ---------
python3 "$ROOT/tests/integration/mkpcap.py" file "$T/sipi.pcap" "$ROOT/tests/data/multipart/sipi-isup.sip"
"$BIN" messages -r "$T/sipi.pcap" --format json >"$T/out" 2>"$T/err"
python3 -c 'import json,sys; m=json.loads(open(sys.argv[1]).readline());
assert m["malformed"] is None, m; md=m["sdp"]["media"][0];
assert md["type"]=="audio" and md["port"]>0, m' "$T/out" 2>>"$T/err" &&
	ok "SDP found in a multipart SIP-I body" || bad "SDP found in a multipart SIP-I body" "$T/err"

# --- flow: the text ladder, and --filter -------------------------------------
# Golden files, checked by eye once: the kamailio proxy's hops side by side,
# and a cancelled call in ASCII at 80 columns with relative times.
"$BIN" flow -r "$S/proxy_rr_udp.pcap" -c 2 >"$T/out" 2>"$T/err"
cmp -s "$T/out" "$ROOT/tests/integration/expected/flow_proxy_call2.txt" && ok "flow: proxy ladder as expected" || {
	diff "$ROOT/tests/integration/expected/flow_proxy_call2.txt" "$T/out" >"$T/d"; bad "flow: proxy ladder as expected" "$T/d"; }
"$BIN" flow -r "$S/cancel_udp.pcap" -c 1 --ascii --time rel --width 80 >"$T/out" 2>"$T/err"
cmp -s "$T/out" "$ROOT/tests/integration/expected/flow_cancel_call1_ascii80.txt" && ok "flow: CANCEL ladder, ASCII, 80 columns" || {
	diff "$ROOT/tests/integration/expected/flow_cancel_call1_ascii80.txt" "$T/out" >"$T/d"; bad "flow: CANCEL ladder, ASCII, 80 columns" "$T/d"; }
tail -n +2 "$T/out" | awk 'length($0) > 80' | grep -q . && bad "flow --width 80 stays within 80 columns" "$T/out" ||
	ok "flow --width 80 stays within 80 columns"
"$BIN" flow -r "$S/proxy_rr_udp.pcap" -c 2-12775@127.0.0.1 >"$T/out2"
cmp -s "$T/out2" "$ROOT/tests/integration/expected/flow_proxy_call2.txt" && ok "flow --call takes a Call-ID too" ||
	bad "flow --call takes a Call-ID too"
expect "flow --call of an unknown call: status 2" 2 "$BIN" flow -r "$S/proxy_rr_udp.pcap" -c 99
grep -q "no call '99'" "$T/err" && ok "... and says which" || bad "... and says which" "$T/err"
"$BIN" flow -r "$S/basic_udp.pcap" >"$T/out"
[ "$(grep -c '^Call [0-9]' "$T/out")" = "$("$BIN" calls -r "$S/basic_udp.pcap" --format csv | tail -n +2 | wc -l)" ] &&
	ok "flow without --call: every call" || bad "flow without --call: every call" "$T/out"
"$BIN" flow -r "$T/escapes.pcap" >"$T/out"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/out"; then bad "flow: no raw control bytes" "$T/out"
else ok "flow: no raw control bytes"; fi
"$BIN" calls -r "$S/busy_udp.pcap" --filter state=busy --format csv >"$T/out"
"$BIN" calls -r "$S/busy_udp.pcap" --format csv | grep -c ',busy,' >"$T/n"
[ "$(tail -n +2 "$T/out" | wc -l)" = "$(cat "$T/n")" ] && [ "$(cat "$T/n")" -gt 0 ] &&
	ok "calls --filter state=busy keeps the busy calls" || bad "calls --filter state=busy keeps the busy calls" "$T/out"
"$BIN" calls -r "$S/proxy_rr_udp.pcap" --filter '~^Call-ID: 3-' --format csv >"$T/out"
[ "$(tail -n +2 "$T/out" | wc -l)" = 1 ] && ok "calls --filter ~REGEX over the messages" ||
	bad "calls --filter ~REGEX over the messages" "$T/out"
expect "a bad --filter: status 2" 2 "$BIN" calls -r "$S/busy_udp.pcap" --filter 'colour=red'
expect "--call outside flow: status 2" 2 "$BIN" calls -r "$S/busy_udp.pcap" --call 1
"$BIN" -r "$S/busy_udp.pcap" >"$T/out" </dev/null
head -1 "$T/out" | grep -q "^ CALL  START" && ok "no command, output not a terminal: the calls table" ||
	bad "no command, output not a terminal: the calls table" "$T/out"

# --- wide characters keep the ladder straight; bidi controls are spelled out ----
python3 "$ROOT/tests/integration/mkpcap.py" wide "$T/wide.pcap"
for w in 50 0; do # 50: narrower than the four columns can go, labels cut
	if [ $w = 0 ]; then "$BIN" flow -r "$T/wide.pcap" >"$T/out"; else "$BIN" flow -r "$T/wide.pcap" --width $w >"$T/out"; fi
	if python3 - "$T/out" $w <<'PY'
import sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]
width = int(sys.argv[2])
def cols(line):
    pos, c = [], 0
    for ch in line:
        if ch == "\u2502":
            pos.append(c)
        c += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return pos, c
ref = None
for l in lines[2:]:
    pos, total = cols(l)
    assert ref is None or pos == ref, (l, pos, ref)
    ref = pos
assert ref and "\u202e" not in "".join(lines)
PY
	then ok "CJK reason phrase, width $w: lifelines stay in their columns, no raw bidi override"
	else bad "CJK reason phrase, width $w: lifelines stay in their columns, no raw bidi override" "$T/out"; fi
done
grep -q 'u202e' "$T/out" && ok "the bidi override is shown as \\u202e" || bad "the bidi override is shown as \\u202e" "$T/out"

# --- show: one message taken apart ------------------------------------------------
"$BIN" show -r "$S/proxy_rr_udp.pcap" --frame 3 >"$T/out" 2>"$T/err"
if grep -q '^Request-Line:  method=INVITE  scheme=sip  user=bob  host=127.0.0.1 (ipv4)  port=15131' "$T/out" &&
	grep -q 'port=25130  branch=z9hG4bK-12775-1-0  received=127.0.0.1  rport=25130' "$T/out" &&
	grep -q '^From:  display=Alice .*tag=uac12775t1' "$T/out" && grep -q '^CSeq:  seq=1  method=INVITE' "$T/out" &&
	grep -q 'codecs=PCMU/8000,PCMA/8000' "$T/out"; then
	ok "show: the proxy's INVITE taken apart (Request-URI, both Vias with received/rport, From, CSeq, SDP)"
else bad "show: the proxy's INVITE taken apart" "$T/out"; fi
"$BIN" show -r "$S/register_udp.pcap" --frame 3 >"$T/out"
"$BIN" show -r "$S/register_udp.pcap" --frame 3 --secrets >"$T/out2"
if grep -q 'response="[0-9a-f]\{1,4\}…"' "$T/out" && ! grep -q 'response="[0-9a-f]\{32\}"' "$T/out" &&
	grep -q 'response="[0-9a-f]\{32\}"' "$T/out2"; then ok "show: credentials cut, in full with --secrets"
else bad "show: credentials cut, in full with --secrets" "$T/out"; fi
expect "show of a frame without SIP: status 2" 2 "$BIN" show -r "$S/proxy_rr_udp.pcap" --frame 9999
expect "show without --frame: status 2" 2 "$BIN" show -r "$S/proxy_rr_udp.pcap"
"$BIN" show -r "$T/escapes.pcap" --frame 1 >"$T/out"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/out"; then bad "show: no raw control bytes" "$T/out"
else ok "show: no raw control bytes"; fi

# --- capture filters (BPF), as --bpf or after the options ------------------------
"$BIN" messages -r "$S/proxy_rr_udp.pcap" --format csv port 15131 >"$T/out" 2>"$T/err"
"$BIN" messages -r "$S/proxy_rr_udp.pcap" --format csv --bpf "port 15131" >"$T/out2" 2>>"$T/err"
if [ "$(tail -n +2 "$T/out" | wc -l)" = 21 ] && cmp -s "$T/out" "$T/out2" &&
	! tail -n +2 "$T/out" | grep -q "25130"; then ok "a BPF filter keeps the proxy-to-UAS hop only"
else bad "a BPF filter keeps the proxy-to-UAS hop only" "$T/out"; fi
"$BIN" messages -r "$S/proxy_rr_udp.pcap" --format json port 15131 | head -1 | grep -q '"frame":3,' &&
	ok "... and frames keep their numbers in the file" || bad "... and frames keep their numbers in the file"
expect "a bad BPF filter: status 2" 2 "$BIN" calls -r "$S/proxy_rr_udp.pcap" "port ("
grep -q "bad capture filter" "$T/err" && ok "... and says so" || bad "... and says so" "$T/err"
expect "-i with a batch command: status 2" 2 "$BIN" calls -i lo

# --- flow in other formats, through the command line -----------------------------
if heavy "flow: every sample in every format, validated"; then
	fbad=0
	for cap in "$S"/*.pcap; do
		name=$(basename "$cap" .pcap)
		n=$("$BIN" messages -r "$cap" --format csv | tail -n +2 | awk -F, '$6 != "" || 1' | wc -l)
		[ "$n" = 0 ] && continue
		for f in html svg mermaid plantuml json text; do
			if ! "$BIN" flow -r "$cap" --all --format $f -o "$T/$name.$f" 2>>"$T/ferr"; then
				echo "$name $f: exit status" >>"$T/ferr"; fbad=1
			fi
		done
		if command -v xmllint >/dev/null 2>&1; then
			xmllint --noout "$T/$name.svg" "$T/$name.html" 2>>"$T/ferr" || fbad=1
		fi
		python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); n = sum(len(c["messages"]) for c in d["calls"]); sys.exit(n != int(sys.argv[2]))' \
			"$T/$name.json" "$n" 2>>"$T/ferr" || { echo "$name: json messages != $n" >>"$T/ferr"; fbad=1; }
		python3 "$ROOT/tests/integration/flowfmt_mermaid_check.py" "$T/$name.mermaid:$n" >>"$T/ferr" 2>&1 ||
			{ echo "$name: mermaid" >>"$T/ferr"; fbad=1; }
		[ "$(grep -c ' -\[#[0-9A-F]*\]-*> ' "$T/$name.plantuml")" = "$n" ] ||
			{ echo "$name: plantuml arrows != $n" >>"$T/ferr"; fbad=1; }
		LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/$name".* && { echo "$name: control bytes" >>"$T/ferr"; fbad=1; }
	done
	[ "$fbad" = 0 ] && ok "flow --format html, svg, mermaid, plantuml, json, text -o FILE for every sample (valid, every message)" ||
		bad "flow --format html, svg, mermaid, plantuml, json, text -o FILE for every sample" "$T/ferr"
	if command -v plantuml >/dev/null 2>&1; then
		if plantuml -checkonly "$T/proxy_rr_udp.plantuml" >"$T/pu" 2>&1; then ok "flow --format plantuml: plantuml -checkonly accepts it"
		else bad "flow --format plantuml: plantuml -checkonly accepts it" "$T/pu"; fi
	else skp "plantuml -checkonly: plantuml not installed"; fi
	"$BIN" flow -r "$S/proxy_rr_udp.pcap" --all >"$T/out"
	cmp -s "$T/out" "$T/proxy_rr_udp.text" && ok "flow -o FILE writes what standard output gets" ||
		bad "flow -o FILE writes what standard output gets"
	expect "flow --format csv: status 2" 2 "$BIN" flow -r "$S/basic_udp.pcap" --format csv
fi

# --- export: the packets of chosen calls as pcap ---------------------------------
if heavy "export: every call of every sample, read back and by tshark"; then
	mkdir -p "$T/exp"
	if python3 "$ROOT/tests/integration/export_check.py" "$BIN" "$S" "$T/exp" >"$T/ec" 2>&1; then
		ok "export: every call of every sample written as pcap and read back the same ($(grep -c '^ok' "$T/ec") samples)"
	else bad "export: every call of every sample written as pcap and read back the same" "$T/ec"; fi
	python3 "$ROOT/tests/integration/tshark_compare.py" "$BIN" "$T"/exp/*.pcap >"$T/tc" 2>&1
	case $? in
	0) ok "export: tshark finds the same messages in the exported files ($(grep -c '^ok' "$T/tc"))" ;;
	77) skp "export vs tshark: tshark not installed" ;;
	*) bad "export: tshark finds the same messages in the exported files" "$T/tc" ;;
	esac
fi
"$BIN" export -r "$S/frag_udp.pcap" --match 'a=candidate' --call 2 -o "$T/x.pcap" >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "give one" "$T/err" && ok "export: --call and --match together is a usage error" ||
	bad "export: --call and --match together is a usage error" "$T/err"
"$BIN" export -r "$S/proxy_rr_udp.pcap" --match '^Record-Route: .*15130' -o - 2>"$T/err" >"$T/x.pcap"
if [ "$(tcpdump -n -r "$T/x.pcap" 2>/dev/null | wc -l)" = 42 ] && grep -q "42 frames (42 SIP messages of 3 calls)" "$T/err"; then
	ok "export: --match to standard output (the 3 proxied calls, 42 frames)"
else bad "export: --match to standard output" "$T/err"; fi
expect "export without -o: status 2" 2 "$BIN" export -r "$S/basic_udp.pcap" --all
expect "export without a choice of calls: status 2" 2 "$BIN" export -r "$S/basic_udp.pcap" -o "$T/x.pcap"
"$BIN" export -r - --all -o "$T/x.pcap" <"$S/basic_udp.pcap" >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "standard input" "$T/err" && ok "export from standard input: status 2, says why" ||
	bad "export from standard input: status 2, says why" "$T/err"
expect "-o with another command: status 2" 2 "$BIN" calls -r "$S/basic_udp.pcap" -o "$T/x.pcap"

# --- sqlite: pcap -> db -> calls is pcap -> calls ---------------------------------
if heavy "db: every sample stored and read back"; then
	dbad=0
	for cap in "$S"/*.pcap; do
		name=$(basename "$cap" .pcap)
		rm -f "$T/$name.db"
		"$BIN" db -r "$cap" -o "$T/$name.db" 2>>"$T/dberr" || { echo "$name: db exit" >>"$T/dberr"; dbad=1; continue; }
		for c in calls messages; do
			"$BIN" $c -r "$cap" --format json >"$T/a" 2>/dev/null
			"$BIN" $c -r "$T/$name.db" --format json >"$T/b" 2>>"$T/dberr"
			cmp -s "$T/a" "$T/b" || { echo "$name: $c differ" >>"$T/dberr"; diff "$T/a" "$T/b" | head -4 >>"$T/dberr"; dbad=1; }
		done
	done
	[ "$dbad" = 0 ] && ok "db: every sample stored and read back, calls and messages JSON identical" ||
		bad "db: every sample stored and read back, calls and messages JSON identical" "$T/dberr"
fi
rm -f "$T/all.db"
for cap in "$S"/basic_udp.pcap "$S"/busy_udp.pcap; do "$BIN" db -r "$cap" -o "$T/all.db" 2>/dev/null; done
[ "$("$BIN" calls -r "$T/all.db" --format csv | tail -n +2 | wc -l)" = 6 ] &&
	ok "db: a second capture is appended (3 + 3 calls)" || bad "db: a second capture is appended"
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$T/all.db" "SELECT state, final_status, count(*) FROM calls WHERE root IS NULL GROUP BY 1, 2 ORDER BY 1" >"$T/out"
	[ "$(tr '\n' ' ' <"$T/out")" = "busy|486|3 completed|200|3 " ] && ok "db: SQL over the calls table" ||
		bad "db: SQL over the calls table" "$T/out"
else skp "db: SQL over the calls table (sqlite3 not installed)"; fi
printf 'not a database\n' >"$T/text.db"
expect "db -o onto a file that is not a database: status 2" 2 "$BIN" db -r "$S/basic_udp.pcap" -o "$T/text.db"
grep -q "not an sqlite3 database" "$T/err" && ok "... and says so, leaving it alone" || bad "... and says so" "$T/err"
expect "db without -o: status 2" 2 "$BIN" db -r "$S/basic_udp.pcap"
expect "export from a database: status 2" 2 "$BIN" export -r "$T/all.db" --all -o "$T/x.pcap"

# --- the conformance checker ---------------------------------------------
. "$ROOT/tests/integration/check.sh"

# --- media (RTP/RTCP) -----------------------------------------------------
. "$ROOT/tests/integration/rtp.sh"

# --- live capture, headless (-N), saving (-w) -----------------------------
. "$ROOT/tests/integration/live.sh"
. "$ROOT/tests/integration/tls_wiring.sh"

# --- HEP agent and collector, with sngrep and kamailio --------------------
. "$ROOT/tests/integration/hep.sh"

# --- issue 18: tracking and media ---
# A Via-less 487 re-sent byte for byte (a broken proxy), a request re-sent
# byte for byte, and Via-less 487s that differ or go to another hop.
python3 "$ROOT/tests/integration/mkpcap.py" bad487 "$T/bad487.pcap"
"$BIN" messages -r "$T/bad487.pcap" --format json >"$T/m.json"
"$BIN" calls -r "$T/bad487.pcap" --format json >"$T/c.json"
if python3 - "$T/m.json" "$T/c.json" >"$T/err" 2>&1 <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
calls = {c["call_ids"][0]: c for c in (json.loads(l) for l in open(sys.argv[2]))}
rtx = [m["frame"] for m in msgs if m["retrans"]]
assert rtx == [6, 7, 10], rtx
bad = [m for m in msgs if m["status"] == 487]
assert all(m["malformed"] == "missing Via" for m in bad), bad
assert [m["request_frame"] for m in bad] == [1, 1, 1, 9, 9, None], bad
for cid in ("bad487-1", "bad487-2"):
    assert calls[cid]["final_status"] == 487 and calls[cid]["state"] == "cancelled", calls[cid]
ack = msgs[7]
assert ack["method"] == "ACK" and ack["txn"] == msgs[0]["txn"], ack
PY
then ok "a Via-less 487 re-sent byte for byte: retransmissions, the call's Code 487"
else bad "a Via-less 487 re-sent byte for byte: retransmissions, the call's Code 487" "$T/err"; fi
"$BIN" messages -r "$T/bad487.pcap" >"$T/out"
[ "$(grep -c 'retrans.*malformed: missing Via' "$T/out")" = 2 ] &&
	ok "... the table marks the copies [retrans], still malformed" ||
	bad "... the table marks the copies [retrans], still malformed" "$T/out"
"$BIN" calls -r "$T/bad487.pcap" --format csv >"$T/out"
[ "$(tail -n +2 "$T/out" | cut -d, -f6,12 | sort -u)" = "cancelled,487" ] &&
	ok "... calls as CSV: cancelled, 487" || bad "... calls as CSV: cancelled, 487" "$T/out"
# RTP that no SDP announced counts from its first packet (known from its
# second): packets + lost = sent, and tshark counts the same.
python3 "$ROOT/tests/bench/gen_rtp.py" "$T/nosdp.pcap" 2 150 nosdp >/dev/null
"$BIN" rtp -r "$T/nosdp.pcap" --format json >"$T/rj"
python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 4 and all(s["call"] is None and "unannounced" in s["problems"] and
                           s["packets"] + s["lost"] == 150 for s in r), r' "$T/rj" 2>"$T/err" &&
	ok "rtp: unannounced streams count their first packet (packets + lost = 150 sent)" ||
	bad "rtp: unannounced streams count their first packet (packets + lost = 150 sent)" "$T/err"
python3 "$ROOT/tests/integration/rtp_compare.py" "$BIN" "$T/nosdp.pcap" >"$T/rc" 2>&1
case $? in
0) ok "rtp: unannounced streams' packets, lost and jitter equal tshark's rtp,streams" ;;
77) skp "rtp unannounced vs tshark: tshark not installed" ;;
*) bad "rtp: unannounced streams' packets, lost and jitter equal tshark's rtp,streams" "$T/rc" ;;
esac
# --- issue 18: call list ---
# Every filter term looks at every leg of a merged call: the B2BUA's B-leg
# alone goes to 192.0.2.20, with its own From, To, User-Agent and 503.
python3 "$ROOT/tests/integration/mkpcap.py" b2bua_to "$T/b2to.pcap"
b2calls() { "$BIN" calls -r "$T/b2to.pcap" --filter "$1" --format json 2>"$T/err" |
	python3 -c 'import sys, json; print(" ".join(str(json.loads(l)["call"]) for l in sys.stdin))'; }
for f in to=192.0.2.20 from=b2bua@ ua=b2bua-out dst=192.0.2.20:5060 status=503 192.0.2.20 \
	"~User-Agent:.b2bua-out" "to=192.0.2.20 from=alice"; do
	got=$(b2calls "$f")
	[ "$got" = 1 ] && ok "calls --filter '$f' finds the call by its B-leg" ||
		bad "calls --filter '$f' finds the call by its B-leg (got '$got')" "$T/err"
done
got=$(b2calls "src=192.0.2.20")
[ -z "$got" ] && ok "calls --filter src=192.0.2.20: no leg starts there, no call" ||
	bad "calls --filter src=192.0.2.20: no leg starts there (got '$got')" "$T/err"
got=$(b2calls "to=192.0.2.30")
[ "$got" = 3 ] && ok "calls --filter to=192.0.2.30: the call apart, alone" ||
	bad "calls --filter to=192.0.2.30: the call apart, alone (got '$got')" "$T/err"
# --- issue 18: ladder ---
python3 "$ROOT/tests/integration/mkpcap.py" ladder "$T/ladder.pcap"
"$BIN" flow -r "$T/ladder.pcap" -c 3 >"$T/out" 2>"$T/err"
grep -q "audio \[2001:db8::1\]:6004 PCMU,PCMA" "$T/out" && grep -q "audio \[2001:db8::2\]:7000 PCMU,PCMA" "$T/out" &&
	! grep -q "2001:db8::1:6004" "$T/out" && ok "flow: IPv6 SDP addresses in brackets" ||
	bad "flow: IPv6 SDP addresses in brackets" "$T/out"
"$BIN" flow -r "$T/ladder.pcap" -c 3 --format json >"$T/out" 2>"$T/err"
grep -q 'audio \[2001:db8::1\]:6004 PCMU,PCMA' "$T/out" && ok "flow --format json: IPv6 SDP summary in brackets" ||
	bad "flow --format json: IPv6 SDP summary in brackets" "$T/out"
"$BIN" flow -r "$T/ladder.pcap" -c 1 >"$T/out" 2>"$T/err"
n=$(grep -n "INVITE (SDP) (retr)" "$T/out" | cut -d: -f1)
[ -n "$n" ] && [ "$(grep -c 'audio 192.0.2.10:6000' "$T/out")" = 2 ] &&
	sed -n "$((n + 1))p" "$T/out" | grep -q "100 Trying" &&
	ok "flow: the SDP summary once per transaction, not under the retransmission" ||
	bad "flow: the SDP summary once per transaction, not under the retransmission" "$T/out"
"$BIN" flow -r "$T/ladder.pcap" -c 1 -c 2 -c 3 >"$T/out" 2>"$T/err"
grep -qE "^22:13:20\.000000 1 +│" "$T/out" && grep -qE "^22:13:28\.000000 2 +│" "$T/out" &&
	grep -qE "^22:13:41\.000000 3 +│" "$T/out" && ok "flow of several calls: each arrow's call number after the time" ||
	bad "flow of several calls: each arrow's call number after the time" "$T/out"
"$BIN" flow -r "$T/ladder.pcap" -c 1 >"$T/out" 2>"$T/err"
grep -qE "^22:13:20\.000000 +│" "$T/out" && ok "flow of one call: no call column" || bad "flow of one call: no call column" "$T/out"
"$BIN" flow -r "$T/ladder.pcap" -c 1 -c 2 -c 3 --width 150 >"$T/out" 2>"$T/err"
[ "$(tail -n +4 "$T/out" | wc -L)" -le 150 ] && ok "flow --width 150 of eight endpoints stays within 150 columns" ||
	bad "flow --width 150 of eight endpoints stays within 150 columns" "$T/out"
grep -q "│─ INVITE (SDP) (retr) >│" "$T/out" && grep -q "│─── ! INVITE (SDP) ───>│" "$T/out" &&
	ok "flow --width 150: the spare room goes before labels are cut" ||
	bad "flow --width 150: the spare room goes before labels are cut" "$T/out"
grep -qE "^ +# +192\.0\.2\.10:5060 +…0\.2\.20:5060 +…0\.2\.20:5070 +192\.0\.2\.30 +192\.0\.2\.11 " "$T/out" &&
	ok "flow --width 150: addresses cut keeping their end, or without a port no other column needs" ||
	bad "flow --width 150: addresses cut keeping their end, or without a port no other column needs" "$T/out"

# --- issue 18: one duration everywhere ---
# A capture that ends during call 1 (answered, no BYE; call 2 five seconds
# later): its duration runs to the capture's last message in the table,
# JSON and sqlite alike, as the viewer's Dur does.
python3 "$ROOT/tests/integration/pcap_trickle.py" "$S/basic_udp.pcap" 0 /dev/null "$T/junk" 1-5 6-10+5 >"$T/inprog.pcap"
d_csv=$("$BIN" calls -r "$T/inprog.pcap" --format csv 2>"$T/err" | awk -F, '$1 == 1 { print $11 }')
d_json=$("$BIN" calls -r "$T/inprog.pcap" --format json 2>>"$T/err" | python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin][0]["duration_s"])')
rm -f "$T/inprog.db"
"$BIN" db -r "$T/inprog.pcap" -o "$T/inprog.db" >/dev/null 2>>"$T/err"
d_db=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select duration_s from calls where call_id like \"1-%\"").fetchone()[0])' "$T/inprog.db" 2>>"$T/err")
[ "$d_csv" = 5.3 ] && [ "$d_json" = 5.251497 ] && [ "$d_db" = 5.251497 ] &&
	ok "a call in progress at the capture's end: the same duration in CSV, JSON and sqlite (5.3 s)" ||
	bad "a call in progress at the capture's end: the same duration in CSV, JSON and sqlite ($d_csv, $d_json, $d_db)" "$T/err"

# --- issue 21: tls bench material ---
# tests/bench/tls_wrap.c turns the SIP-over-TCP capture of gen_capture -t tcp
# into SIP over TLS 1.3 and writes the NSS key log (tls_bench.sh's material).
# tshark, given the key log, must decrypt every handshake (two Finished per
# connection) and find every SIP message of the TCP capture, in each of the
# three suites, with no expert warning or error (malformed, bad checksum,
# TCP analysis) and no alert; with one secret of the key log changed it
# must lose messages (so a record sealed wrong would show).
if ! command -v tshark >/dev/null 2>&1; then
	skp "tls bench material: tshark not installed"
elif ! { cc -std=c11 -O2 -o "$T/tb_gen" "$ROOT/tests/bench/gen_capture.c" &&
	cc -std=c11 -O2 -Wall -Wextra $(pkg-config --cflags libcrypto) -o "$T/tb_wrap" \
		"$ROOT/tests/bench/tls_wrap.c" $(pkg-config --libs libcrypto); } >"$T/err" 2>&1; then
	bad "tls bench material: gen_capture and tls_wrap build" "$T/err"
else
	"$T/tb_gen" -n 200 -t tcp -o "$T/tb-tcp.pcap" >"$T/tb-gen" 2>&1
	tb_msgs=$(sed -n 's/.* messages=\([0-9]*\) .*/\1/p' "$T/tb-gen")
	# every port of every connection decoded as SIP (plain) or TLS carrying SIP
	tb_plain='' tb_tls=''
	for p in $(tshark -r "$T/tb-tcp.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
		-T fields -e tcp.srcport -e tcp.dstport 2>/dev/null | tr '\t' '\n' | sort -un); do
		tb_plain="$tb_plain -d tcp.port==$p,sip"
		tb_tls="$tb_tls -d tcp.port==$p,tls -d tls.port==$p,sip"
	done
	# tb_read FILE TSHARK_OPTS...: "MESSAGES FINISHED PROBLEMS": SIP messages
	# (CSeq numbers: a frame can end two), decrypted Finished messages, and
	# frames with an expert warning or error, an alert or a bad checksum
	tb_read() {
		f=$1
		shift
		tshark -r "$f" "$@" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -T fields \
			-e sip.CSeq.seq -e tls.handshake.type -e _ws.expert.severity -e tls.alert_message \
			-e ip.checksum.status -e tcp.checksum.status 2>>"$T/tb-err" |
			awk -F'\t' '{
				if ($1 != "") m += split($1, a, ",")
				n = split($2, h, ","); for (i = 1; i <= n; i++) if (h[i] == 20) fin++
				n = split($3, s, ","); w = 0; for (i = 1; i <= n; i++) if (s[i] + 0 >= 6291456) w = 1
				if (w || $4 != "" || ($5 != "" && $5 != 1) || ($6 != "" && $6 != 1)) bad++
			} END { print m + 0, fin + 0, bad + 0 }'
	}
	: >"$T/tb-err"
	r=$(tb_read "$T/tb-tcp.pcap" $tb_plain)
	[ -n "$tb_msgs" ] && [ "$r" = "$tb_msgs 0 0" ] &&
		ok "tls bench material: tshark finds the $tb_msgs SIP messages of the plain TCP capture" ||
		bad "tls bench material: tshark finds the $tb_msgs SIP messages of the plain TCP capture (got: $r)" "$T/tb-err"
	for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
		"$T/tb_wrap" -c $suite -k "$T/tb-$suite.keys" "$T/tb-tcp.pcap" "$T/tb-$suite.pcap" >"$T/tb-wrap" 2>&1
		conns=$(sed -n 's/.* connections=\([0-9]*\) .*/\1/p' "$T/tb-wrap")
		r=$(tb_read "$T/tb-$suite.pcap" -o "tls.keylog_file:$T/tb-$suite.keys" $tb_tls)
		[ -n "$conns" ] && [ "$conns" -gt 0 ] && [ "$r" = "$tb_msgs $((2 * conns)) 0" ] &&
			ok "tls bench material: $suite: tshark decrypts the $conns handshakes and finds the $tb_msgs SIP messages" ||
			bad "tls bench material: $suite: tshark decrypts the ${conns:-?} handshakes and finds the $tb_msgs SIP messages (got: $r)" "$T/tb-wrap"
	done
	# records of at most 200 bytes: a segment becomes several records
	if cc -std=c11 -O2 -DTLS_PLAIN_MAX=200 $(pkg-config --cflags libcrypto) -o "$T/tb_wrap200" \
		"$ROOT/tests/bench/tls_wrap.c" $(pkg-config --libs libcrypto) >"$T/err" 2>&1 &&
		"$T/tb_wrap200" -k "$T/tb-200.keys" "$T/tb-tcp.pcap" "$T/tb-200.pcap" >"$T/tb-wrap" 2>&1; then
		conns=$(sed -n 's/.* connections=\([0-9]*\) .*/\1/p' "$T/tb-wrap")
		r=$(tb_read "$T/tb-200.pcap" -o "tls.keylog_file:$T/tb-200.keys" $tb_tls)
		[ -n "$conns" ] && [ "$r" = "$tb_msgs $((2 * conns)) 0" ] &&
			ok "tls bench material: segments cut into 200-byte records: tshark finds the $tb_msgs SIP messages" ||
			bad "tls bench material: segments cut into 200-byte records: tshark finds the $tb_msgs SIP messages (got: $r)" "$T/tb-wrap"
	else
		bad "tls bench material: tls_wrap with 200-byte records" "$T/err"
	fi
	"$T/tb_wrap" -k "$T/tb-again.keys" "$T/tb-tcp.pcap" "$T/tb-again.pcap" >/dev/null 2>&1
	cmp -s "$T/tb-again.pcap" "$T/tb-TLS_AES_128_GCM_SHA256.pcap" &&
		cmp -s "$T/tb-again.keys" "$T/tb-TLS_AES_128_GCM_SHA256.keys" &&
		ok "tls bench material: tls_wrap writes the same capture and key log again" ||
		bad "tls bench material: tls_wrap writes the same capture and key log again"
	# one traffic secret changed (its first hex digit): that direction's records fail
	awk '!done && $1 == "CLIENT_TRAFFIC_SECRET_0" {
		$3 = (substr($3, 1, 1) == "0" ? "1" : "0") substr($3, 2); done = 1 } { print }' \
		"$T/tb-TLS_AES_128_GCM_SHA256.keys" >"$T/tb-wrong.keys"
	r=$(tb_read "$T/tb-TLS_AES_128_GCM_SHA256.pcap" -o "tls.keylog_file:$T/tb-wrong.keys" $tb_tls)
	! cmp -s "$T/tb-wrong.keys" "$T/tb-TLS_AES_128_GCM_SHA256.keys" && [ "${r%% *}" -lt "${tb_msgs:-0}" ] &&
		ok "tls bench material: with one secret of the key log wrong, tshark loses messages (${r%% *} of $tb_msgs)" ||
		bad "tls bench material: with one secret of the key log wrong, tshark loses messages (got: $r)"
fi
# --- issue 21: srtp ---
# The calls of samples/rtp_g711.pcap (sipp: G.711 both ways, RFC 4733 DTMF)
# over SDES-SRTP, protected by libsrtp2 from known keys (gen_srtp.c: each
# stream starts 100 packets before its sequence number wraps; an SRTCP SR
# every 50 packets); the plain capture it came from is the oracle.
GEN=${GEN_SRTP:-}
if [ -z "$GEN" ]; then
	GEN=$(dirname "$BIN")/tests/gen_srtp
	[ -x "$GEN" ] || GEN=$ROOT/build/tests/gen_srtp
fi
case "$GEN" in /*) ;; *) GEN=$ROOT/$GEN ;; esac
[ -x "$GEN" ] || make -s -C "$ROOT" build/tests/gen_srtp >"$T/err" 2>&1
for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 AES_256_CM_HMAC_SHA1_80 AEAD_AES_128_GCM AEAD_AES_256_GCM; do
	if "$GEN" "$S/rtp_g711.pcap" "$T/srtp_plain.pcap" "$T/srtp.pcap" "$suite" wrap >"$T/err" 2>&1 &&
		python3 "$ROOT/tests/integration/srtp_check.py" "$BIN" "$T/srtp_plain.pcap" "$T/srtp.pcap" ok >"$T/out" 2>&1; then
		ok "srtp $suite: every stream decrypted, 0 auth failures; packets, loss, jitter, MOS, DTMF, SRTCP reports as the plain capture"
	else
		bad "srtp $suite: every stream decrypted, 0 auth failures; packets, loss, jitter, MOS, DTMF, SRTCP reports as the plain capture" "$T/out"
	fi
done
"$GEN" "$S/rtp_g711.pcap" "$T/srtp_plain.pcap" "$T/srtp.pcap" AEAD_AES_128_GCM wrap wrongkey >"$T/err" 2>&1 &&
	python3 "$ROOT/tests/integration/srtp_check.py" "$BIN" "$T/srtp_plain.pcap" "$T/srtp.pcap" wrongkey >"$T/out" 2>&1 &&
	ok "srtp with keys the SDP does not carry: every packet an auth failure (srtp-auth), loss and jitter from the clear header" ||
	bad "srtp with keys the SDP does not carry: every packet an auth failure (srtp-auth), loss and jitter from the clear header" "$T/out"
"$GEN" "$S/rtp_g711.pcap" "$T/srtp_plain.pcap" "$T/srtp.pcap" AES_CM_128_HMAC_SHA1_80 wrap nokey >"$T/err" 2>&1 &&
	python3 "$ROOT/tests/integration/srtp_check.py" "$BIN" "$T/srtp_plain.pcap" "$T/srtp.pcap" nokey >"$T/out" 2>&1 &&
	ok "srtp without a=crypto: \"srtp: no key\", loss and jitter from the clear header as the plain capture" ||
	bad "srtp without a=crypto: \"srtp: no key\", loss and jitter from the clear header as the plain capture" "$T/out"
"$GEN" "$S/rtp_g711.pcap" "$T/srtp_plain.pcap" "$T/srtp.pcap" AES_256_CM_HMAC_SHA1_80 wrap >"$T/err" 2>&1
"$BIN" show -r "$T/srtp.pcap" --frame 1 >"$T/out" 2>&1
"$BIN" show -r "$T/srtp.pcap" --frame 1 --secrets >"$T/out2" 2>&1
key=$(grep -ao 'inline:[A-Za-z0-9+/=]*' "$T/srtp.pcap" | head -1 | cut -c8-)
[ -n "$key" ] && ! grep -qF "$key" "$T/out" && grep -q 'crypto=1 AES_256_CM_HMAC_SHA1_80 (key hidden' "$T/out" &&
	grep -qF "$key" "$T/out2" &&
	ok "show: a=crypto keys hidden unless --secrets" || bad "show: a=crypto keys hidden unless --secrets" "$T/out"
"$BIN" flow -r "$T/srtp.pcap" -c 1 --format html >"$T/out" 2>&1
[ -n "$key" ] && ! grep -qF "$key" "$T/out" && grep -q 'inline:(hidden)|2^31' "$T/out" &&
	ok "flow --format html: the messages' a=crypto keys hidden" || bad "flow --format html: the messages' a=crypto keys hidden" "$T/out"
# --- issue 21: pcapng (Decryption Secrets Blocks read, pcapng export) ---
# export as pcapng (by --format or by the .pcapng name) writes the frames
# the pcap export writes: tshark sees the same frames, times and lengths.
if command -v tshark >/dev/null 2>&1 && command -v capinfos >/dev/null 2>&1 && command -v editcap >/dev/null 2>&1; then
	for smp in basic_tcp frag_udp rtp_g711; do
		"$BIN" export -r "$S/$smp.pcap" --all -o "$T/ng.pcap" >/dev/null 2>"$T/err" &&
			"$BIN" export -r "$S/$smp.pcap" --all -o "$T/ng.pcapng" >/dev/null 2>>"$T/err" &&
			"$BIN" export -r "$S/$smp.pcap" --all --format pcapng -o - >"$T/ng-out.pcapng" 2>>"$T/err"
		for f in ng.pcap ng.pcapng ng-out.pcapng; do
			tshark -r "$T/$f" -T fields -e frame.number -e frame.time_epoch -e frame.len \
				-e frame.cap_len -e frame.protocols >"$T/$f.txt" 2>>"$T/err"
		done
		if [ -s "$T/ng.pcap.txt" ] && cmp -s "$T/ng.pcap.txt" "$T/ng.pcapng.txt" &&
			cmp -s "$T/ng.pcap.txt" "$T/ng-out.pcapng.txt" &&
			capinfos -t "$T/ng.pcapng" | grep -q "pcapng" && capinfos -t "$T/ng-out.pcapng" | grep -q "pcapng" &&
			capinfos -t "$T/ng.pcap" | grep -q -- "- pcap$"; then
			ok "export $smp as pcapng (.pcapng name, --format pcapng -o -): tshark reads the frames of the pcap export ($(wc -l <"$T/ng.pcap.txt"))"
		else
			bad "export $smp as pcapng: tshark reads the frames of the pcap export" "$T/err"
		fi
	done
	"$BIN" messages -r "$T/ng.pcapng" --format json >"$T/ng-msgs" 2>"$T/err" &&
		"$BIN" messages -r "$T/ng.pcap" --format json >"$T/pc-msgs" 2>>"$T/err"
	[ $? = 0 ] && [ -s "$T/ng-msgs" ] && cmp -s "$T/ng-msgs" "$T/pc-msgs" &&
		ok "export as pcapng: sipscope reads the same messages from it as from the pcap export" ||
		bad "export as pcapng: sipscope reads the same messages from it as from the pcap export" "$T/err"
	capinfos "$T/ng.pcapng" >"$T/ci" 2>"$T/err" && grep -q "Number of packets" "$T/ci" &&
		! grep -qi "decryption secrets" "$T/ci" &&
		ok "export as pcapng without TLS keys: no Decryption Secrets Block" ||
		bad "export as pcapng without TLS keys: no Decryption Secrets Block" "$T/err"
	"$BIN" export -r "$S/basic_udp.pcap" --all --format pcap -o "$T/explicit.pcapng" >/dev/null 2>"$T/err"
	capinfos -t "$T/explicit.pcapng" 2>>"$T/err" | grep -q -- "- pcap$" &&
		ok "export --format pcap wins over a .pcapng name" || bad "export --format pcap wins over a .pcapng name" "$T/err"
	# A real writer of DSBs (editcap): the walk beside libpcap changes no
	# frame and warns of nothing.
	printf 'CLIENT_RANDOM %064d %096d\n' 1 2 >"$T/keys.log"
	editcap --inject-secrets "tls,$T/keys.log" "$S/basic_tcp.pcap" "$T/dsb.pcapng" >"$T/err" 2>&1
	"$BIN" messages -r "$T/dsb.pcapng" --format json >"$T/dsb-msgs" 2>>"$T/err"
	rc=$?
	"$BIN" messages -r "$S/basic_tcp.pcap" --format json >"$T/src-msgs" 2>>"$T/err"
	[ "$rc" = 0 ] && [ -s "$T/dsb-msgs" ] && cmp -s "$T/dsb-msgs" "$T/src-msgs" && ! [ -s "$T/err" ] &&
		ok "a pcapng with editcap's Decryption Secrets Block reads like its source, no warning" ||
		bad "a pcapng with editcap's Decryption Secrets Block reads like its source, no warning" "$T/err"
else
	skp "pcapng export and DSBs: tshark, capinfos or editcap not installed"
fi
expect "export --format pcapx: status 2" 2 "$BIN" export -r "$S/basic_udp.pcap" --all --format pcapx -o "$T/x.pcap" &&
	{ grep -q "unknown export format 'pcapx' (use pcap or pcapng)" "$T/err" &&
		ok "export --format pcapx: says pcap or pcapng" || bad "export --format pcapx: says pcap or pcapng" "$T/err"; }
# --- issue 21: tls peers ---
# SIP over TLS 1.2 and 1.3 between real peers (openssl s_client/s_server,
# Python ssl, kamailio's TLS and WSS proxy, sipp), made now by
# tls_captures.sh (root, loopback).  tshark decrypts each capture with its
# key log, the server's RSA key or the secrets inside the pcapng, and
# sipscope, given the same (--tls-keylog, --tls-key, nothing), must find
# the same SIP messages in the same frames (tls_oracle.py).
if heavy "tls peers: captures of real peers against tshark"; then
	tls_py=$(python3 -c 'import sys; print(sys.executable)')
	bash "$ROOT/tests/integration/tls_captures.sh" "$T/tls" >"$T/tlsgen" 2>&1
	case $? in
	0) ok "tls peers: $(tail -1 "$T/tlsgen")" ;;
	77) skp "tls peers: $(head -1 "$T/tlsgen")" ;;
	*) bad "tls peers: every capture made" "$T/tlsgen" ;;
	esac
	# with them, and without root too: the two samples, decrypted with the key
	# log beside tls12_sip.pcap and the secrets inside tls13_sip.pcapng
	tls_o="--tls-port 15063 --sip-port 15064 --sip-port 15065 --expect 16"
	printf 'sample_tls12_sip\t%s\t%s\t%s\n' "$S/tls12_sip.pcap" "$tls_o --keylog $S/tls12_sip.keys" \
		"--tls-keylog $S/tls12_sip.keys" >"$T/tls.tsv"
	printf 'sample_tls13_sip\t%s\t%s\t\n' "$S/tls13_sip.pcapng" "$tls_o" >>"$T/tls.tsv"
	if [ -s "$T/tls/captures.tsv" ]; then
		cat "$T/tls/captures.tsv" >>"$T/tls.tsv"
		# one more: the key log named by $SSLKEYLOGFILE, no --tls-keylog
		awk -F'\t' -v OFS='\t' '$1 == "t13_aes128gcm" { $1 = $1 "_env"; sub(/--tls-keylog /, "SSLKEYLOGFILE=", $4); print }' \
			"$T/tls/captures.tsv" >>"$T/tls.tsv"
	fi
	if command -v tshark >/dev/null 2>&1; then
		"$tls_py" "$ROOT/tests/integration/tls_oracle.py" --sipscope "$BIN" --manifest "$T/tls.tsv" >"$T/tlsor" 2>&1
		tls_rc=$?
		# a line "ok   NAME ..." or "FAIL NAME ..." a capture, then what differs
		tls_report() {
			case $tls_line in
			"ok   "*) ok "tls peers: ${tls_line#ok   }" ;;
			"FAIL "*) bad "tls peers: ${tls_line#FAIL }" "$T/tls.why" ;;
			esac
			: >"$T/tls.why"
		}
		case $tls_rc in
		0 | 1)
			: >"$T/tls.why"
			tls_line=
			while IFS= read -r l; do
				case $l in
				" "*) echo "$l" >>"$T/tls.why" ;;
				*) tls_report; tls_line=$l ;;
				esac
			done <"$T/tlsor"
			tls_report
			[ "$(grep -c '^ok   \|^FAIL ' "$T/tlsor")" = "$(wc -l <"$T/tls.tsv")" ] ||
				bad "tls peers: a line for every capture from tls_oracle.py" "$T/tlsor"
			;;
		*) bad "tls peers: tls_oracle.py" "$T/tlsor" ;;
		esac
	else
		skp "tls peers: the samples vs tshark: tshark not installed"
	fi
fi

# --- issue 20: privileges and UB ---
# A pcapng whose interface counts whole seconds (if_tsresol 0) with a
# 48-bit stamp: the time is kept at the end of the year 9999 (it was the
# year 294247, INT64_MAX, and the checker's timers overflowed past it).
python3 - "$ROOT/tests/integration" "$T/tsres0.pcapng" <<'PYEOF'
import struct, sys
sys.path.insert(0, sys.argv[1])
import mkpcap
def block(t, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", t, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
idb = block(1, struct.pack("<HHI", 1, 0, 65535) + struct.pack("<HHBxxxHH", 9, 1, 0, 0, 0))
fr = mkpcap.eth(mkpcap.ipv4(mkpcap.udp(mkpcap.opt(b"tsres0"))))
ts = 0x0000ffffffffffff
epb = block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(fr), len(fr)) + fr)
open(sys.argv[2], "wb").write(shb + idb + epb)
PYEOF
if expect "ub: a pcapng with if_tsresol 0 and a 48-bit stamp reads" 0 \
	"$BIN" messages -r "$T/tsres0.pcapng" --format json; then
	grep -q '"time":253402300799\.999999,' "$T/out" &&
		ok "... its time is kept at the end of the year 9999" ||
		bad "... its time is kept at the end of the year 9999" "$T/out"
fi
"$BIN" check -r "$T/tsres0.pcapng" >"$T/out" 2>"$T/err"
rc=$?
{ [ "$rc" = 0 ] || [ "$rc" = 3 ]; } && ! grep -q "runtime error" "$T/err" &&
	ok "ub: check reads it, its timers do not overflow (rc $rc)" ||
	bad "ub: check reads it, its timers do not overflow (rc $rc)" "$T/err"
# A database whose time_us is INT64_MAX: read back at the year 9999 too.
if "$BIN" db -r "$S/proxy_rr_udp.pcap" -o "$T/maxtime.db" >/dev/null 2>&1 &&
	python3 -c "import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('UPDATE message_rows SET time_us = 9223372036854775807 WHERE id = (SELECT min(id) FROM message_rows)')
c.commit()" "$T/maxtime.db"; then
	expect "ub: a database time_us of INT64_MAX reads" 0 "$BIN" messages -r "$T/maxtime.db" --format json &&
		{ grep -q '"time":253402300799\.999999,' "$T/out" && ok "... at the end of the year 9999" ||
			bad "... at the end of the year 9999" "$T/out"; }
	"$BIN" check -r "$T/maxtime.db" >"$T/out" 2>"$T/err"
	rc=$?
	{ [ "$rc" = 0 ] || [ "$rc" = 3 ]; } && ! grep -q "runtime error" "$T/err" &&
		ok "ub: check reads it, its timers do not overflow (rc $rc)" ||
		bad "ub: check reads it, its timers do not overflow (rc $rc)" "$T/err"
else
	bad "ub: a database with a time_us of INT64_MAX could not be made"
fi
# An sqlite file with no table and user_version 7 is empty, not "newer".
python3 -c "import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=7'); c.commit()" "$T/empty7.db"
if expect "db: an empty sqlite file with user_version 7 is refused for reading" 2 \
	"$BIN" calls -r "$T/empty7.db"; then
	grep -q "no tables" "$T/err" && ! grep -q "newer" "$T/err" &&
		ok "... as holding no tables (not 'made by a newer sipscope')" ||
		bad "... as holding no tables (not 'made by a newer sipscope')" "$T/err"
fi
expect "db: ... and written to as a new database" 0 "$BIN" db -r "$S/proxy_rr_udp.pcap" -o "$T/empty7.db" &&
	expect "db: ... which then reads back its 3 calls" 0 "$BIN" calls -r "$T/empty7.db" --format csv &&
	{ [ "$(tail -n +2 "$T/out" | wc -l)" = 3 ] && ok "... 3 calls" || bad "... 3 calls" "$T/out"; }
# Its tables there, a newer user_version still says newer.
python3 -c "import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=7'); c.commit()" "$T/empty7.db"
expect "db: sipscope's tables and user_version 7: refused" 2 "$BIN" calls -r "$T/empty7.db" &&
	{ grep -q "newer sipscope (schema 7" "$T/err" && ok "... as written by a newer sipscope" ||
		bad "... as written by a newer sipscope" "$T/err"; }
# -Z belongs to live capture (-N, the viewer): a batch command refuses it.
expect "priv: -Z with a batch command is refused" 2 "$BIN" calls -r "$S/proxy_rr_udp.pcap" -Z nobody &&
	{ grep -q "\-Z is for live capture" "$T/err" && ok "... saying -Z is for live capture" ||
		bad "... saying -Z is for live capture" "$T/err"; }
# --- issue 20: tcp ---
# A TCP message whose Content-Length is never reached: given up, listed
# flagged and counted, and the messages after it are read.  Four ways:
# Content-Length past what a flow can hold (999999999), and a short one
# (5000) given up at the end of input, when the connection closes (FIN),
# and when the flow expires (idle 600 s while another one talks).
for kind in tcp_cl_huge tcp_cl_short tcp_cl_short_fin tcp_cl_expired; do
	python3 "$ROOT/tests/integration/mkpcap.py" $kind "$T/$kind.pcap"
	"$BIN" messages -r "$T/$kind.pcap" --format json >"$T/out" 2>&1
	"$BIN" stats -r "$T/$kind.pcap" --format json >"$T/stats" 2>&1
	if python3 - "$T/out" "$T/stats" "$kind" >"$T/why" 2>&1 <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
got = [(m["call_id"], m["malformed"]) for m in msgs]
want = [("before", None), ("cut", "incomplete: Content-Length larger than the bytes that came"),
        ("after1", None), ("after2", None)]
if sys.argv[3] == "tcp_cl_expired":
    want.append(("later", None))
assert got == want, got
tcp = json.load(open(sys.argv[2]))["capture"]["tcp"]
assert tcp["unfinished_messages"] == 1, tcp
PY
	then ok "tcp: $kind: the unfinished message is listed flagged and counted, the ones after it read"
	else bad "tcp: $kind: the unfinished message is listed flagged and counted, the ones after it read" "$T/why"
	fi
done
"$BIN" stats -r "$T/tcp_cl_huge.pcap" >"$T/out" 2>&1
grep -q "^  TCP .*unfinished 1," "$T/out" && ok "tcp: stats shows the unfinished messages" ||
	bad "tcp: stats shows the unfinished messages" "$T/out"

# A burst of 200,000 one-segment half-open flows (the flow table holds
# 65,536) costs about what 65,000 do, and a connection after it is seen.
if heavy "tcp: a burst of 200,000 half-open flows"; then
	python3 "$ROOT/tests/bench/tcp_gen.py" flows 65000 "$T/flood1.pcap"
	python3 "$ROOT/tests/bench/tcp_gen.py" flows 200000 "$T/flood2.pcap"
	s0=$(date +%s%N)
	"$BIN" calls -r "$T/flood1.pcap" >"$T/out1" 2>&1
	s1=$(date +%s%N)
	"$BIN" calls -r "$T/flood2.pcap" >"$T/out2" 2>&1
	s2=$(date +%s%N)
	t1=$(((s1 - s0) / 1000000)) t2=$(((s2 - s1) / 1000000))
	echo "65,000 flows: $t1 ms, 200,000 flows: $t2 ms" >"$T/why"
	cat "$T/out2" >>"$T/why"
	# (generous: linear is 3.1x; the issue's 86.7 s against 0.40 s was 217x)
	if grep -q after-the-burst "$T/out2" && [ "$t2" -le $((t1 * 8 + 2000)) ]; then
		ok "tcp: a burst of 200,000 half-open flows costs about what 65,000 do ($t1 ms, $t2 ms)"
	else
		bad "tcp: a burst of 200,000 half-open flows costs about what 65,000 do" "$T/why"
	fi
	"$BIN" stats -r "$T/flood2.pcap" --format json >"$T/out" 2>&1
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["capture"]["tcp"]; assert t["evicted_flows"] > 130000 and t["flows"] == 200001, t' "$T/out" 2>"$T/why" &&
		ok "tcp: the flood's flows are evicted and counted" || bad "tcp: the flood's flows are evicted and counted" "$T/why"
	rm -f "$T/flood1.pcap" "$T/flood2.pcap"
fi

# TCP buffers are given back: 150 connections that each carried a 1 MB
# message (or 1.1 MB past a Content-Length of 999999999), left open, keep
# RSS far under what their buffers took (150 MB and more before).
if heavy "tcp: buffers given back (RSS)"; then
	if [ -x /usr/bin/time ]; then
		for kind in bigmsg big; do
			# (ASan's quarantine holds freed memory back: 258 MB, not 25,
			# under make check; without it the bound means the same)
			python3 "$ROOT/tests/bench/tcp_gen.py" $kind 150 1000000 - |
				ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
				/usr/bin/time -f %M -o "$T/rss" "$BIN" stats -r - >"$T/out" 2>&1
			rss=$(tail -1 "$T/rss")
			if grep -q "messages by transport *TCP 300" "$T/out" && [ "$rss" -lt 80000 ]; then
				ok "tcp: $kind: 150 connections of 1 MB leave RSS at $rss KB (< 80 MB)"
			else
				echo "peak RSS $rss KB" >>"$T/out"
				bad "tcp: $kind: 150 connections of 1 MB leave RSS under 80 MB" "$T/out"
			fi
		done
	else
		skp "tcp: buffers given back: /usr/bin/time (GNU time) not installed"
	fi
fi

# One flow trickling 1 MB in 10-byte segments: well under a few seconds
# (parsing from the start at each segment took 7.5 s).  The exact count of
# parses is the unit test test_sip_trickled_in_tiny_segments_is_parsed_once.
# CPU time, not wall (a loaded machine waits for a core); the bound is 3x
# under ThreadSanitizer (INTEGRATION_LIGHT), which slows everything ~5x.
tlim=5000; [ -n "${INTEGRATION_LIGHT:-}" ] && tlim=15000
cpu_ms() { # CMD...: run it (output to $T/out), its user+sys time in ms in $t1
	/usr/bin/time -f "%U %S" -o "$T/cpu" "$@" >"$T/out" 2>&1
	t1=$(awk 'END {printf "%d", ($1 + $2) * 1000}' "$T/cpu")
}
python3 "$ROOT/tests/bench/tcp_gen.py" body 1000000 10 "$T/trickle.pcap"
cpu_ms "$BIN" messages -r "$T/trickle.pcap" --format json
if [ "$t1" -lt "$tlim" ] && grep -q '"call_id":"trickle".*"malformed":null' "$T/out"; then
	ok "tcp: a 1 MB message trickled in 10-byte segments is read whole in $t1 ms of CPU"
else
	echo "$t1 ms" >>"$T/out"
	bad "tcp: a 1 MB message trickled in 10-byte segments is read whole in under $tlim ms of CPU" "$T/out"
fi
python3 "$ROOT/tests/bench/tcp_gen.py" trickle 500000 10 "$T/trickle.pcap"
cpu_ms "$BIN" stats -r "$T/trickle.pcap"
if [ "$t1" -lt "$tlim" ] && grep -q "unfinished 1," "$T/out"; then
	ok "tcp: 500 KB of headers that never end, in 10-byte segments, cost $t1 ms of CPU and are counted"
else
	echo "$t1 ms" >>"$T/out"
	bad "tcp: 500 KB of headers that never end, in 10-byte segments, cost under $tlim ms of CPU and are counted" "$T/out"
fi
rm -f "$T/trickle.pcap"

# --- issue 20: hep and call aging ---
# The HEP collector against connections that hold it (80 idle, half of
# them stalled in a HEP header; one stalled alone until the 10 s timeout),
# its UDP drop count against a burst into a stopped collector, and
# --max-calls against an agent whose clock stands still.  Loopback only;
# every wait bounded; every process stopped by its pid.
I20=$((HB + 120)) # ports I20..I20+9, apart from hep.sh's
# i20_num FILE TEXT: the number before TEXT in FILE's HEP line
i20_num() { sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p" "$1" | head -1; }
if ! command -v python3 >/dev/null 2>&1; then
	skp "issue 20 HEP tests: python3 not installed"
else
	# One connection stalled inside a header, held in the background
	# while the other tests run: it must be closed after ~10 s.
	"$BIN" -N --hep-listen tcp:127.0.0.1:$((I20 + 9)) >/dev/null 2>"$T/i20st.err" & SP=$!
	HPIDS="$HPIDS $SP"
	SAP=
	if wait_for "$T/i20st.err" "listening for HEP on tcp" 50 || sleep 1; then
		timeout 20 python3 "$ROOT/tests/integration/hep_agent.py" stall $((I20 + 9)) 15 >"$T/i20st.out" 2>&1 &
		SAP=$!
	fi
	# 80 idle connections (every second one stalled in a header), then an
	# agent that sends 50 messages once, without retrying; plain and keyed.
	for key in "" s3cret; do
		P=$I20; [ -n "$key" ] && P=$((I20 + 1))
		"$BIN" -N --hep-listen tcp:127.0.0.1:$P ${key:+--hep-key $key} >/dev/null 2>"$T/i20c.err" & CP=$!
		HPIDS="$HPIDS $CP"
		what="80 idle TCP connections${key:+ (--hep-key)}, then an agent that sends 50 messages once"
		if wait_for "$T/i20c.err" "listening for HEP on tcp" 50; then
			HEP_KEY=$key timeout 40 python3 "$ROOT/tests/integration/hep_agent.py" idle-agent $P 80 50 0.5 >"$T/i20a.out" 2>&1
			sleep 0.3
			kill -INT "$CP"; hep_gone "$CP" 50; wait "$CP"
			if grep -q "^sent 50$" "$T/i20a.out" && grep -q ", 50 SIP messages," "$T/i20c.err" &&
				[ "$(i20_num "$T/i20c.err" "closed for a newer one")" -ge 1 ]; then
				ok "$what: all 50 arrive, the quietest pushed out and counted"
			else
				cat "$T/i20a.out" >>"$T/i20c.err"; bad "$what: all 50 arrive" "$T/i20c.err"
			fi
		else
			kill "$CP" 2>/dev/null; bad "$what: the collector did not start" "$T/i20c.err"
		fi
	done

	# UDP: a tiny socket buffer (SIPSCOPE_HEP_RCVBUF), 300 datagrams into a
	# stopped collector.  (a) continued: what it read plus what the kernel
	# dropped is what was sent, drops > 0.  (b) stopped for good while the
	# backlog waits: read + dropped + unread at exit is what was sent.
	for how in cont stop; do
		P=$((I20 + 2)); [ "$how" = stop ] && P=$((I20 + 3))
		SIPSCOPE_HEP_RCVBUF=4096 "$BIN" -N --hep-listen udp:127.0.0.1:$P >/dev/null 2>"$T/i20u.err" & CP=$!
		HPIDS="$HPIDS $CP"
		if hep_port_open $P 50 && wait_for "$T/i20u.err" "listening for HEP" 50; then
			kill -STOP "$CP"
			python3 "$ROOT/tests/integration/hep_agent.py" udp $P 300 >"$T/i20a.out" 2>&1
			if [ "$how" = cont ]; then
				kill -CONT "$CP"; sleep 1; kill -INT "$CP"
			else
				kill -INT "$CP"; kill -CONT "$CP"
			fi
			hep_gone "$CP" 50; wait "$CP"
			got=$(sed -n 's/.*HEP: \([0-9]*\) packets from agents.*/\1/p' "$T/i20u.err")
			drops=$(i20_num "$T/i20u.err" "dropped by the socket")
			unread=$(i20_num "$T/i20u.err" "unread at exit")
			if [ -n "$got" ] && [ -n "$drops" ] && [ -n "$unread" ] && [ "$drops" -gt 0 ] &&
				[ $((got + drops + unread)) = 300 ] && { [ "$how" = cont ] || [ "$unread" -gt 0 ]; }; then
				ok "HEP UDP burst into a stopped collector ($how): $got read + $drops dropped by the socket + $unread unread at exit = 300 sent"
			else
				bad "HEP UDP burst into a stopped collector ($how): read + dropped + unread = sent, drops > 0" "$T/i20u.err"
			fi
		else
			kill "$CP" 2>/dev/null; kill -CONT "$CP" 2>/dev/null
			bad "HEP UDP burst ($how): the collector did not start" "$T/i20u.err"
		fi
	done

	# --max-calls 40 against 1500 calls (every second one answered and
	# never hung up) that all carry the same HEP time: the count stays
	# under the hard cap (twice the limit, at least the limit + 1000);
	# the open ones that had to go are marked cut in the calls printed,
	# the finished ones not.
	P=$((I20 + 4))
	"$BIN" -N --hep-listen udp:127.0.0.1:$P --max-calls 40 >"$T/i20m.out" 2>"$T/i20m.err" & CP=$!
	HPIDS="$HPIDS $CP"
	if hep_port_open $P 50 && wait_for "$T/i20m.err" "listening for HEP" 50; then
		python3 "$ROOT/tests/integration/hep_agent.py" calls $P 1500 1700000000 2 >"$T/i20a.out" 2>&1
		hep_drained $P 300; sleep 0.3
		kill -INT "$CP"; hep_gone "$CP" 50; wait "$CP"
		ev=$(sed -n 's/.*: \([0-9]*\) calls ([0-9]* SIP messages) evicted.*/\1/p' "$T/i20m.err")
		cut=$(sed -n 's/.*), \([0-9]*\) of them cut while still open.*/\1/p' "$T/i20m.err")
		ncut=$(grep -c " in_call/cut " "$T/i20m.out")
		if grep -q ", 6000 SIP messages," "$T/i20m.err" && [ -n "$ev" ] && [ $((1500 - ev)) -le 1040 ] &&
			[ -n "$cut" ] && [ "$cut" -gt 0 ] && [ "$ncut" = "$cut" ] && ! grep -q "completed/cut" "$T/i20m.out"; then
			ok "--max-calls 40, HEP time standing still: $((1500 - ev)) of 1500 calls left in memory (cap 1040), $cut open ones cut and shown as in_call/cut"
		else
			{ cat "$T/i20m.err"; echo "evicted=$ev cut=$cut shown cut=$ncut"; } >"$T/d"
			bad "--max-calls 40, HEP time standing still: the call count bounded" "$T/d"
		fi
	else
		kill "$CP" 2>/dev/null; bad "--max-calls with HEP: the collector did not start" "$T/i20m.err"
	fi

	# The other side: a collector that times out an idle connection.  The
	# agent (sipscope --hep-send tcp:, reading a pipe that is quiet for
	# 2 s) sees the close before writing and connects again: nothing goes
	# into the dead connection.
	P=$((I20 + 5))
	timeout 20 python3 "$ROOT/tests/integration/hep_agent.py" closer $P 8 >"$T/i20cl.out" 2>&1 & CLP=$!
	if wait_for "$T/i20cl.out" "listening" 50; then
		n=$("$BIN" messages -r "$S/basic_udp.pcap" | tail -n +2 | wc -l)
		{ head -c 24 "$S/basic_udp.pcap"; sleep 2; tail -c +25 "$S/basic_udp.pcap"; } |
			"$BIN" -N --quiet -r - --hep-send tcp:127.0.0.1:$P 2>"$T/i20ag.err"
		wait "$CLP"
		grep -q "^got $n$" "$T/i20cl.out" &&
			ok "agent: a TCP connection the collector closed while idle is made again, all $n messages arrive" ||
			{ cat "$T/i20cl.out" >>"$T/i20ag.err"; bad "agent: a connection closed while idle is made again, all messages arrive" "$T/i20ag.err"; }
	else
		kill "$CLP" 2>/dev/null; bad "agent vs a closing collector: the collector did not start" "$T/i20cl.out"
	fi

	# The stalled connection of the first test: closed by the timeout.
	if [ -n "$SAP" ]; then
		wait "$SAP"
		kill -INT "$SP"; hep_gone "$SP" 50; wait "$SP"
		s=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' "$T/i20st.out")
		[ -n "$s" ] && [ "$s" -ge 9 ] && [ "$s" -le 13 ] &&
			[ "$(i20_num "$T/i20st.err" "timed out")" = 1 ] &&
			ok "a TCP connection stalled inside a HEP header is closed after 10 s and counted" ||
			{ cat "$T/i20st.out" >>"$T/i20st.err"; bad "a connection stalled inside a HEP header is closed after 10 s" "$T/i20st.err"; }
	else
		kill "$SP" 2>/dev/null; bad "stalled connection: the collector did not start" "$T/i20st.err"
	fi
fi
# --- issue 20: writers ---
# The spool, -w, -C/-G and SIGHUP when the disk or the user says no, kill -9.
. "$ROOT/tests/integration/writers.sh"
# --- issue 22: audio ---
# sipscope audio on G.711 calls made from a known signal (gen_audio.py: a
# PCMU sweep from the caller, a PCMA one from the callee 10 ms later; the
# caller's packet 10 lost, its packet 30 twice, the callee's packet 20
# after 21).  The WAVs expected hold audioop's G.711 decoding of the very
# bytes sent; audio_compare.py wants each 20 ms block equal sample for sample.
GA=$ROOT/tests/integration/gen_audio.py
AC=$ROOT/tests/integration/audio_compare.py
if python3 -W ignore -c 'import audioop' 2>/dev/null; then
	python3 -W ignore "$GA" "$T/au.pcap" "$T/au_want"
	if "$BIN" audio -r "$T/au.pcap" -c 1 -o "$T/au.wav" 2>"$T/err" &&
		python3 "$AC" "$T/au.wav" "$T/au_want.wav" --silent-block 0:10 >"$T/out" 2>&1; then
		ok "audio: stereo WAV of a PCMU/PCMA call, caller left, each 20 ms block as sent (lost packet silent, reordered and duplicated ones in place)"
	else
		cat "$T/err" >>"$T/out"
		bad "audio: stereo WAV of a PCMU/PCMA call, caller left, each 20 ms block as sent (lost packet silent, reordered and duplicated ones in place)" "$T/out"
	fi
	grep -q 'stream 0x11111111 .* PCMU/8000: 99 packets decoded, 1 lost (silence), 1 duplicates' "$T/err" &&
		ok "audio: each stream's packets decoded, lost and duplicated reported" ||
		bad "audio: each stream's packets decoded, lost and duplicated reported" "$T/err"
	if "$BIN" audio -r "$T/au.pcap" -c audio-call-1@example.com -o "$T/ausp.wav" --split 2>"$T/err" &&
		python3 "$AC" "$T/ausp-11111111.wav" "$T/au_want-11111111.wav" --silent-block 0:10 >"$T/out" 2>&1 &&
		python3 "$AC" "$T/ausp-22222222.wav" "$T/au_want-22222222.wav" >>"$T/out" 2>&1; then
		ok "audio --split (Call-ID given): one mono WAV per stream, each on its own timeline"
	else
		bad "audio --split (Call-ID given): one mono WAV per stream, each on its own timeline" "$T/out"
	fi
	"$BIN" audio -r "$T/au.pcap" -c 1 --stream 0x22222222 -o "$T/aus.wav" 2>"$T/err" &&
		python3 "$AC" "$T/aus.wav" "$T/au_want-22222222.wav" >"$T/out" 2>&1 &&
		ok "audio --stream SSRC: that stream alone, mono" ||
		bad "audio --stream SSRC: that stream alone, mono" "$T/out"
	"$BIN" audio -r "$T/au.pcap" -c 1 -o - 2>"$T/err" | python3 "$AC" - "$T/au_want.wav" >"$T/out" 2>&1 &&
		grep -q 'sizes unknown' "$T/out" &&
		ok "audio -o -: the WAV piped (sizes 0xFFFFFFFF), the same samples" ||
		bad "audio -o -: the WAV piped (sizes 0xFFFFFFFF), the same samples" "$T/out"
	python3 -W ignore "$GA" "$T/au1.pcap" "$T/au1_want" --oneway
	"$BIN" audio -r "$T/au1.pcap" -c 1 -o "$T/au1.wav" 2>"$T/err" &&
		python3 "$AC" "$T/au1.wav" "$T/au1_want.wav" --silent-block 0:10 --silent-channel 1 >"$T/out" 2>&1 &&
		ok "audio: a one-way call, the caller's audio left, the right channel silent" ||
		bad "audio: a one-way call, the caller's audio left, the right channel silent" "$T/out"
	python3 -W ignore "$GA" "$T/au4.pcap" "$T/au4_want" --ssrc-change
	"$BIN" audio -r "$T/au4.pcap" -c 1 -o "$T/au4.wav" 2>"$T/err" &&
		python3 "$AC" "$T/au4.wav" "$T/au4_want.wav" --silent-block 0:10 >"$T/out" 2>&1 &&
		grep -q 'stream 0x33333333 .* PCMU/8000: 40 packets decoded' "$T/err" &&
		ok "audio: the caller changes its SSRC mid-call (new sequence and timestamp bases): both sources on the left channel, each block as sent" ||
		{ cat "$T/err" >>"$T/out"; bad "audio: the caller changes its SSRC mid-call: both sources on the left channel, each block as sent" "$T/out"; }
	python3 -W ignore "$GA" "$T/au2.pcap" "$T/au2_want" --cn-dtmf
	"$BIN" audio -r "$T/au2.pcap" -c 1 -o "$T/au2.wav" 2>"$T/err" &&
		python3 "$AC" "$T/au2.wav" "$T/au2_want.wav" --silent-block 0:10 --noise-at 1:6480:40 >"$T/out" 2>&1 &&
		grep -q 'stream 0x22222222 DTMF: 5$' "$T/err" && grep -q '1 comfort noise' "$T/err" &&
		ok "audio: comfort noise at its -40 dBov level, telephone-events not audio (the digit printed)" ||
		{ cat "$T/err" >>"$T/out"; bad "audio: comfort noise at its -40 dBov level, telephone-events not audio (the digit printed)" "$T/out"; }
	python3 -W ignore "$GA" "$T/au3.pcap" "$T/au3_want" --g723
	"$BIN" audio -r "$T/au3.pcap" -c 1 -o "$T/au3.wav" 2>"$T/err"
	rc=$?
	[ "$rc" = 1 ] && grep -q 'stream 0x22222222 .*cannot decode G723/8000' "$T/err" &&
		python3 "$AC" "$T/au3.wav" "$T/au3_want.wav" --silent-block 0:10 --silent-channel 1 >"$T/out" 2>&1 &&
		ok "audio: a codec it cannot decode named with its stream, the other stream written, exit 1" ||
		{ echo "rc $rc" >>"$T/err"; cat "$T/out" >>"$T/err" 2>/dev/null; bad "audio: a codec it cannot decode named with its stream, the other stream written, exit 1" "$T/err"; }
	GEN=${GEN_SRTP:-}
	[ -x "${GEN:-/nonexistent}" ] || GEN=$(dirname "$BIN")/tests/gen_srtp
	[ -x "$GEN" ] || GEN=$ROOT/build/tests/gen_srtp
	if [ -x "$GEN" ] && "$GEN" "$T/au.pcap" "$T/au_sp.pcap" "$T/au_s.pcap" AES_CM_128_HMAC_SHA1_80 >"$T/err" 2>&1; then
		"$BIN" audio -r "$T/au_s.pcap" -c 1 -o "$T/au_s.wav" 2>"$T/err" &&
			python3 "$AC" "$T/au_s.wav" "$T/au_want.wav" --silent-block 0:10 >"$T/out" 2>&1 &&
			ok "audio: the same call over SDES-SRTP (libsrtp2), decrypted to the same samples" ||
			bad "audio: the same call over SDES-SRTP (libsrtp2), decrypted to the same samples" "$T/out"
	else
		skp "audio over SRTP: gen_srtp not built"
	fi
	# a real peer: sipp's play_pcap_audio of sip-tester's g711a.pcap (samples/rtp_g711.pcap)
	if [ -r /usr/share/sip-tester/g711a.pcap ]; then
		python3 -W ignore "$ROOT/tests/integration/audio_sipp_check.py" "$BIN" "$S/rtp_g711.pcap" \
			/usr/share/sip-tester/g711a.pcap "$T" >"$T/out" 2>&1 &&
			ok "audio: sipp's play_pcap_audio both ways decoded exactly as the file it played (split and stereo)" ||
			bad "audio: sipp's play_pcap_audio both ways decoded exactly as the file it played (split and stereo)" "$T/out"
	else
		skp "audio: sipp's g711a.pcap (sip-tester) not installed"
	fi
	"$BIN" audio -r "$T/au.pcap" -o "$T/x.wav" >"$T/out" 2>&1
	[ $? = 2 ] && grep -q 'audio needs the call' "$T/out" &&
		ok "audio without -c: a usage error" || bad "audio without -c: a usage error" "$T/out"
else
	skp "audio: python3 has no audioop (the G.711 reference)"
fi

# --- issue 22: codecs ---
# The library decoders on calls made by real encoders from a known signal
# (gen_codec.py: a sweep plus a tone that changes every 20 ms block).
# Lossy codecs are compared by correlation per 20 ms block
# (audio_compare.py --corr), after the codec's delay: every block must
# reach the threshold and stay under it against its neighbouring blocks,
# so a misplaced packet fails.  Thresholds, from the measured minimum on
# these signals: G.722 (ffmpeg's encoder) 0.978, PCMU resampled linearly to
# 16 kHz 0.949 -> 0.9 for that call; Opus (ffmpeg's libopus) 0.978 -> 0.95;
# G.729 (bcg729's encoder; compared with ffmpeg's own G.729 decoder of the
# same frames, as the codec does not keep the waveform of the source) 0.982
# -> 0.95; the neighbouring blocks correlate at most 0.61.  GSM 06.10
# decoding is bit-exact: compared sample for sample with ffmpeg's decoder.
# A build without a codec's library must name it and exit 1 instead.
GC=$ROOT/tests/integration/gen_codec.py
AC=$ROOT/tests/integration/audio_compare.py
have_codec() { "$BIN" --version | grep -q "^audio decoders:.* $1\(,\|$\)"; }
if command -v ffmpeg >/dev/null 2>&1; then
	if python3 -W ignore "$GC" g722 "$T/cg722.pcap" "$T/cg722_want" 2>"$T/err"; then
		"$BIN" audio -r "$T/cg722.pcap" -c 1 -o "$T/cg722.wav" 2>"$T/err"
		rc=$?
		if have_codec G722; then
			[ "$rc" = 0 ] && grep -q "cg722.wav: 2.02 s, stereo, 16000 Hz" "$T/err" &&
				python3 "$AC" "$T/cg722.wav" "$T/cg722_want.wav" --corr 0.9 --settle 2 $(cat "$T/cg722_want.args") >"$T/out" 2>&1 &&
				ok "audio codecs: G.722 one way, PCMU the other: 16 kHz, each 20 ms block in place, lost packet silent, comfort noise at -30 dBov" ||
				{ cat "$T/err" >>"$T/out"; bad "audio codecs: G.722 one way, PCMU the other: 16 kHz, each 20 ms block in place, lost packet silent, comfort noise at -30 dBov" "$T/out"; }
		else
			[ "$rc" = 1 ] && grep -q 'stream 0x11111111 .*cannot decode G722/8000' "$T/err" && [ -s "$T/cg722.wav" ] &&
				ok "audio codecs: G.722 not built in: named with its stream, the PCMU one written, exit 1" ||
				bad "audio codecs: G.722 not built in: named with its stream, the PCMU one written, exit 1" "$T/err"
		fi
	else
		bad "audio codecs: gen_codec.py g722 (ffmpeg's G.722 encoder)" "$T/err"
	fi
	for k in opus gsm; do
		if ! python3 "$GC" $k "$T/c$k.pcap" "$T/c${k}_want" 2>"$T/err"; then
			bad "audio codecs: gen_codec.py $k (ffmpeg)" "$T/err"
			continue
		fi
		"$BIN" audio -r "$T/c$k.pcap" -c 1 -o "$T/c$k.wav" 2>"$T/err"
		rc=$?
		case $k in opus) name=opus cmp="--corr 0.95" what="Opus (48 kHz): each block in place, the lost packet concealed by libopus" ;;
		gsm) name=GSM cmp= what="GSM 06.10: every sample as ffmpeg's own decoder gives it, the lost packet silent" ;; esac
		if have_codec $name; then
			[ "$rc" = 0 ] && python3 "$AC" "$T/c$k.wav" "$T/c${k}_want.wav" $cmp $(cat "$T/c${k}_want.args") >"$T/out" 2>&1 &&
				ok "audio codecs: $what" || { cat "$T/err" >>"$T/out"; bad "audio codecs: $what" "$T/out"; }
		else
			[ "$rc" = 1 ] && grep -q "cannot decode $name" "$T/err" &&
				ok "audio codecs: $name not built in: named, exit 1" || bad "audio codecs: $name not built in: named, exit 1" "$T/err"
		fi
	done
else
	skp "audio codecs: no ffmpeg (the G.722, Opus and GSM encoders)"
fi
G729=${GEN_G729:-}
[ -x "${G729:-/nonexistent}" ] || G729=$(dirname "$BIN")/tests/gen_g729
if [ -x "$G729" ] && command -v ffmpeg >/dev/null 2>&1 && python3 "$GC" g729 "$T/cg729.pcap" "$T/cg729_want" "$G729" 2>"$T/err"; then
	"$BIN" audio -r "$T/cg729.pcap" -c 1 -o "$T/cg729.wav" 2>"$T/err"
	rc=$?
	if have_codec G729; then
		[ "$rc" = 0 ] && grep -q 'G729/8000: 87 packets decoded, 1 lost.*, 1 comfort noise' "$T/err" &&
			python3 "$AC" "$T/cg729.wav" "$T/cg729_want.wav" --corr 0.95 --settle 2 $(cat "$T/cg729_want.args") >"$T/out" 2>&1 &&
			ok "audio codecs: G.729 with VAD: each block as ffmpeg's decoder gives it, lost packet concealed, Annex B comfort noise through the DTX gap" ||
			{ cat "$T/err" >>"$T/out"; bad "audio codecs: G.729 with VAD: each block as ffmpeg's decoder gives it, lost packet concealed, Annex B comfort noise through the DTX gap" "$T/out"; }
	else
		[ "$rc" = 1 ] && grep -q 'cannot decode G729/8000' "$T/err" &&
			ok "audio codecs: G.729 not built in: named, exit 1" || bad "audio codecs: G.729 not built in: named, exit 1" "$T/err"
	fi
else
	skp "audio codecs: G.729: no gen_g729 (bcg729) or ffmpeg"
fi

# --- issue 26: package ---
# The shell completion (completion/): bash as it runs it, zsh in an
# interactive zsh on a pseudo-terminal.  The Debian package itself is built
# and checked by make deb-test (CI runs it; a build takes about a minute).
bash "$ROOT/tests/integration/complete.bash" "$ROOT" "$BIN" "$T/compl" >"$T/cb" 2>&1
while IFS= read -r l; do
	case $l in "ok "*) ok "${l#ok }" ;; "FAIL "*) bad "${l#FAIL }" ;; esac
done <"$T/cb"
[ "$(grep -c '^ok ' "$T/cb")" -ge 20 ] || bad "bash completion: fewer checks ran than written" "$T/cb"
if command -v zsh >/dev/null 2>&1; then
	zsh -f -c 'fpath=("$1/completion" $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[sipscope]' \
		zsh "$ROOT" >"$T/out" 2>&1
	[ "$(cat "$T/out")" = _sipscope ] && ok "zsh: compinit finds _sipscope for sipscope in \$fpath" ||
		bad "zsh: compinit finds _sipscope for sipscope in \$fpath" "$T/out"
	zsh -f -c 'autoload -U compinit; compinit -u -D; source "$1/completion/_sipscope"; print -r -- $_comps[sipscope]' \
		zsh "$ROOT" >"$T/out" 2>&1
	[ "$(cat "$T/out")" = _sipscope ] && ok "zsh: sourced after compinit, it loads without error" ||
		bad "zsh: sourced after compinit, it loads without error" "$T/out"
	# (an absolute link: make gives BIN relative, build/tsan/sipscope)
	mkdir -p "$T/zbin" "$T/zc/sub" && ln -sf "$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" "$T/zbin/sipscope"
	: >"$T/zc/a.pcap"; : >"$T/zc/b.pcapng"; : >"$T/zc/c.txt"
	zsh -f "$ROOT/tests/integration/zsh_complete.zsh" "$ROOT" "$T/zbin" "$T/z.out" 'sipscope fl' \
		'sipscope flow --format ' 'sipscope calls -f met' 'sipscope calls -f state=ri' \
		'sipscope calls -f problem=missing-h' 'sipscope -i l' "sipscope calls -r $T/zc/" >/dev/null 2>&1
	# zmatch NAME LINE WANT: the matches zsh offered after LINE, sorted, are WANT
	zmatch() {
		got=$(awk -v l="== $2" '$0 == l { on = 1; next } /^== / { on = 0 } on' "$T/z.out" | sort | tr '\n' ' ')
		[ "$got" = "$3 " ] && ok "zsh: $1" || { echo "after '$2': '$got', wanted '$3'" >"$T/err"; bad "zsh: $1" "$T/err"; }
	}
	zmatch "a command" "sipscope fl" "flow"
	zmatch "--format values of flow" "sipscope flow --format " "html json mermaid plantuml svg text"
	zmatch "a filter key" "sipscope calls -f met" "method"
	zmatch "a filter value" "sipscope calls -f state=ri" "ringing"
	zmatch "problem= takes the binary's rule ids" "sipscope calls -f problem=missing-h" "missing-header"
	zmatch "an interface for -i" "sipscope -i l" "lo"
	zmatch "-r: captures and directories, not other files" "sipscope calls -r $T/zc/" "a.pcap b.pcapng sub"
elif [ "${CI:-}" = true ]; then
	bad "zsh completion: zsh is not installed in CI (scripts/install-deps.sh test installs it)"
else
	skp "zsh completion: zsh not installed"
fi
# Live capture as a user who is not root, through file capabilities: the
# binary copied, setcap, run as nobody.  It captures, and gives the
# capabilities up once the interface is open (CapEff 0 while capturing).
if [ "$(id -u)" != 0 ]; then
	skp "setcap: capturing as nobody with file capabilities needs root to set them up"
elif ! command -v setcap >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
	bad "setcap: setcap (libcap2-bin) or setpriv (util-linux) is not installed"
else
	CAPD=$(mktemp -d)
	if ! { chmod 755 "$CAPD" && cp "$BIN" "$CAPD/sipscope" && chmod 755 "$CAPD/sipscope"; } 2>"$T/err"; then
		bad "setcap: cannot copy the binary" "$T/err"
	elif setcap cap_net_raw,cap_net_admin=eip "$CAPD/sipscope" 2>"$T/err"; then
		PC=$((25000 + $$ % 4000))
		# (LeakSanitizer cannot trace a process that file capabilities made undumpable)
		ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$CAPD/sipscope" -N -i lo --format json --duration 20 "udp port $PC" >"$T/cap.out" 2>"$T/cap.err" &
		CP=$!
		if wait_for "$T/cap.err" "capturing on" 50; then
			st=$(grep -E '^(Uid|CapPrm|CapEff):' "/proc/$CP/status" | awk '{ print $2 }' | tr '\n' ' ')
			python3 -c "import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    m = ('OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-cap%d\r\n'
         'From: <sip:alice@127.0.0.1>;tag=a%d\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: cap-%d@sipscope.test\r\n'
         'CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n') % (i, i, i)
    s.sendto(m.encode(), ('127.0.0.1', int(sys.argv[1])))
    time.sleep(0.02)" "$PC"
			sleep 0.3
			kill -INT "$CP"; wait_gone "$CP" 50; wait "$CP"; rc=$?
			[ "$rc" = 0 ] && [ "$(grep -c '"call_ids":\["cap-[0-2]@sipscope.test"\]' "$T/cap.out")" = 3 ] &&
				ok "setcap: nobody captures on lo with cap_net_raw,cap_net_admin=eip (3 messages)" ||
				{ cat "$T/cap.err" >>"$T/cap.out"; bad "setcap: nobody captures on lo with file capabilities (status $rc)" "$T/cap.out"; }
			[ "$st" = "65534 0000000000000000 0000000000000000 " ] &&
				ok "setcap: ... and holds no capability once the capture is open" ||
				bad "setcap: ... and holds no capability once the capture is open (uid, permitted, effective: $st)"
		else
			kill "$CP" 2>/dev/null
			bad "setcap: nobody with file capabilities did not start capturing" "$T/cap.err"
		fi
	else
		skp "setcap: this file system takes no file capabilities"
	fi
	rm -rf "$CAPD"
fi
# --- issue 26: config ---
# Config files ($XDG_CONFIG_HOME and $SIPSCOPE_SYSCONFDIR point into $T
# above), aliases in every output.  Each command reads a small sample.
C26=$T/c26
mkdir -p "$C26/xdg/sipscope" "$C26/etc/sipscope"
U26=$C26/xdg/sipscope/config
E26=$C26/etc/sipscope/config
c26() { XDG_CONFIG_HOME="$C26/xdg" SIPSCOPE_SYSCONFDIR="$C26/etc" "$BIN" "$@"; }
# No config: every output as with --no-config, byte for byte (a file of
# comments and blank lines changes nothing either).
printf '# only comments\n\n   # and blanks\n' >"$U26"
same26=1
for args in "messages --format json" "calls" "calls --format csv" "stats --format json" \
	"flow --all" "flow --all --format html" "flow --all --format json" "flow --all --format plantuml"; do
	# shellcheck disable=SC2086
	"$BIN" $args -r "$S/proxy_rr_udp.pcap" >"$C26/a" 2>&1
	# shellcheck disable=SC2086
	c26 $args -r "$S/proxy_rr_udp.pcap" >"$C26/b" 2>&1
	# shellcheck disable=SC2086
	c26 $args --no-config -r "$S/proxy_rr_udp.pcap" >"$C26/c" 2>&1
	cmp -s "$C26/a" "$C26/b" && cmp -s "$C26/a" "$C26/c" || { same26=0; echo "differs: $args" >>"$C26/why"; }
done
grep -q src_name "$C26/a" && same26=0
[ "$same26" = 1 ] && ok "config: no config file, or one of comments, changes no output byte" ||
	bad "config: no config file, or one of comments, changes no output byte" "$C26/why"
# Precedence: /etc < the user's file < environment < command line.
printf 'format csv\ntime delta\n' >"$E26"
c26 calls -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
head -1 "$C26/out" | grep -q '^call,call_id,' && ok "config: the system file is read" ||
	bad "config: the system file is read" "$C26/out"
printf '# mine\nformat json\n' >"$U26"
c26 calls -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
head -1 "$C26/out" | grep -q '^{"call":1,' && ok "config: the user's file over the system's" ||
	bad "config: the user's file over the system's" "$C26/out"
c26 flow -r "$S/basic_udp.pcap" -c 1 --format text >"$C26/out" 2>&1
grep -q '^ *+0\.000374 .*100 Trying' "$C26/out" && ok "config: both files read (time delta from /etc on the flow)" ||
	bad "config: both files read (time delta from /etc on the flow)" "$C26/out"
c26 calls --format table -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
head -1 "$C26/out" | grep -q '^ CALL  START' && ok "config: the command line over the files" ||
	bad "config: the command line over the files" "$C26/out"
c26 calls --no-config -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
head -1 "$C26/out" | grep -q '^ CALL  START' && ok "config: --no-config reads neither file" ||
	bad "config: --no-config reads neither file" "$C26/out"
printf 'format csv\n' >"$C26/other"
c26 calls --config "$C26/other" -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
head -1 "$C26/out" | grep -q '^call,call_id,' && ok "config: --config FILE instead of both" ||
	bad "config: --config FILE instead of both" "$C26/out"
# The environment between the file and the command line: SSLKEYLOGFILE
# (an empty key log) over the file's tls-keylog (the right one),
# --tls-keylog (the right one) over both.
: >"$C26/empty.keys"
printf 'tls-keylog %s\n' "$S/tls12_sip.keys" >"$U26"
n_file=$(c26 messages -r "$S/tls12_sip.pcap" 2>/dev/null | grep -c INVITE)
n_env=$(SSLKEYLOGFILE="$C26/empty.keys" c26 messages -r "$S/tls12_sip.pcap" 2>/dev/null | grep -c INVITE)
n_cli=$(SSLKEYLOGFILE="$C26/empty.keys" c26 messages -r "$S/tls12_sip.pcap" --tls-keylog "$S/tls12_sip.keys" 2>/dev/null | grep -c INVITE)
[ "$n_file" -gt "$n_env" ] && [ "$n_cli" = "$n_file" ] &&
	ok "config: file < environment < command line (tls-keylog, SSLKEYLOGFILE, --tls-keylog)" ||
	bad "config: file < environment < command line (file $n_file, env $n_env, cli $n_cli INVITEs)"
# A file's setting that does not apply to a command is left out there.
printf 'format csv\ntime delta\nmax-calls 5\n' >"$U26"
c26 stats -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
[ $? = 0 ] && grep -q 'INVITE' "$C26/out" && ok "config: format csv and time in the file do not stop stats" ||
	bad "config: format csv and time in the file do not stop stats" "$C26/out"
# A bad line: exit 2, the file and line named, no usage text.
printf '# x\nrtp\nread other.pcap\n' >"$U26"
c26 calls -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
rc26=$?
[ $rc26 = 2 ] && grep -q "^sipscope: $U26:3: 'read' is not for a config file" "$C26/out" &&
	! grep -q Usage: "$C26/out" && ok "config: a bad line is exit 2 naming file:line" ||
	bad "config: a bad line is exit 2 naming file:line (exit $rc26)" "$C26/out"
printf 'format json\nbogus-option\n' >"$E26"
c26 calls -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
[ $? = 2 ] && grep -q "$E26:2: unknown setting 'bogus-option'" "$C26/out" &&
	ok "config: a bad line of the system file too" || bad "config: a bad line of the system file too" "$C26/out"
rm -f "$E26"
# Aliases: the text ladder, the calls table, JSON, the exporters.
printf 'alias 127.0.0.1:25060 alice-ua\nalias 127.0.0.1 lo\n' >"$U26"
c26 flow -r "$S/basic_udp.pcap" -c 1 >"$C26/out" 2>&1
sed -n 2p "$C26/out" | grep -qE '^ +alice-ua +lo:15060 *$' && ok "alias: names the ladder's columns (ip:port, host:port)" ||
	bad "alias: names the ladder's columns (ip:port, host:port)" "$C26/out"
c26 calls --columns index,src,dst -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
sed -n 2p "$C26/out" | grep -qE '^1 +alice-ua +lo:15060 *$' && ok "alias: the calls table's src and dst (--columns)" ||
	bad "alias: the calls table's src and dst (--columns)" "$C26/out"
c26 messages --format json -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
head -1 "$C26/out" | grep -q '"src":"127.0.0.1:25060","dst":"127.0.0.1:15060","src_name":"alice-ua","dst_name":"lo:15060","transport"' &&
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$C26/out" &&
	ok "alias: JSON src_name/dst_name beside src/dst" || bad "alias: JSON src_name/dst_name beside src/dst" "$C26/out"
printf 'alias 127.0.0.1:25060 a<b>&"c\n' >"$U26"
c26 flow -r "$S/basic_udp.pcap" -c 1 --format svg >"$C26/out" 2>&1
grep -q 'a&lt;b&gt;&amp;&quot;c\|a&lt;b&gt;&amp;&#34;c' "$C26/out" && ! grep -q 'a<b>' "$C26/out" &&
	ok "alias: SVG export, the name escaped" || bad "alias: SVG export, the name escaped" "$C26/out"
c26 flow -r "$S/basic_udp.pcap" -c 1 --format json >"$C26/out" 2>&1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["calls"][0]; assert c["columns"][0]=="a<b>&\"c", c["columns"]; assert c["messages"][0]["src_name"]=="a<b>&\"c"' "$C26/out" 2>>"$C26/out" &&
	ok "alias: flow JSON columns and src_name" || bad "alias: flow JSON columns and src_name" "$C26/out"
c26 flow -r "$S/basic_udp.pcap" -c 1 --no-config --alias '[::1]:5060=v6' --alias 127.0.0.1:15060=bob-ua --format mermaid >"$C26/out" 2>&1
grep -q 'participant P2 as bob-ua' "$C26/out" && ok "alias: --alias on the command line (Mermaid)" ||
	bad "alias: --alias on the command line (Mermaid)" "$C26/out"
c26 calls --alias 127.0.0.1 -r "$S/basic_udp.pcap" >"$C26/out" 2>&1
[ $? = 2 ] && grep -q 'IP\[:PORT\]=NAME' "$C26/out" && ok "alias: --alias without a name is a usage error" ||
	bad "alias: --alias without a name is a usage error" "$C26/out"

# --- issue 24: metrics ---
# -N --metrics-file on a pipe (busy, cancelled and completed calls with
# retransmissions, TCP, a challenged REGISTER, an RTP call with loss)
# against calls/stats/check/rtp --format json of the same packets, metric
# by metric (and with --max-calls evicting); promtool on the text; live
# on lo, a real Prometheus scraping -N --metrics during 200 sipp calls,
# asked through its HTTP API.  Every process bounded by timeout, stopped
# by its pid.
M24=$T/m24
mkdir -p "$M24"
MC24="$ROOT/tests/integration/metrics_check.py"
expect "metrics: --metrics without -N: status 2" 2 "$BIN" -r "$S/basic_udp.pcap" --metrics 9467
expect "metrics: --metrics ::1:9 (IPv6 without brackets): status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --metrics ::1:9
expect "metrics: --metrics-file in a missing directory: status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --metrics-file "$M24/no/x.prom"
if ! command -v mergecap >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	skp "metrics: -N against calls/stats/check/rtp: mergecap or python3 not installed"
else
	mergecap -F pcap -w "$M24/mix.pcap" "$S/busy_udp.pcap" "$S/cancel_udp.pcap" "$S/lossy_udp.pcap" \
		"$S/basic_tcp.pcap" "$S/register_udp.pcap" "$S/rtp_loss.pcap"
	for b in calls stats check rtp; do "$BIN" $b -r "$M24/mix.pcap" --format json >"$M24/$b.json" 2>&1; done
	# --format json runs the checker (findings): alone, and with --max-calls
	# 1 evicting 20 calls; without it (run 2) the findings family stays
	# empty and the rest must still agree
	for run in 0 1 2; do
		fj="--format json"; nf=""; mc=$((run & 1)); [ "$run" = 2 ] && fj="" nf="--no-findings"
		"$BIN" -N --quiet -Z root --rtp $fj --max-calls $mc -r - --metrics-file "$M24/mix$run.prom" <"$M24/mix.pcap" >/dev/null 2>"$M24/mix.err"
		n=$(sed -n 's/^sipscope: \([0-9]*\) packets read.*/\1/p' "$M24/mix.err")
		what="metrics: -N -r - --format json --metrics-file: every metric as calls, stats, check and rtp say"
		[ "$run" = 1 ] && what="metrics: -N -r - --format json --max-calls 1 (20 calls evicted): every metric still as the batch commands say"
		[ "$run" = 2 ] && what="metrics: -N -r - without the checker: every metric but the findings as the batch commands say"
		python3 "$MC24" compare "$M24/mix$run.prom" "$M24/calls.json" "$M24/stats.json" "$M24/check.json" \
			"$M24/rtp.json" "${n:-0}" $nf >"$M24/cmp" 2>&1 && ok "$what" || { cat "$M24/mix.err" >>"$M24/cmp"; bad "$what" "$M24/cmp"; }
	done
	grep -q '^sipscope_findings_total{rule="ack-missing",severity="error"} 1$' "$M24/mix0.prom" &&
		! grep -q '^sipscope_findings_total{' "$M24/mix2.prom" &&
		ok "metrics: findings counted when the checker runs (--format json), none without it" ||
		bad "metrics: findings counted when the checker runs (--format json), none without it" "$M24/mix1.prom"
	grep -q '^sipscope_calls_total{state="busy"} 3$' "$M24/mix0.prom" &&
		grep -q '^sipscope_calls_total{state="cancelled"} 3$' "$M24/mix0.prom" &&
		grep -q '^sipscope_retransmissions_total{method="BYE"} 6$' "$M24/mix0.prom" &&
		grep -q '^sipscope_messages_total{method="INVITE",status="",transport="TCP"} 3$' "$M24/mix0.prom" &&
		grep -q '^sipscope_capture_packets_total{interface="stdin"} ' "$M24/mix0.prom" &&
		ok "metrics: the known counts (3 busy, 3 cancelled, 6 BYE retransmissions, 3 INVITEs over TCP)" ||
		bad "metrics: the known counts (3 busy, 3 cancelled, 6 BYE retransmissions, 3 INVITEs over TCP)" "$M24/mix0.prom"
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$M24/mix0.prom" >"$M24/pt" 2>&1 && ok "metrics: promtool check metrics accepts the text" ||
			bad "metrics: promtool check metrics accepts the text" "$M24/pt"
	else
		skp "metrics: promtool not installed (Debian: prometheus)"
	fi
fi

# --rtp, live: a pipe that pauses 4 s after an RTP call (samples/rtp_loss,
# 3 streams, 38 lost): its streams are counted once its call has ended,
# during the pause, and not again at the end, where everything must still
# agree with calls/stats/rtp of the same bytes
if command -v python3 >/dev/null 2>&1; then
	python3 "$MC24" slowcat "$M24/slow.pcap" 4 "$S/rtp_loss.pcap" "$S/basic_udp.pcap" 2>"$M24/slow.cat" |
		"$BIN" -N -Z root --rtp -r - --metrics 127.0.0.1:0 --metrics-file "$M24/slow.prom" >/dev/null 2>"$M24/slow.err" &
	SL24=$!
	SM=
	wait_for "$M24/slow.err" "metrics on" 50 && SM=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$M24/slow.err")
	what="metrics: --rtp: a call's streams counted once it ended, while the capture goes on (3 streams, 38 lost)"
	python3 "$MC24" sample "http://127.0.0.1:${SM:-1}/metrics" sipscope_rtp_streams_total 3 3.9 \
		sipscope_rtp_lost_packets_total 38 >"$M24/slow.q" 2>&1 &&
		ok "$what" || { cat "$M24/slow.err" >>"$M24/slow.q"; bad "$what" "$M24/slow.q"; }
	wait_gone "$SL24" 100; wait "$SL24"
	for b in calls stats rtp; do "$BIN" $b -r "$M24/slow.pcap" --format json >"$M24/slow.$b.json" 2>&1; done
	n=$(sed -n 's/^sipscope: \([0-9]*\) packets read.*/\1/p' "$M24/slow.err")
	what="metrics: --rtp: streams counted live and at the end, as rtp says (none twice)"
	python3 "$MC24" compare "$M24/slow.prom" "$M24/slow.calls.json" "$M24/slow.stats.json" /dev/null \
		"$M24/slow.rtp.json" "${n:-0}" --no-findings >"$M24/cmp" 2>&1 && ok "$what" || { cat "$M24/slow.err" >>"$M24/cmp"; bad "$what" "$M24/cmp"; }
fi

# HEP: an agent (sipscope --hep-send --hep-id 4242) into a collector with
# --metrics-file: its messages under source "hep" and agent 4242
H24=$((26000 + $$ % 3000))
"$BIN" -N -Z root --hep-listen udp:127.0.0.1:$H24 --metrics-file "$M24/hep.prom" >/dev/null 2>"$M24/hep.err" & HP24=$!
if wait_for "$M24/hep.err" "listening for HEP" 50; then
	"$BIN" -N --quiet -r "$S/basic_udp.pcap" --hep-send udp:127.0.0.1:$H24 --hep-id 4242 >/dev/null 2>&1
	sleep 0.5 # the collector reads what came
fi
kill -INT "$HP24" 2>/dev/null; wait_gone "$HP24" 50; wait "$HP24"
grep -q '^sipscope_hep_packets_total{agent="4242"} 21$' "$M24/hep.prom" &&
	grep -q '^sipscope_capture_packets_total{interface="hep"} 21$' "$M24/hep.prom" &&
	grep -q '^sipscope_calls_total{state="completed"} 3$' "$M24/hep.prom" &&
	ok "metrics: a HEP agent's 21 messages under its capture id (--hep-listen)" ||
	{ cat "$M24/hep.err" >>"$M24/hep.prom"; bad "metrics: a HEP agent's 21 messages under its capture id (--hep-listen)" "$M24/hep.prom"; }

m24_skip=
if [ "$(id -u)" != 0 ]; then m24_skip="not root (capturing on lo needs it)"
else
	for c in sipp prometheus promtool timeout python3; do
		command -v $c >/dev/null 2>&1 || { m24_skip="$c not installed"; break; }
	done
fi
if [ -n "$m24_skip" ]; then
	skp "metrics: Prometheus scraping -N -i lo --metrics during 200 sipp calls: $m24_skip"
else
	U24=$((23000 + $$ % 3000)); C24=$((U24 + 1))
	timeout 60 "$BIN" -N -i lo --metrics 127.0.0.1:0 "udp port $U24 or udp port $C24" >/dev/null 2>"$M24/live.err" & NP=$!
	PP=$(python3 "$MC24" port)
	MP=
	wait_for "$M24/live.err" "metrics on" 50 && MP=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$M24/live.err")
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: sipscope\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' \
		"${MP:-1}" >"$M24/prom.yml"
	timeout 60 prometheus --config.file="$M24/prom.yml" --storage.tsdb.path="$M24/tsdb" \
		--web.listen-address=127.0.0.1:$PP >"$M24/prom.log" 2>&1 & PRP=$!
	what="metrics: Prometheus scrapes -N -i lo --metrics during 200 sipp calls: completed 200, INVITEs 200"
	if [ -n "$MP" ] && python3 "$MC24" ready "http://127.0.0.1:$PP/-/ready" 20; then
		# -nr: no retransmissions (a loaded machine would add INVITEs)
		timeout 30 sipp -sf "$S/scenarios/uas_basic.xml" -i 127.0.0.1 -p $U24 -m 200 -nr -bg -nostdin >/dev/null 2>&1
		timeout 30 sipp -sf "$S/scenarios/uac_basic.xml" -i 127.0.0.1 -p $C24 -m 200 -r 200 -l 400 -nr \
			-nostdin 127.0.0.1:$U24 >"$M24/sipp.log" 2>&1
		python3 "$MC24" fetch "http://127.0.0.1:$MP/metrics" "$M24/live.prom" >"$M24/q" 2>&1
		if python3 "$MC24" query "http://127.0.0.1:$PP" 'sipscope_calls_total{state="completed"}' 200 15 >>"$M24/q" 2>&1 &&
			python3 "$MC24" query "http://127.0.0.1:$PP" 'sum(sipscope_messages_total{method="INVITE",status=""})' 200 5 >>"$M24/q" 2>&1 &&
			python3 "$MC24" query "http://127.0.0.1:$PP" 'up{job="sipscope"}' 1 2 >>"$M24/q" 2>&1; then
			ok "$what"
		else
			tail -5 "$M24/prom.log" >>"$M24/q"; bad "$what" "$M24/q"
		fi
		# the gauge follows once a second
		python3 "$MC24" sample "http://127.0.0.1:$MP/metrics" sipscope_calls_active 0 3 >"$M24/pt" 2>&1 &&
			python3 "$MC24" fetch "http://127.0.0.1:$MP/metrics" "$M24/live.prom" >>"$M24/pt" 2>&1 &&
			promtool check metrics <"$M24/live.prom" >>"$M24/pt" 2>&1 &&
			grep -q '^sipscope_capture_packets_total{interface="lo"} [1-9]' "$M24/live.prom" &&
			ok "metrics: the live text passes promtool (lo's packets counted, no call left active)" ||
			{ cat "$M24/live.prom" >>"$M24/pt"; bad "metrics: the live text passes promtool" "$M24/pt"; }
	else
		cat "$M24/prom.log" >>"$M24/live.err"; bad "$what: sipscope or prometheus did not start" "$M24/live.err"
	fi
	kill "$PRP" 2>/dev/null; wait_gone "$PRP" 50; wait "$PRP" 2>/dev/null
	kill -INT "$NP" 2>/dev/null; wait_gone "$NP" 50; wait "$NP"; rc=$?
	[ "$rc" = 0 ] && ok "metrics: -N --metrics ends cleanly on SIGINT" || bad "metrics: -N --metrics ends cleanly on SIGINT (status $rc)" "$M24/live.err"
fi

# --- issue 24: hooks and homer ---
# -N's alerts: --exec runs a command per call a filter matches (the JSON
# line on its standard input, off the capture's way, rate-limited,
# everything counted), --syslog writes key=value lines through syslog(3).
I24=$T/i24
mkdir -p "$I24/h"
python3 "$ROOT/tests/integration/mkpcap.py" rejected "$I24/rej.pcap" 300
# The filter's calls, each line as `calls --format json` prints it: the
# three cancelled calls of four captures, and the one with errors.
"$BIN" -N -Z root --quiet -r "$S/busy_udp.pcap" -r "$S/cancel_udp.pcap" -r "$S/basic_udp.pcap" -r "$S/lossy_udp.pcap" \
	--exec 'state=cancelled' "cat >$I24/h/c.\$\$" --exec 'problem=error method=INVITE' "cat >$I24/h/e.\$\$" \
	--exec-rate 1000 --exec '' 'ls -l /proc/$$/fd/ >'"$I24/h/fd.\$\$" 2>"$I24/h.err"
rc=$?
"$BIN" calls --format json -r "$S/busy_udp.pcap" -r "$S/cancel_udp.pcap" -r "$S/basic_udp.pcap" -r "$S/lossy_udp.pcap" >"$I24/all.json"
grep '"state":"cancelled"' "$I24/all.json" | sort >"$I24/want.c"
cat "$I24"/h/c.* 2>/dev/null | sort >"$I24/got.c"
[ $rc = 0 ] && [ "$(wc -l <"$I24/want.c")" = 3 ] && cmp -s "$I24/want.c" "$I24/got.c" &&
	ok "exec: the calls the filter matches, each its JSON line as calls --format json prints it" ||
	bad "exec: the calls the filter matches, each its JSON line as calls --format json prints it" "$I24/got.c"
grep '"error":[1-9]' "$I24/all.json" | grep '"method":"INVITE"' >"$I24/want.e"
[ "$(wc -l <"$I24/want.e")" = 1 ] && cat "$I24"/h/e.* 2>/dev/null | cmp -s "$I24/want.e" - &&
	ok "exec: problem=error picks the call with error findings" || bad "exec: problem=error picks the call with error findings" "$I24/h.err"
n=$(grep -c . "$I24/all.json")
grep -q "^sipscope: --exec: $((n + 4)) calls matched, $((n + 4)) runs: $((n + 4)) ok, 0 failed, 0 killed after 30 s or at exit, 0 could not start; 0 not run" "$I24/h.err" &&
	ok "exec: the closing counts (matched, runs, ok)" || bad "exec: the closing counts (matched, runs, ok)" "$I24/h.err"
# The command inherits no descriptor of the capture (its files, the
# spool): what it has open points elsewhere.
cat "$I24"/h/fd.* >"$I24/fds" 2>/dev/null
[ "$(ls "$I24"/h/fd.* | wc -l)" = "$n" ] && grep -q ' 0 -> ' "$I24/fds" &&
	! grep -E 'samples/|sipscope|socket:|anon_inode' "$I24/fds" >/dev/null &&
	ok "exec: the command has no descriptor of the capture" ||
	bad "exec: the command has no descriptor of the capture" "$I24/fds"
# Rate: 300 calls at 20 a second: the burst and 20/s of the time it took;
# the rest dropped and counted, none lost from the count.
t0=$(date +%s%N)
"$BIN" -N -Z root --quiet -r "$I24/rej.pcap" --exec '' true --exec-rate 20 2>"$I24/r.err"
t1=$(date +%s%N)
if python3 - "$I24/r.err" $(((t1 - t0) / 1000000)) <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"--exec: (\d+) calls matched, (\d+) runs: (\d+) ok, (\d+) failed, (\d+) killed .*?, (\d+) could not start; (\d+) not run: (\d+) over the rate \(20/s\), (\d+) queue full, (\d+) left at exit", t)
assert m, t
matched, runs, okr, failed, killed, nostart, notrun, rate, queue, left = map(int, m.groups())
secs = int(sys.argv[2]) / 1000
assert matched == 300, matched
assert runs + nostart + notrun == matched and rate + queue + left == notrun, m.group(0)
assert runs <= 20 + 20 * secs + 1, (runs, secs)
assert rate >= 300 - (20 + 20 * secs + 1), (rate, secs)
assert okr == runs and failed == killed == 0, m.group(0)
PY
then ok "exec: --exec-rate bounds the runs, the rest counted as over the rate"
else bad "exec: --exec-rate bounds the runs, the rest counted as over the rate" "$I24/r.err"; fi
# Failures are counted: a status not 0, a command that cannot be found.
"$BIN" -N -Z root --quiet -r "$S/busy_udp.pcap" --exec 'state=busy' 'exit 3' --exec 'callid=1-' /nonexistent/hook 2>"$I24/f.err"
grep -q -- '--exec: 4 calls matched, 4 runs: 0 ok, 4 failed, 0 killed' "$I24/f.err" &&
	ok "exec: failing commands are counted as failed" || bad "exec: failing commands are counted as failed" "$I24/f.err"
# A slow command holds nothing up: the calls are all out at once, the
# runs are killed at --exec-timeout, the exit waits no longer.
t0=$(date +%s%N)
"$BIN" -N -Z root -r "$S/busy_udp.pcap" --exec '' 'sleep 30' --exec-timeout 1 >"$I24/s.out" 2>"$I24/s.err"
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 4000 ] && [ "$(grep -c . "$I24/s.out")" = 4 ] &&
	grep -q -- '--exec: 3 calls matched, 3 runs: 0 ok, 0 failed, 3 killed after 1 s or at exit' "$I24/s.err" &&
	ok "exec: a slow command does not hold up the capture; killed at --exec-timeout" ||
	bad "exec: a slow command does not hold up the capture; killed at --exec-timeout" "$I24/s.err"
"$BIN" -r "$S/busy_udp.pcap" calls --exec '' true >"$I24/u.out" 2>&1
[ $? = 2 ] && grep -q 'are for -N' "$I24/u.out" && ok "exec: without -N a usage error" || bad "exec: without -N a usage error" "$I24/u.out"
# syslog(3) writes to /dev/log: sipscope runs in a mount namespace of its
# own where /dev is a tmpfs holding /dev/null & co and, as /dev/log, a
# datagram socket a python receiver reads.  Nothing of the host's /dev
# or its syslog is touched.
i24_syslog() { # OUT ARGS...: sipscope -N ARGS with its syslog lines into OUT
	out=$1; shift
	u24=-m; [ "$(id -u)" = 0 ] || u24=-rm # not root: a user namespace too
	unshare $u24 true 2>/dev/null || return 97
	rm -f "$I24/log.sock" "$I24/log.sock.ready" "$I24/log.sock.stop"
	python3 - "$I24/log.sock" "$out" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(0.1)
end = time.time() + 20
with open(sys.argv[2], "w") as out:
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            if os.path.exists(sys.argv[1] + ".stop"):
                break
            continue
        out.write(d.decode("ascii", "backslashreplace").rstrip("\n") + "\n")
        out.flush()
PY
	rp=$!
	i=0; while [ ! -e "$I24/log.sock.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	ns='mount --make-rprivate / && mkdir -p "$1/dev" && mount -t tmpfs none "$1/dev" &&
		for n in null zero random urandom; do touch "$1/dev/$n" && mount --bind "/dev/$n" "$1/dev/$n" || exit 97; done &&
		{ [ -n "${I24_NOLOG:-}" ] || { touch "$1/dev/log" && mount --bind "$1/log.sock" "$1/dev/log"; }; } &&
		mount --rbind "$1/dev" /dev || exit 97
		shift; exec "$@"'
	unshare $u24 sh -c "$ns" i24ns "$I24" "$BIN" -N -Z root --quiet "$@"
	src=$?
	touch "$I24/log.sock.stop"
	wait $rp
	return $src
}
i24_syslog "$I24/sys1" -r "$S/busy_udp.pcap" -r "$S/basic_udp.pcap" -r "$I24/rej.pcap" --syslog --syslog-facility local3 2>"$I24/sys1.err"
src=$?
if [ $src = 97 ]; then
	skp "syslog: no mount namespace here (unshare -m or -rm)"
else
	# busy: 3, basic: 0 (completed), rej: 300 (REGISTER 403) = 303 lines,
	# all warnings (local3 = 19: <19*8+4>), parseable as fail2ban reads them.
	if [ $src = 0 ] && grep -q -- '--syslog: 303 lines' "$I24/sys1.err" && python3 - "$I24/sys1" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 303, len(lines)
rx = re.compile(r'^<156>\w{3} [ \d]\d \d\d:\d\d:\d\d sipscope\[\d+\]: call=(\d+) callid="((?:[^"\\]|\\.)*)" '
                r'method=(\S+) state=(\S+) status=(\S+) src=(\S+) sport=(\d+) dst=(\S+) dport=(\d+) '
                r'transport=UDP from="[^"]*" to="[^"]*" errors=\d+ warnings=\d+$')
hosts = {}
for l in lines:
    m = rx.match(l)
    assert m, l
    if m.group(3) == "REGISTER":
        assert m.group(5) == "403" and m.group(9) == "5060", l
        hosts[m.group(6)] = hosts.get(m.group(6), 0) + 1
    else:
        assert m.group(4) == "busy" and m.group(5) == "486" and m.group(6) == "127.0.0.1", l
assert len(hosts) == 50 and set(hosts.values()) == {6}, hosts
assert sum('callid="rej\\"\\\\\\x1b[31m-0"' in l for l in lines) == 1, "escaped Call-ID"
PY
	then ok "syslog: one line per failed call, key=value, the Call-ID escaped, src=IP for fail2ban"
	else bad "syslog: one line per failed call, key=value, the Call-ID escaped, src=IP for fail2ban" "$I24/sys1"; fi
	i24_syslog "$I24/sys2" -r "$S/basic_udp.pcap" --syslog --syslog-filter '' 2>"$I24/sys2.err"
	[ "$(grep -c '^<14>.*state=completed status=200' "$I24/sys2")" = 3 ] && grep -q -- '--syslog: 3 lines' "$I24/sys2.err" &&
		ok "syslog: --syslog-filter '' logs every call (info, facility user)" ||
		bad "syslog: --syslog-filter '' logs every call (info, facility user)" "$I24/sys2"
	# No syslog daemon (no /dev/log): said once, not logged into nothing.
	I24_NOLOG=1 i24_syslog "$I24/sys3" -r "$S/busy_udp.pcap" --syslog 2>"$I24/sys3.err"
	[ $? = 0 ] && [ ! -s "$I24/sys3" ] &&
		[ "$(grep -c 'warning: --syslog: /dev/log: No such file or directory' "$I24/sys3.err")" = 1 ] &&
		ok "syslog: no /dev/log to write to is a warning at start" ||
		bad "syslog: no /dev/log to write to is a warning at start" "$I24/sys3.err"
fi
# HOMER's capture node: kamailio's sipcapture stores what sipscope sends
# as an agent (--hep-send) into HOMER's sip_capture table (SQLite).  Two
# agents (capture ids 4242 and 4343), one capture node: every message is a
# row with its method (a response: its status), Call-ID, CSeq, addresses,
# ports, time and the agent's capture id in node.
k24db=$(ls /usr/lib/*/kamailio/modules/db_sqlite.so /usr/lib/kamailio/modules/db_sqlite.so 2>/dev/null | head -n 1)
if ! command -v kamailio >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1 || [ -z "$k24db" ]; then
	skp "HOMER sipcapture: kamailio, kamailio-sqlite-modules or sqlite3 not installed"
else
	mkdir -p "$I24/homer"
	sqlite3 "$I24/homer/homer.db" <"$S/kamailio/sipcapture-sqlite.sql"
	HP24=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	kamailio -f "$S/kamailio/kamailio-sipcapture.cfg" -DD -E -A "HOMER_DB=\"sqlite:///$I24/homer/homer.db\"" \
		-l udp:127.0.0.1:$HP24 -w "$I24/homer" -Y "$I24/homer" -P "$I24/homer/k.pid" -m 32 -M 4 >"$I24/homer/k.log" 2>&1 & KP24=$!
	wait_for "$I24/homer/k.log" "udp: 127.0.0.1" 50
	sleep 0.3 # the receiver process opens the database after the banner
	"$BIN" -N -Z root --quiet -r "$S/busy_udp.pcap" --hep-send udp:127.0.0.1:$HP24 --hep-id 4242 2>"$I24/homer/a1.err"
	"$BIN" -N -Z root --quiet -r "$S/basic_ipv6.pcap" --hep-send udp:127.0.0.1:$HP24 --hep-id 4343 2>"$I24/homer/a2.err"
	{ "$BIN" messages --format json -r "$S/busy_udp.pcap"; } >"$I24/homer/m1.json"
	{ "$BIN" messages --format json -r "$S/basic_ipv6.pcap"; } >"$I24/homer/m2.json"
	i=0; n24=0
	while [ $i -lt 100 ]; do # SQLite commits each row: slow disks take a while
		n24=$(sqlite3 "$I24/homer/homer.db" 'select count(*) from sip_capture' 2>/dev/null)
		[ "$n24" = 26 ] && break
		sleep 0.1; i=$((i + 1))
	done
	sqlite3 -separator '|' "$I24/homer/homer.db" "select method, callid, cseq, source_ip, source_port, destination_ip, destination_port, micro_ts, node from sip_capture" >"$I24/homer/rows"
	kill "$KP24" 2>/dev/null; wait_gone "$KP24" 50; wait "$KP24" 2>/dev/null
	if python3 - "$I24/homer/rows" "$I24/homer/m1.json" 4242 "$I24/homer/m2.json" 4343 >"$I24/homer/d" 2>&1 <<'PY'
import json, sys
def ep(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), port
want = []
for path, cid in ((sys.argv[2], sys.argv[3]), (sys.argv[4], sys.argv[5])):
    for l in open(path):
        m = json.loads(l)
        (si, sp), (di, dp) = ep(m["src"]), ep(m["dst"])
        want.append("|".join([m["method"] or str(m["status"]), m["call_id"], "%d %s" % (m["cseq"], m["cseq_method"]),
                              si, sp, di, dp, "%d" % round(m["time"] * 1e6), "homer01:" + cid]))
got = open(sys.argv[1]).read().splitlines()
assert len(want) == 26, len(want)
assert sorted(got) == sorted(want), "\n".join(["want:"] + sorted(set(want) - set(got)) + ["got:"] + sorted(set(got) - set(want)))
PY
	then ok "HOMER: kamailio sipcapture stores every message two sipscope agents sent (method, Call-ID, addresses, capture id)"
	else cat "$I24/homer/k.log" "$I24/homer/a1.err" "$I24/homer/a2.err" >>"$I24/homer/d"
		bad "HOMER: kamailio sipcapture stores every message two sipscope agents sent (method, Call-ID, addresses, capture id)" "$I24/homer/d"; fi
fi

# --- issue 25: stir-shaken ---
# STIR/SHAKEN: sipp calls on lo whose INVITEs carry PASSporTs secsipidx
# signed (valid A, compact header y with B, a tampered signature, a stale
# iat, a wrong orig TN), and one call kamailio's secsipid module signed on
# its way to the uas (tests/integration/stir/make_capture.sh).  The calls'
# Call-IDs start with their number: 1 valid, 2 compact, 3 tampered,
# 4 stale, 5 wrong TN, then the kamailio call.
R25=$T/i25s
s25=
if [ "$(id -u)" != 0 ]; then s25="not root (tcpdump on lo)"
else
	for c in secsipidx sipp kamailio tcpdump openssl python3; do
		command -v $c >/dev/null 2>&1 || { s25="$c not installed"; break; }
	done
	ls /usr/lib/*/kamailio/modules/secsipid.so /usr/lib/kamailio/modules/secsipid.so 2>/dev/null | grep -q . ||
		s25=${s25:-"kamailio-secsipid-modules not installed"}
fi
if [ -n "$s25" ]; then
	skp "stir: signed calls through sipp and kamailio: $s25"
elif ! bash "$ROOT/tests/integration/stir/make_capture.sh" "$R25" "$S" >"$R25.log" 2>&1; then
	bad "stir: the signed calls could not be made" "$R25.log"
else
	P25=$R25/stir.pcap
	"$BIN" check -r "$P25" --format json --stir-cert "$R25/sp.pem" --stir-ca "$R25/ca.pem" >"$R25/check.json" 2>&1
	"$BIN" messages -r "$P25" --format json --stir-cert "$R25/sp.pem" --stir-ca "$R25/ca.pem" >"$R25/msgs.json" 2>&1
	"$BIN" check -r "$P25" --format json >"$R25/check0.json" 2>&1
	"$BIN" messages -r "$P25" --format json >"$R25/msgs0.json" 2>&1
	"$BIN" check -r "$P25" --format json --stir-cert "$R25/sp.pem" --stir-ca "$R25/other.pem" >"$R25/checkca.json" 2>&1
	"$BIN" check -r "$P25" --format json --stir-cert "https://certs.example.org/sp.pem=$R25/sp.pem" \
		--stir-signer 127.0.0.1 >"$R25/checksg.json" 2>&1
	# the findings on each call's INVITE, and the identity object of each
	# INVITE, against python's own base64url / JSON decoding of the header
	if python3 - "$R25" >"$R25/d" 2>&1 <<'PY'
import base64, json, sys
d = sys.argv[1]
def lines(name):
    return [json.loads(l) for l in open(f"{d}/{name}") if l.startswith("{")]
msgs = lines("msgs.json")
inv = {}
for m in msgs:
    if m["method"] == "INVITE" and not m["retrans"]:
        inv.setdefault(m["call_id"].split("-")[0] + "-" + m["call_id"].split("-")[1], []).append(m)
calls = {"1-stir": "valid", "2-stir": "compact", "3-stir": "tampered", "4-stir": "stale", "5-stir": "wrongtn", "1-kam": "kamailio"}
assert sorted(inv) == sorted(calls), sorted(inv)
frame = {calls[k]: v[-1]["frame"] for k, v in inv.items()}  # kamailio: the signed hop (the last)
def found(name, frame_of=None):
    out = {}
    for f in lines(name):
        out.setdefault(f["frame"], set()).add(f["rule"])
    return out
want = {"tampered": {"identity-signature"}, "stale": {"identity-stale"}, "wrongtn": {"identity-tn-mismatch"}}
fs = found("check.json")
for label, fr in frame.items():
    got = {r for r in fs.get(fr, set()) if r.startswith("identity-")}
    assert got == want.get(label, set()), (label, got)
assert not [r for rs in fs.values() for r in rs if r.startswith("identity-")
            and r not in ("identity-signature", "identity-stale", "identity-tn-mismatch")], fs
# identity objects: verified, attestation, claims as python decodes them
raw = {}
for line in open(f"{d}/calls.csv").read().splitlines()[1:]:
    tok, _, _, label = line.split(";")
    raw[label] = tok
for m in msgs:
    key = "-".join(m["call_id"].split("-")[:2])
    if m["method"] != "INVITE":
        assert "identity" not in m, m
        continue
    label = calls[key]
    if label == "kamailio" and m["frame"] != frame["kamailio"]:
        assert "identity" not in m, m   # the hop before kamailio signed it
        continue
    i = m["identity"]
    assert i["verified"] == (label != "tampered"), (label, i)
    assert i["attest"] == ("B" if label == "compact" else "A"), (label, i)
    assert i["x5u"] == "https://certs.example.org/sp.pem"
    if label in raw:
        p = raw[label].split(".")[1]
        c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        assert (i["orig"], i["dest"], i["iat"], i["origid"]) == (c["orig"]["tn"], c["dest"]["tn"], c["iat"], c["origid"]), (i, c)
# without --stir-cert: every signed INVITE unverified (null), one info each
for m in lines("msgs0.json"):
    if "identity" in m:
        assert m["identity"]["verified"] is None and "no certificate for x5u" in m["identity"]["reason"], m
fs0 = found("check0.json")
for label, fr in frame.items():
    assert "identity-unverified" in fs0.get(fr, set()), (label, fs0.get(fr))
# an anchor that did not issue sp.pem: every signature fails its chain
fca = found("checkca.json")
for label, fr in frame.items():
    assert "identity-signature" in fca.get(fr, set()), (label, fca.get(fr))
# --stir-cert URL=FILE verifies as well; --stir-signer 127.0.0.1: the uac's
# INVITE to kamailio (unsigned) is identity-missing, the signed ones not
fsg = found("checksg.json")
first_kam = inv["1-kam"][0]["frame"]
assert "identity-missing" in fsg.get(first_kam, set()), fsg.get(first_kam)
assert sum("identity-missing" in v for v in fsg.values()) == 1, fsg
assert not any("identity-signature" in fsg.get(fr, set()) for l, fr in frame.items() if l != "tampered"), fsg
print("ok", frame)
PY
	then ok "stir: valid PASSporTs (secsipidx, kamailio secsipid) verify with attestation; tampered, stale, wrong TN flagged on their INVITE; unverified without --stir-cert"
	else bad "stir: valid PASSporTs (secsipidx, kamailio secsipid) verify with attestation; tampered, stale, wrong TN flagged on their INVITE; unverified without --stir-cert" "$R25/d"; fi
	# show: the PASSporT decoded, the compact header name y too
	f2=$(python3 -c 'import json,sys; print([m["frame"] for m in map(json.loads, open(sys.argv[1])) if m["call_id"].startswith("2-stir") and m["method"] == "INVITE"][0])' "$R25/msgs.json")
	"$BIN" show -r "$P25" --frame "$f2" --stir-cert "$R25/sp.pem" >"$R25/show" 2>&1
	grep -q '^y:  info=https://certs.example.org/sp.pem  alg=ES256  ppt=shaken$' "$R25/show" &&
		grep -q '^   claims  attest=B  orig.tn=15551230001  dest.tn=15551230002  iat=' "$R25/show" &&
		grep -q '^   verified=true  signed by ' "$R25/show" &&
		ok "stir: show takes the compact header y apart (claims, verified)" ||
		bad "stir: show takes the compact header y apart (claims, verified)" "$R25/show"
	# messages JSON of a capture without Identity: byte for byte as before
	# (the object is added only where the header is)
	"$BIN" messages -r "$S/basic_udp.pcap" --format json --stir-cert "$R25/sp.pem" >"$R25/b1" 2>&1
	"$BIN" messages -r "$S/basic_udp.pcap" --format json >"$R25/b2" 2>&1
	cmp -s "$R25/b1" "$R25/b2" && ! grep -q identity "$R25/b1" &&
		ok "stir: messages JSON without Identity headers unchanged by --stir-cert" ||
		bad "stir: messages JSON without Identity headers unchanged by --stir-cert" "$R25/b1"
fi
expect "stir: --stir-cert of a missing file: status 2" 2 "$BIN" check -r "$S/basic_udp.pcap" --stir-cert /nonexistent/sp.pem
expect "stir: --stir-signer needs an address: status 2" 2 "$BIN" check -r "$S/basic_udp.pcap" --stir-signer trunk.example
# --- issue 23: records ---
# calls (table and CSV) prints each call once it is over and evicts the
# finished ones while the capture is read.  The lines and their order are
# the whole-capture path's (--sort index takes that path): on the lossy
# sample written 300 times, each copy 100 s later with its own Call-IDs
# (sipp's process id in them replaced), so calls end and go all along,
# from a file and from standard input (spooled), a floor of one kept
# call (SIPSCOPE_CALLS_KEEP).
I23=$T/i23
mkdir -p "$I23"
python3 - "$ROOT/samples/lossy_udp.pcap" "$I23/copies.pcap" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
out = [b[:24]]
for copy in range(300):
    off = 24
    while off + 16 <= len(b):
        sec, usec, cap, ln = struct.unpack("<IIII", b[off:off + 16])
        data = b[off + 16:off + 16 + cap].replace(b"12821", b"%05d" % (20000 + copy))
        out.append(struct.pack("<IIII", sec + copy * 100, usec, cap, ln) + data)
        off += 16 + cap
open(sys.argv[2], "wb").write(b"".join(out))
PY
SIPSCOPE_CALLS_KEEP=1 "$BIN" calls -r "$I23/copies.pcap" >"$I23/t" 2>"$I23/err"
"$BIN" calls -r "$I23/copies.pcap" --sort index >"$I23/t.ref" 2>>"$I23/err"
SIPSCOPE_CALLS_KEEP=1 "$BIN" calls -r - --format csv <"$I23/copies.pcap" >"$I23/c" 2>>"$I23/err"
"$BIN" calls -r "$I23/copies.pcap" --format csv --sort index >"$I23/c.ref" 2>>"$I23/err"
if [ "$(wc -l <"$I23/t")" = 2401 ] && cmp -s "$I23/t" "$I23/t.ref" && cmp -s "$I23/c" "$I23/c.ref" &&
	! grep -q "cut" "$I23/t"; then
	ok "calls: table and CSV printed as calls end are the whole-capture bytes (2,400 calls, file and stdin)"
else
	{ wc -l "$I23/t" "$I23/c"; diff "$I23/t.ref" "$I23/t" | head; diff "$I23/c.ref" "$I23/c" | head; } >>"$I23/err" 2>&1
	bad "calls: table and CSV printed as calls end are the whole-capture bytes (2,400 calls, file and stdin)" "$I23/err"
fi
# Memory must not grow with the calls: two captures of the same generator
# (20,000 and 60,000 calls, 5 s talk time: about 15,000 calls in progress
# or not quiet yet at any time); the peak RSS may grow by at most 800
# bytes per added call (holding every call cost ~1,500; the mapped window
# of the file and the floor cancel out).
if heavy "calls: peak RSS per call"; then
	if ! command -v cc >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
		skp "calls: peak RSS per call: cc or /usr/bin/time (GNU time) not installed"
	elif ! cc -std=c11 -O2 -o "$I23/gen" "$ROOT/tests/bench/gen_capture.c" >"$I23/err" 2>&1; then
		bad "calls: gen_capture builds" "$I23/err"
	else
		for n in 20000 60000; do
			"$I23/gen" -n $n -s 7 -d 5 -o "$I23/g.pcap" >/dev/null 2>&1
			SIPSCOPE_CALLS_KEEP=1000 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
				/usr/bin/time -f %M -o "$I23/r$n" "$BIN" calls -r "$I23/g.pcap" >"$I23/g$n" 2>&1
			rm -f "$I23/g.pcap"
		done
		r20=$(tail -n 1 "$I23/r20000") r60=$(tail -n 1 "$I23/r60000")
		per_call=$(( (r60 - r20) * 1024 / 40000 ))
		if [ "$(wc -l <"$I23/g60000")" = 69001 ] && [ "$per_call" -lt 800 ]; then
			ok "calls: peak RSS grows by $per_call bytes per call from 20,000 to 60,000 calls (< 800)"
		else
			bad "calls: peak RSS grows by $per_call bytes per call from 20,000 to 60,000 calls (< 800; $r20 -> $r60 KiB, $(wc -l <"$I23/g60000") lines)"
		fi
	fi
fi
rm -rf "$I23"
# --- issue 23: checker state ---
# The checker re-reads every message of a 112 MB capture (27,000 calls,
# 200,000 messages): what it adds to the peak RSS of the calls table is
# its window of the file (the pages it went past are given back) and the
# state of the calls still going -- not the file (105 MB more before).
if heavy "issue 23: check adds a bounded RSS"; then
	if [ -x /usr/bin/time ] && ${CC:-cc} -std=c11 -O2 -o "$T/gen23" "$ROOT/tests/bench/gen_capture.c" 2>"$T/err" &&
		"$T/gen23" -n 27000 -s 3 -o "$T/c23.pcap" >/dev/null 2>>"$T/err"; then
		# (ASan's quarantine would hold freed memory back)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
			/usr/bin/time -f %M -o "$T/rss0" "$BIN" calls -r "$T/c23.pcap" --format table >/dev/null 2>>"$T/err"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
			/usr/bin/time -f %M -o "$T/rss1" "$BIN" check -r "$T/c23.pcap" --format json >"$T/out" 2>>"$T/err"
		rc=$?
		r0=$(tail -1 "$T/rss0"); r1=$(tail -1 "$T/rss1")
		if [ "$rc" = 0 ] && [ ! -s "$T/out" ] && [ $((r1 - r0)) -lt 75000 ]; then
			ok "issue 23: check on 200,000 messages adds $((r1 - r0)) KB to the calls table's RSS (< 75 MB)"
		else
			echo "rc $rc; calls table $r0 KB, check $r1 KB" >>"$T/err"
			bad "issue 23: check on 200,000 messages adds under 75 MB to the calls table's RSS" "$T/err"
		fi
		rm -f "$T/c23.pcap" "$T/gen23"
	else
		skp "issue 23: check adds a bounded RSS: /usr/bin/time or a C compiler missing"
	fi
fi

# --- issue 25: attacks ---
# sipvicious against a kamailio registrar with digest auth while two sipp
# phones register (samples/attack/sipvicious_udp.pcap, made by gen_attack.sh; and a
# live run of it when the tools are here): svmap's scan, svwar's
# enumeration and svcrack's guessing -- its last word right, an error --
# are found on the attacker's messages (127.0.0.1), the phones (127.0.0.2,
# .3, each with a 401 challenge first) get no attack finding.
A25=$T/i25a
mkdir -p "$A25"
i25_attacks() { # PCAP NAME: the attack findings, as check --format json gives them
	"$BIN" check --format json -r "$1" >"$A25/$2.json" 2>"$A25/$2.err"
	python3 - "$A25/$2.json" "$1" "$2" >"$A25/$2.out" 2>&1 <<'PY'
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
attack = {"scanner", "extension-enumeration", "password-guessing", "register-flood", "invite-flood", "toll-fraud"}
got = [r for r in rows if r["rule"] in attack]
for r in got:
    assert r["src"].startswith("127.0.0.1:"), r          # the attacker's messages
    assert "127.0.0.1" in r["text"], r                   # naming the source
kinds = sorted((r["rule"], r["severity"], r["message"]) for r in got)
want = [("extension-enumeration", "warning", "REGISTER"), ("password-guessing", "error", "REGISTER"),
        ("password-guessing", "warning", "REGISTER"), ("scanner", "warning", "OPTIONS"),
        ("scanner", "warning", "OPTIONS")]
if sys.argv[3] == "live":
    # a live run on a loaded machine may retransmit or split a window:
    # every kind found, maybe more than once, nothing else; svcrack gives
    # up on a guess kamailio answered late, so guessing alone may be short
    # (exit 3: said as a skip; the recorded capture above is the strict check)
    found = set(kinds)
    if found == set(want) - {("password-guessing", "error", "REGISTER"), ("password-guessing", "warning", "REGISTER")}:
        print("live: no password-guessing found", kinds)
        sys.exit(3)
    assert sorted(found) == sorted(set(want)), kinds
else:
    assert kinds == want, kinds
t = {r["rule"] + r["severity"]: r["text"] for r in got}
assert "sweep: 127.0.0.1 probed" in " ".join(r["text"] for r in got if r["rule"] == "scanner"), got
assert 'User-Agent "friendly-scanner"' in " ".join(r["text"] for r in got if r["rule"] == "scanner"), got
assert re.search(r'user "2000" authenticated from 127\.0\.0\.1 after (8|\d\d) failed digest attempts',
                 t["password-guessingerror"]), t
assert "tried" in t["extension-enumerationwarning"] and "1990" in t["extension-enumerationwarning"], t
PY
}
if i25_attacks "$S/attack/sipvicious_udp.pcap" rec; then
	ok "attacks: svmap, svwar, svcrack found on the attacker's messages; phones registering clean"
else bad "attacks: svmap, svwar, svcrack found on the attacker's messages; phones registering clean" "$A25/rec.out"; fi
# --filter problem=RULE picks the guessed account's REGISTERs only.
"$BIN" calls -F json -r "$S/attack/sipvicious_udp.pcap" -f problem=password-guessing >"$A25/f.json"
[ "$(grep -c . "$A25/f.json")" = 1 ] && grep -q '"from":"sip:2000@127.0.0.10"' "$A25/f.json" &&
	ok "attacks: --filter problem=password-guessing is the guessed account's call" ||
	bad "attacks: --filter problem=password-guessing is the guessed account's call" "$A25/f.json"
# Thresholds are settings: a config line, checked as the option is.
printf 'attack auth-failures=3\n' >"$A25/cfg"
printf 'attack auth-failures=0\n' >"$A25/cfg0"
"$BIN" check --config "$A25/cfg" -r "$S/attack/sipvicious_udp.pcap" >"$A25/cfg.out" 2>&1
"$BIN" check --config "$A25/cfg0" -r "$S/attack/sipvicious_udp.pcap" >"$A25/cfg0.out" 2>&1
rc0=$?
grep -qE '^86 .*password-guessing .*failed digest authentication 3 times' "$A25/cfg.out" && [ $rc0 = 2 ] &&
	grep -q "cfg0:1: --attack auth-failures: '0' is not a number from 1 to 1000000" "$A25/cfg0.out" &&
	ok "attacks: config line 'attack auth-failures=3' sets the threshold; a bad value is exit 2 with FILE:LINE" ||
	bad "attacks: config line 'attack auth-failures=3' sets the threshold; a bad value is exit 2 with FILE:LINE" "$A25/cfg.out"
# -N --syslog: a line per attack finding, fail2ban-ready: the shipped
# filter, through fail2ban-regex, bans 127.0.0.1 five times and no phone;
# --metrics-file counts the findings by rule.
i24_syslog "$A25/sys" -r "$S/attack/sipvicious_udp.pcap" --syslog --metrics-file "$A25/m.prom" 2>"$A25/sys.err"
src=$?
if [ $src = 97 ]; then
	skp "attacks: syslog and fail2ban: no mount namespace here (unshare -m or -rm)"
else
	sed 's/^<[0-9]*>\(...............\) /\1 pbx /' "$A25/sys" >"$A25/sys.log"
	[ $src = 0 ] && [ "$(grep -c '^<1[12]>.*finding=' "$A25/sys")" = 5 ] &&
		[ "$(grep -c '^<11>.*finding=password-guessing severity=error src=127.0.0.1 ' "$A25/sys")" = 1 ] &&
		grep -q -- '--syslog: 5 attack findings logged, 0 over 10 a minute' "$A25/sys.err" &&
		grep -q '^sipscope_findings_total{rule="password-guessing",severity="error"} 1$' "$A25/m.prom" &&
		grep -q '^sipscope_findings_total{rule="scanner",severity="warning"} 2$' "$A25/m.prom" &&
		ok "attacks: -N --syslog logs each attack finding (src= the attacker); metrics count them" ||
		bad "attacks: -N --syslog logs each attack finding (src= the attacker); metrics count them" "$A25/sys"
	if command -v fail2ban-regex >/dev/null 2>&1; then
		# A call line whose From carries a finding's text must not ban.
		printf '%s\n' 'Dec  8 03:00:00 pbx sipscope[7]: call=9 callid="x" method=INVITE state=failed status=403 src=127.0.0.2 sport=5060 dst=127.0.0.10 dport=5060 transport=UDP from="sipscope[7]: finding=scanner severity=warning src=192.0.2.66 sport=1 dst=" to="sip:x@y" errors=0 warnings=0' >>"$A25/sys.log"
		fail2ban-regex -o ip "$A25/sys.log" "$ROOT/samples/fail2ban/sipscope.conf" >"$A25/f2b" 2>&1
		[ "$(grep -c '^127\.0\.0\.1$' "$A25/f2b")" = 5 ] && [ "$(grep -c . "$A25/f2b")" = 5 ] &&
			ok "attacks: fail2ban-regex with samples/fail2ban/sipscope.conf: the attacker 5 times, no phone" ||
			bad "attacks: fail2ban-regex with samples/fail2ban/sipscope.conf: the attacker 5 times, no phone" "$A25/f2b"
	else
		skp "attacks: fail2ban-regex not installed (fail2ban)"
	fi
fi
# A source's attack lines are bounded: 15 calls to premium numbers after a
# refused attempt are 15 toll-fraud errors and a burst warning; 10 are
# logged, the other 6 counted.
python3 "$ROOT/tests/integration/mkpcap.py" tollfraud "$A25/toll.pcap"
i24_syslog "$A25/sys2" -r "$A25/toll.pcap" --syslog 2>"$A25/sys2.err"
src=$?
if [ $src = 97 ]; then
	skp "attacks: syslog rate: no mount namespace here (unshare -m or -rm)"
else
	"$BIN" check -r "$A25/toll.pcap" >"$A25/toll.out" 2>&1
	[ "$(grep -c ' toll-fraud .*premium number +882' "$A25/toll.out")" = 15 ] &&
		[ "$(grep -c 'finding=toll-fraud severity=[a-z]* src=192.0.2.66 ' "$A25/sys2")" = 10 ] &&
		grep -q -- '--syslog: 10 attack findings logged, 6 over 10 a minute from one source not logged' "$A25/sys2.err" &&
		ok "attacks: --syslog logs at most 10 attack findings a minute per source, the rest counted" ||
		bad "attacks: --syslog logs at most 10 attack findings a minute per source, the rest counted" "$A25/sys2.err"
fi
# Live: the same attack made now (kamailio, sipp, sipvicious, tcpdump on
# lo; about 12 s), found the same way.
if ! heavy "attacks: live sipvicious run"; then
	:
elif [ "$(id -u)" != 0 ]; then
	skp "attacks: live sipvicious run needs root (tcpdump)"
else
	"$ROOT/tests/integration/gen_attack.sh" "$A25/live.pcap" >"$A25/gen.log" 2>&1
	grc=$?
	if [ $grc = 77 ]; then
		skp "attacks: live run: $(tail -n 1 "$A25/gen.log")"
	elif [ $grc = 0 ] && i25_attacks "$A25/live.pcap" live; then
		ok "attacks: live sipvicious run against kamailio: the three attacks found, phones clean"
	elif [ $grc = 0 ] && grep -q "^live: no password-guessing found" "$A25/live.out"; then
		skp "attacks: live run: svmap and svwar found, phones clean; svcrack's guesses went unanswered on this loaded machine (the recorded capture is checked above)"
	else
		cat "$A25/gen.log" >>"$A25/live.out" 2>/dev/null
		bad "attacks: live sipvicious run against kamailio: the three attacks found, phones clean" "$A25/live.out"
	fi
fi

# --- issue 24/25: findings in the metrics ---
# -N --findings runs the checker for the metrics alone: the attack
# capture's findings are counted; without it (and without --format json,
# --exec, --syslog) the family stays empty; without -N, a usage error.
"$BIN" -N --quiet -Z root --findings -r "$S/attack/sipvicious_udp.pcap" --metrics-file "$T/f25.prom" >/dev/null 2>"$T/f25.err"
"$BIN" -N --quiet -Z root -r "$S/attack/sipvicious_udp.pcap" --metrics-file "$T/f25b.prom" >/dev/null 2>>"$T/f25.err"
grep -q '^sipscope_findings_total{rule="password-guessing",severity="error"} 1$' "$T/f25.prom" &&
	grep -q '^sipscope_findings_total{rule="scanner",severity="warning"} 2$' "$T/f25.prom" &&
	[ -s "$T/f25b.prom" ] && ! grep -q '^sipscope_findings_total{' "$T/f25b.prom" &&
	ok "metrics: -N --findings counts the attack findings (2 scanner, 1 compromised account); none without it" ||
	{ cat "$T/f25.prom" "$T/f25.err" >>"$T/f25b.prom"; bad "metrics: -N --findings counts the attack findings (2 scanner, 1 compromised account); none without it" "$T/f25b.prom"; }
expect "--findings without -N: status 2" 2 "$BIN" --findings -r "$S/basic_udp.pcap"

echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
