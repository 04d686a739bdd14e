#!/bin/sh
# tcp_flood_bench.sh - what a burst of half-open TCP flows costs (issue 20):
# `sipscope calls -r` on N one-segment flows (each the start of an INVITE
# that never ends, 10 us apart), for 65,000 flows (just under the flow
# table's 65,536) and for 200,000 (the table full, evicting at each new
# flow).  Target: 200,000 cost at most 4x 65,000 (linear would be 3.1x).
# The OPTIONS sent on a new connection after the burst must be seen.
#
#   usage: tests/bench/tcp_flood_bench.sh SIPSCOPE_BINARY [SMALL LARGE]
#
# Environment: BENCH_DIR (default /tmp/sipscope-bench; captures reused),
# BENCH_RUNS (default 3: the fastest time is kept), BENCH_STRICT (1: exit 3
# when the target is missed).
# Exit status: 0 ok; 1 sipscope failed or missed the OPTIONS; 2 usage;
# 3 target missed (only with BENCH_STRICT=1).
set -u
bin=${1:-}
small=${2:-65000}
large=${3:-200000}
[ -x "$bin" ] || { echo "usage: $0 SIPSCOPE_BINARY [SMALL LARGE]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/sipscope-bench}
runs=${BENCH_RUNS:-3}
mkdir -p "$dir" || exit 2

# fastest of $runs runs of `calls -r`, in seconds
run() {
	best=
	i=0
	while [ "$i" -lt "$runs" ]; do
		s=$(date +%s.%N)
		"$bin" calls -r "$1" --format table >"$dir/flood.out" 2>"$dir/flood.err" || {
			echo "sipscope failed on $1:" >&2
			cat "$dir/flood.err" >&2
			exit 1
		}
		e=$(date +%s.%N)
		t=$(awk -v e="$e" -v s="$s" 'BEGIN { printf "%.3f", e - s }')
		if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
		i=$((i + 1))
	done
	grep -q after-the-burst "$dir/flood.out" || {
		echo "the OPTIONS after the burst was not seen in $1" >&2
		exit 1
	}
	printf '%.3f' "$best"
}

for n in "$small" "$large"; do
	f="$dir/tcp-flood-$n.pcap"
	[ -s "$f" ] && [ "$f" -nt "$here/tcp_gen.py" ] || python3 "$here/tcp_gen.py" flows "$n" "$f" || exit 2
	cat "$f" >/dev/null
done
ts=$(run "$dir/tcp-flood-$small.pcap")
tl=$(run "$dir/tcp-flood-$large.pcap")
ratio=$(awk -v l="$tl" -v s="$ts" 'BEGIN { print l / s }')
printf '%s flows: %s s\n%s flows: %s s\nratio: %.2f (target <= 4)\n' "$small" "$ts" "$large" "$tl" "$ratio"
if [ "${BENCH_STRICT:-0}" = 1 ] && awk -v r="$ratio" 'BEGIN { exit !(r > 4) }'; then
	exit 3
fi
exit 0
