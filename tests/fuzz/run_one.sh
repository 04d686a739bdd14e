#!/bin/sh
# run_one.sh TARGET: one libFuzzer target for $FUZZ_SECONDS (30) on its
# corpus (tests/fuzz/corpus/NAME), log in build/fuzz/NAME.log; prints its
# stats, or the log's end and exits 1 when the target found something.
# make fuzz runs the targets side by side (one per core).
f=$1
n=$(basename "$f")
case $n in
fuzz_tcp | fuzz_ipfrag) ml=-max_len=600 ;;
fuzz_ws) ml=-max_len=2048 ;;
*) ml= ;;
esac
log=build/fuzz/$n.log
# shellcheck disable=SC2086
if ! "$f" -max_total_time="${FUZZ_SECONDS:-30}" -print_final_stats=1 $ml "tests/fuzz/corpus/$n" >"$log" 2>&1; then
	echo "== $f: FAILED"
	tail -40 "$log"
	exit 1
fi
echo "== $f: $(grep -E 'stat::number_of_executed_units|stat::new_units_added' "$log" | tr -s ' \n' ' ')"
