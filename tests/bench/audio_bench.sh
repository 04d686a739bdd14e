#!/bin/sh
# Audio benchmark: `sipscope audio --all` on gen_rtp.py's capture (250
# calls, 2 x 2000 G.711 A-law packets each: 1,000,000 RTP packets, 40 s of
# stereo audio per call, 10,000 s in all), pinned to one core (taskset -c
# 0), best of BENCH_RUNS (3).  Real time is the audio written: 250 calls x
# 40 s.  Target: at least 500x real time.  Also one call (-c 125) alone:
# both reads of the capture, what a single export costs.
# Usage: sh tests/bench/audio_bench.sh ./sipscope
set -eu
BIN=${1:-./sipscope}
DIR=${BENCH_DIR:-/tmp/sipscope-bench}
RUNS=${BENCH_RUNS:-3}
CALLS=250
PER=2000
CAP=$DIR/rtp-${CALLS}calls.pcap
mkdir -p "$DIR"
[ -s "$CAP" ] || python3 "$(dirname "$0")/gen_rtp.py" "$CAP" "$CALLS" "$PER" >/dev/null
OUT=$(mktemp -d "$DIR/audio.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
PIN=""
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"
best() { # best wall time of RUNS runs of the command
	b=""
	for i in $(seq "$RUNS"); do
		rm -f "$OUT"/*.wav
		s=$(date +%s.%N)
		$PIN "$@" 2>/dev/null
		e=$(date +%s.%N)
		b=$(echo "$s $e ${b:-1e9}" | awk '{t=$2-$1; print (t<$3)?t:$3}')
	done
	echo "$b"
}
t=$(best "$BIN" audio -r "$CAP" --all -o "$OUT/call.wav")
n=$(ls "$OUT" | wc -l)
mb=$(du -m "$OUT" | cut -f1)
t1=$(best "$BIN" audio -r "$CAP" -c 125 -o "$OUT/one.wav")
echo "capture: $CAP ($(du -m "$CAP" | cut -f1) MB); $n WAV files written ($mb MB)"
echo "$CALLS $PER $t" | awk '{a=$1*$2*0.02; r=a/$3; printf "sipscope audio --all, one core: %.0f s of audio in %.2f s: %.0fx real time   (target >= 500x) %s\n", a, $3, r, (r>=500)?"PASS":"FAIL"}'
echo "$PER $t1" | awk '{printf "one call (-c 125, %.0f s): %.2f s (the capture read twice)\n", $1*0.02, $2}'
