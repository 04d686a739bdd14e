#!/usr/bin/env bash
#
# hep_bench.sh - the HEP collector and agent under load, on loopback.
#
#   usage: tests/bench/hep_bench.sh SIPSCOPE_BINARY HEP_GEN_BINARY
#
# 1. Collector: hep_gen sends the synthetic capture's SIP messages as HEP3
#    at HEP_RATE packets/s for HEP_SECS seconds into
#    `sipscope -N --quiet --hep-listen udp:127.0.0.1:PORT`; printed: sent,
#    received, dropped by the socket (SO_RXQ_OVFL), loss, collector CPU.
# 2. Agent: CPU time (user + system) of `sipscope -N --quiet -r CAPTURE`
#    with and without `--hep-send udp:127.0.0.1:PORT` (a socket that
#    receives and discards); the overhead in percent.
# Each is repeated HEP_RUNS times; best and median are printed.  The
# capture is tests/bench/gen_capture's (see README.md), made when missing.
#
# Environment: BENCH_DIR (/tmp/sipscope-bench), BENCH_CALLS (100000),
# HEP_RATE (100000), HEP_SECS (10), HEP_RUNS (3), CC (cc).
# Exit status: 0, 1 when the collector lost packets or the agent's
# overhead passed 10% (best run), 2 setup error.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u -o pipefail

die() { echo "hep_bench: error: $*" >&2; exit 2; }
[[ $# -eq 2 ]] || { echo "usage: $0 SIPSCOPE_BINARY HEP_GEN_BINARY" >&2; exit 2; }
SIPSCOPE=$1 GEN=$2
[[ -x $SIPSCOPE && -x $GEN ]] || die "need $SIPSCOPE and $GEN (make $GEN)"
DIR=${BENCH_DIR:-/tmp/sipscope-bench}
CALLS=${BENCH_CALLS:-100000}
RATE=${HEP_RATE:-100000} SECS=${HEP_SECS:-10} RUNS=${HEP_RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR" || die "cannot make $DIR"
CAP=$DIR/sip-${CALLS}calls-seed1.pcap
if [[ ! -s $CAP ]]; then
    "${CC:-cc}" -std=c11 -O2 -o "$DIR/gen_capture.$$" "$HERE/gen_capture.c" || die "cannot build gen_capture"
    "$DIR/gen_capture.$$" -n "$CALLS" -s 1 -o "$CAP.tmp.$$" >/dev/null || die "gen_capture failed"
    mv -f "$CAP.tmp.$$" "$CAP"; rm -f "$DIR/gen_capture.$$"
fi
cat "$CAP" >/dev/null # into the page cache

WORK=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT INT TERM
PORT=$((40000 + $$ % 5000))

# cpu_ticks PID: user + system clock ticks of a running process
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
TCK=$(getconf CLK_TCK)
# median and best (lowest, or highest with -r) of numbers on stdin
stats() { sort -g ${1:-} | awk '{a[NR]=$1} END {printf "best %s, median %s", a[1], a[int((NR+1)/2)]}'; }

echo "=== HEP collector: $RATE HEP3 packets/s over UDP loopback for $SECS s ($RUNS runs) ==="
lossy=0
: >"$WORK/rates"; : >"$WORK/loss"
for run in $(seq "$RUNS"); do
    PORT=$((PORT + 1))
    "$SIPSCOPE" -N --quiet --hep-listen udp:127.0.0.1:$PORT >/dev/null 2>"$WORK/col.err" & CP=$!
    PIDS="$PIDS $CP"
    sleep 0.5
    "$GEN" "$CAP" 127.0.0.1 "$PORT" "$RATE" "$SECS" >"$WORK/gen.out" || die "hep_gen failed"
    sleep 1 # the collector empties its socket
    ticks=$(cpu_ticks "$CP")
    kill -INT "$CP"; wait "$CP"
    sent=$(sed -n 's/^hep_gen: sent \([0-9]*\) .*/\1/p' "$WORK/gen.out")
    grate=$(sed -n 's/.*s (\([0-9]*\)\/s).*/\1/p' "$WORK/gen.out")
    got=$(sed -n 's/.*HEP: \([0-9]*\) packets from agents.*/\1/p' "$WORK/col.err")
    drops=$(sed -n 's/.* \([0-9]*\) dropped by the socket.*/\1/p' "$WORK/col.err")
    msgs=$(sed -n 's/^sipscope: \([0-9]*\) SIP messages,.*/\1/p' "$WORK/col.err")
    loss=$(awk -v s="$sent" -v g="$got" 'BEGIN {printf "%.4f", s ? 100 * (s - g) / s : 100}')
    cpu=$(awk -v t="$ticks" -v k="$TCK" -v s="$SECS" 'BEGIN {printf "%.0f", 100 * t / k / (s + 1.5)}')
    printf '  run %d: sent %s (%s/s), received %s, %s SIP messages, %s dropped by the socket, loss %s%%, collector CPU %s%% of a core\n' \
        "$run" "$sent" "$grate" "$got" "$msgs" "$drops" "$loss" "$cpu"
    echo "$grate" >>"$WORK/rates"; echo "$loss" >>"$WORK/loss"
    [[ $got == "$sent" && $drops == 0 ]] || lossy=$((lossy + 1))
done
echo "  rate reached: $(stats -r <"$WORK/rates") packets/s; loss: $(stats <"$WORK/loss") %"

echo
echo "=== HEP agent: CPU of sipscope -N -r $(basename "$CAP") with and without --hep-send ($RUNS runs) ==="
# The sinks receive and throw away, as a collector would not slow the agent.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recv(65536)
' "$((PORT + 100))" & SINK=$!
python3 -c '
import socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[1])))
l.listen(4)
while True:
    c, _ = l.accept()
    while c.recv(1 << 20):
        pass
