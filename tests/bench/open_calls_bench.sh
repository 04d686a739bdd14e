#!/bin/sh
# open_calls_bench.sh - calls that never end against --max-calls: CALLS
# (900,000) answered calls with no BYE (gen_open_calls.c) are read by
# `sipscope -N -r FILE --quiet` with --max-calls 0 (no limit) and with
# --max-calls MAX (1,000).  Prints the time and peak RSS of each, and the
# closing line of the limited run (calls evicted, how many cut while
# open).  With the hard cap the limited run must not cost more than the
# unlimited one; exits 3 when it costs over twice as much.
# Usage: tests/bench/open_calls_bench.sh [./sipscope]
#   CALLS=900000 MAX=1000 BENCH_DIR=/tmp/sipscope-bench CC=cc
set -u
BIN=${1:-./sipscope}
CALLS=${CALLS:-900000}
MAX=${MAX:-1000}
BENCH_DIR=${BENCH_DIR:-/tmp/sipscope-bench}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$ROOT/tests/bench/gen_open_calls.c
die() { echo "open_calls_bench: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "no sipscope binary at $BIN"
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
GEN=$BENCH_DIR/gen_open_calls-$(cksum <"$SRC" | cut -d' ' -f1)
[ -x "$GEN" ] || ${CC:-cc} -std=c11 -O2 -o "$GEN" "$SRC" || die "cannot build gen_open_calls"
CAP=$BENCH_DIR/open-$CALLS.pcap
[ -s "$CAP" ] && [ "$CAP" -nt "$GEN" ] || "$GEN" "$CALLS" "$CAP" >/dev/null || die "cannot write $CAP"
cat "$CAP" >/dev/null # in the page cache for both runs
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT INT TERM
TIMEB=/usr/bin/time
[ -x "$TIMEB" ] || TIMEB=
# run MAX: seconds (and peak RSS) of one run into $D/run.$1
run() {
	if [ -n "$TIMEB" ]; then
		"$TIMEB" -f '%e %M' -o "$D/t.$1" "$BIN" -N -r "$CAP" --quiet --max-calls "$1" 2>"$D/err.$1"
	else
		s=$(date +%s.%N)
		"$BIN" -N -r "$CAP" --quiet --max-calls "$1" 2>"$D/err.$1"
		e=$(date +%s.%N)
		echo "$(awk -v e="$e" -v s="$s" 'BEGIN { print e - s }') n/a" >"$D/t.$1"
	fi
}
echo "=== $CALLS calls that never end (answered, no BYE), sipscope -N -r FILE ==="
run 0
run "$MAX"
read -r t0 r0 <"$D/t.0"
read -r t1 r1 <"$D/t.$MAX"
printf '  --max-calls 0      : %6.2f s, peak RSS %s KB\n' "$t0" "$r0"
printf '  --max-calls %-6s : %6.2f s, peak RSS %s KB\n' "$MAX" "$t1" "$r1"
grep 'evicted from memory' "$D/err.$MAX" | sed 's/^/  /'
awk "BEGIN { exit !($t1 > 2 * $t0) }" && { echo "  the limit costs more than twice the unlimited run"; exit 3; }
exit 0
