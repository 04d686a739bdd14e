#!/bin/sh
# live_bench.sh - sipscope -N --quiet capturing on lo while sipp makes
# calls at RATE per second (7 SIP messages each), against a tcpdump of the
# same traffic: messages seen by each, drops, and sipscope's CPU time.
# Not a timed test: it prints figures.  Needs root, sipp and tcpdump.
# Usage: sh tests/bench/live_bench.sh [./sipscope]
#   RATE=2000 CALLS=60000 PORT=35060 SIPSCOPE_OPTS="--batch-ms 20"
set -u
BIN=${1:-./sipscope}
RATE=${RATE:-2000}
CALLS=${CALLS:-60000}
P1=${PORT:-35060}
P2=$((P1 + 1))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SC=$ROOT/samples/scenarios
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT INT TERM
F="udp port $P1 or udp port $P2"
[ "$(id -u)" = 0 ] || { echo "live_bench: needs root (capture on lo)"; exit 77; }
for t in sipp tcpdump timeout; do
	command -v $t >/dev/null 2>&1 || { echo "live_bench: $t not installed"; exit 77; }
done
tick=$(getconf CLK_TCK)
# calc EXPR [DECIMALS]: arithmetic on decimals (awk: bc is not installed everywhere)
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }

"$BIN" -i lo -N --quiet -Z root ${SIPSCOPE_OPTS:-} "$F" >/dev/null 2>"$D/ss.err" & SP=$!
timeout 600 tcpdump -i lo -B 131072 -w "$D/td.pcap" "$F" 2>"$D/td.err" & TP=$!
i=0; while [ $i -lt 50 ] && ! grep -q listening "$D/td.err" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
timeout 600 sipp -sf "$SC/uas_basic.xml" -i 127.0.0.1 -p "$P1" -m "$CALLS" -bg -nostdin \
	-max_socket 60000 >/dev/null 2>&1
t0=$(date +%s.%N)
timeout 600 sipp -sf "$SC/uac_basic.xml" -i 127.0.0.1 -p "$P2" -m "$CALLS" -r "$RATE" \
	-l $((RATE * 3)) -nostdin -trace_stat -stf "$D/uac.csv" -fd 1 127.0.0.1:"$P1" \
	>"$D/uac.log" 2>&1
uac_rc=$?
t1=$(date +%s.%N)
sleep 1
set -- $(cut -d' ' -f14,15 "/proc/$SP/stat")
ut=$1 st=$2
cpu=$(calc "($1 + $2) / $tick" 2)
kill -INT "$SP" "$TP"
wait "$SP"; wait "$TP" 2>/dev/null
wall=$(calc "$t1 - $t0" 6)
td_msgs=$("$BIN" messages -r "$D/td.pcap" 2>/dev/null | tail -n +2 | wc -l)
td_pkts=$(tcpdump -r "$D/td.pcap" 2>/dev/null | wc -l)
ss_pkts=$(sed -n 's/.*: \([0-9]*\) packets captured.*/\1/p' "$D/ss.err")
ss_msgs=$(sed -n 's/^sipscope: \([0-9]*\) SIP messages, .*/\1/p' "$D/ss.err")
ss_kdrop=$(sed -n 's/.* \([0-9]*\) dropped by the kernel.*/\1/p' "$D/ss.err")
ss_idrop=$(sed -n 's/.* \([0-9]*\) dropped by the interface.*/\1/p' "$D/ss.err")
echo "sipp: $CALLS calls asked at $RATE/s, uac exit $uac_rc, ran $wall s" \
     "(about $(calc "$CALLS / $wall") calls/s, $(calc "$CALLS * 7 / $wall") SIP messages/s)"
echo "tcpdump:  $td_pkts packets, $td_msgs SIP messages ($(grep -h 'dropped by kernel' "$D/td.err"))"
echo "sipscope: $ss_pkts packets, $ss_msgs SIP messages, $ss_kdrop dropped by the kernel," \
     "$ss_idrop by the interface"
echo "sipscope CPU: $cpu s over $wall s of traffic ($(calc "100 * $cpu / $wall" 1)% of one core;" \
     "user $(calc "$ut / $tick" 2) s, system $(calc "$st / $tick" 2) s)"
cat "$D/ss.err" | sed 's/^/  /'
if [ "$ss_msgs" = "$td_msgs" ] && [ "$ss_kdrop" = 0 ] && [ "$ss_idrop" = 0 ]; then
	echo "result: no message lost"
else
	echo "result: LOST $((td_msgs - ss_msgs)) messages"
	exit 1
fi
