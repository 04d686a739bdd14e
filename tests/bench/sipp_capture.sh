#!/bin/sh
# sipp_capture.sh - record the benchmark's sipp capture: CALLS (100,000)
# basic calls (samples/scenarios/uac_basic.xml against uas_basic.xml: 7 SIP
# messages each) made by sipp on 127.0.0.1 at RATE (500) per second,
# written by tcpdump.  Real traffic from a real SIP tool, where
# gen_capture's is synthetic.
#
# Usage: sh tests/bench/sipp_capture.sh OUT.pcap
#   CALLS=100000 RATE=500 PORT=35070
#
# OUT.pcap is reused when OUT.pcap.meta says it holds CALLS calls and its
# size is the one recorded.  sipp is given at most CALLS/RATE*4+60 s
# (SIPP_TIMEOUT), so a run that stalls ends.
# Exit: 0 made or reused, 77 cannot here (not root, sipp or tcpdump
# missing), 1 failed (more than 5% of the calls failed, tcpdump dropped
# packets, timed out).
set -u
OUT=${1:?usage: sipp_capture.sh OUT.pcap}
CALLS=${CALLS:-100000}
RATE=${RATE:-500}
P1=${PORT:-35070}
P2=$((P1 + 1))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SC=$ROOT/samples/scenarios
META=$OUT.meta
TMO=${SIPP_TIMEOUT:-$((CALLS / RATE * 4 + 60))}

if [ -f "$OUT" ] && [ -f "$META" ] && grep -q "^calls=$CALLS\$" "$META" &&
	grep -q "^bytes=$(stat -c %s "$OUT")\$" "$META"; then
	echo "sipp_capture: reusing $OUT" >&2
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "sipp_capture: needs root (tcpdump on lo)" >&2; exit 77; }
for t in sipp tcpdump timeout; do
	command -v $t >/dev/null 2>&1 || { echo "sipp_capture: $t not installed" >&2; exit 77; }
done
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT INT TERM
F="udp port $P1 or udp port $P2"
rm -f "$META"
echo "sipp_capture: $CALLS calls at $RATE/s into $OUT (at most $TMO s)" >&2
timeout $((TMO + 30)) tcpdump -i lo -s 0 -B 262144 -w "$OUT.tmp" "$F" 2>"$D/td.err" & TP=$!
i=0
while [ $i -lt 50 ] && ! grep -q listening "$D/td.err" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
# The uas runs until the uac is done (with -m it could leave before the
# last calls, whose retransmissions then wait in vain).
timeout "$TMO" sipp -sf "$SC/uas_basic.xml" -i 127.0.0.1 -p "$P1" -nostdin \
	-buff_size 8388608 >/dev/null 2>&1 & UP=$!
sleep 0.5
timeout "$TMO" sipp -sf "$SC/uac_basic.xml" -i 127.0.0.1 -p "$P2" -m "$CALLS" -r "$RATE" \
	-l $((RATE * 3)) -buff_size 8388608 -recv_timeout 10000 -nostdin 127.0.0.1:"$P1" \
	>"$D/uac.log" 2>&1
rc=$?
# sipp: 0 every call succeeded, 1 some failed (a datagram lost on a busy
# machine: the capture still holds the call, as it went; the count is
# kept in the .meta file)
failed=$(sed -n 's/^ *Failed call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$D/uac.log" | tail -n 1)
sleep 1
kill -INT "$TP" 2>/dev/null
wait "$TP"
kill "$UP" 2>/dev/null
wait "$UP" 2>/dev/null
drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$D/td.err")
if [ "$rc" -gt 1 ] || [ "${drops:-x}" != 0 ] || [ "${failed:-0}" -gt $((CALLS / 20)) ]; then
	echo "sipp_capture: FAILED (sipp exit $rc, ${failed:-?} calls failed, tcpdump drops ${drops:-?})" >&2
	tail -n 5 "$D/uac.log" "$D/td.err" >&2
	rm -f "$OUT.tmp"
	exit 1
fi
mv -f "$OUT.tmp" "$OUT"
printf 'calls=%s\nrate=%s\nfailed=%s\nbytes=%s\n' "$CALLS" "$RATE" "${failed:-0}" \
	"$(stat -c %s "$OUT")" >"$META"
echo "sipp_capture: $(stat -c %s "$OUT") bytes, ${failed:-0} calls failed" >&2
