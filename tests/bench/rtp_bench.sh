#!/bin/sh
# Media benchmark: `sipscope rtp` on a capture that is 99.5% RTP (250 calls,
# 2 x 2000 G.711 packets each, gen_rtp.py), pinned to one core (taskset -c 0:
# both pipeline threads share it), best of BENCH_RUNS (5).  Target: at least
# 2,000,000 packets/s.  Also what following media costs a signalling-only
# command (`calls` with and without --rtp).
# Usage: sh tests/bench/rtp_bench.sh ./sipscope
set -eu
BIN=${1:-./sipscope}
DIR=${BENCH_DIR:-/tmp/sipscope-bench}
RUNS=${BENCH_RUNS:-5}
CAP=$DIR/rtp-250calls.pcap
mkdir -p "$DIR"
[ -s "$CAP" ] || python3 "$(dirname "$0")/gen_rtp.py" "$CAP" 250 2000 >/dev/null
frames=$(python3 -c "
import struct,sys
f=open(sys.argv[1],'rb'); f.read(24); n=0
while True:
    h=f.read(16)
    if len(h)<16: break
    n+=1; f.seek(struct.unpack('<IIII',h)[2],1)
print(n)" "$CAP")
PIN=""
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"
best() { # best wall time of RUNS runs of the command
	b=""
	for i in $(seq "$RUNS"); do
		s=$(date +%s.%N)
		$PIN "$@" >/dev/null
		e=$(date +%s.%N)
		b=$(echo "$s $e ${b:-1e9}" | awk '{t=$2-$1; print (t<$3)?t:$3}')
	done
	echo "$b"
}
t=$(best "$BIN" rtp -r "$CAP")
streams=$("$BIN" rtp -r "$CAP" | tail -1)
tc=$(best "$BIN" calls -r "$CAP")
tr=$(best "$BIN" calls --rtp -r "$CAP")
echo "capture: $CAP, $frames frames ($(du -m "$CAP" | cut -f1) MB); $streams"
echo "$frames $t" | awk '{r=$1/$2; printf "sipscope rtp, one core: %.3f s, %.0f packets/s   (target >= 2000000) %s\n", $2, r, (r>=2000000)?"PASS":"FAIL"}'
echo "$tc $tr" | awk '{printf "calls without --rtp %.3f s, with --rtp %.3f s\n", $1, $2}'
