#!/bin/sh
# tcp_trickle_bench.sh - one SIP message trickled in tiny TCP segments
# (issue 20): `sipscope calls -r` on one flow carrying BYTES (default
# 1,000,000) in SEG-byte (default 10) segments, two ways:
#   headers  an INVITE whose header lines never end (given up, counted,
#            past 512 KB: headers that long are no SIP element's)
#   body     a MESSAGE whose BYTES-byte body completes at the last segment
# Target: each under a second (re-parsing from the start at every segment
# took 7.5 s for 1 MB of headers).
#
#   usage: tests/bench/tcp_trickle_bench.sh SIPSCOPE_BINARY [BYTES [SEG]]
#
# Environment: BENCH_DIR (default /tmp/sipscope-bench; captures reused),
# BENCH_STRICT (1: exit 3 when a target is missed).
# Exit status: 0 ok; 1 sipscope failed; 2 usage; 3 target missed (only
# with BENCH_STRICT=1).
set -u
bin=${1:-}
bytes=${2:-1000000}
seg=${3:-10}
[ -x "$bin" ] || { echo "usage: $0 SIPSCOPE_BINARY [BYTES [SEG]]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/sipscope-bench}
mkdir -p "$dir" || exit 2
missed=0
for kind in headers body; do
	f="$dir/tcp-trickle-$kind-$bytes-$seg.pcap"
	mode=trickle
	[ "$kind" = body ] && mode=body
	[ -s "$f" ] && [ "$f" -nt "$here/tcp_gen.py" ] || python3 "$here/tcp_gen.py" "$mode" "$bytes" "$seg" "$f" || exit 2
	cat "$f" >/dev/null
	s=$(date +%s.%N)
	"$bin" calls -r "$f" --format table >/dev/null 2>"$dir/trickle.err" || {
		cat "$dir/trickle.err" >&2
		exit 1
	}
	e=$(date +%s.%N)
	t=$(awk -v e="$e" -v s="$s" 'BEGIN { print e - s }')
	printf '%s: %s bytes in %s-byte segments: %.3f s (target < 1)\n' "$kind" "$bytes" "$seg" "$t"
	awk -v t="$t" 'BEGIN { exit !(t >= 1) }' && missed=1
done
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$missed" = 1 ]; then
	exit 3
fi
exit 0