' "$((PORT + 101))" & SINK2=$!
PIDS="$PIDS $SINK $SINK2"
sleep 0.3
: >"$WORK/base"; : >"$WORK/udp"; : >"$WORK/tcp"; : >"$WORK/over"; : >"$WORK/overt"
cpu_of() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.2f", $1 + $2}'; }
pct() { awk -v b="$1" -v h="$2" 'BEGIN {printf "%.1f", 100 * (h - b) / b}'; }
for run in $(seq "$RUNS"); do
    b=$(cpu_of "$SIPSCOPE" -N --quiet -r "$CAP")
    u=$(cpu_of "$SIPSCOPE" -N --quiet -r "$CAP" --hep-send udp:127.0.0.1:$((PORT + 100)))
    t=$(cpu_of "$SIPSCOPE" -N --quiet -r "$CAP" --hep-send tcp:127.0.0.1:$((PORT + 101)))
    printf '  run %d: without %s s; --hep-send udp: %s s (+%s%%); tcp: %s s (+%s%%)\n' "$run" "$b" \
        "$u" "$(pct "$b" "$u")" "$t" "$(pct "$b" "$t")"
    echo "$b" >>"$WORK/base"; echo "$u" >>"$WORK/udp"; echo "$t" >>"$WORK/tcp"
    pct "$b" "$u" >>"$WORK/over"; echo >>"$WORK/over"; pct "$b" "$t" >>"$WORK/overt"; echo >>"$WORK/overt"
done
for url in udp:127.0.0.1:$((PORT + 100)) tcp:127.0.0.1:$((PORT + 101)); do
    "$SIPSCOPE" -N -r "$CAP" --quiet --hep-send "$url" 2>&1 | grep "HEP:" | sed 's/^/  /'
done
echo "  CPU without: $(stats <"$WORK/base") s; with udp: $(stats <"$WORK/udp") s; with tcp: $(stats <"$WORK/tcp") s"
echo "  overhead udp: $(stats <"$WORK/over") %; tcp: $(stats <"$WORK/overt") %"
best=$(sort -g "$WORK/overt" | head -1)
rc=0
[[ $lossy -eq 0 ]] || { echo "hep_bench: the collector lost packets in $lossy of $RUNS runs"; rc=1; }
awk -v o="$best" 'BEGIN {exit !(o > 10)}' && { echo "hep_bench: the agent (tcp) costs more than 10%"; rc=1; }
exit $rc
