#!/usr/bin/env bash
#
# check_bench.sh - what the checker costs: wall clock and peak RSS of
# `check --format json` and `calls --format json` (both run the checker
# over every message) on gen_capture's captures, for one binary or, given
# a second, for both side by side (say the build before a change, and
# after), each output compared byte for byte with the other binary's.
#
#   usage: tests/bench/check_bench.sh SIPSCOPE [BEFORE_SIPSCOPE]
#
# The captures are gen_capture's -n CALLS -s BENCH_SEED (7) for each CALLS
# in CHECK_BENCH_CALLS ("100000"; add 1000000 for the 4.1 GB capture of
# issue 23), made in BENCH_DIR (/tmp/sipscope-bench) when missing.
# Environment: CC (cc), BENCH_TIME_BIN (/usr/bin/time, GNU time).
# Exit status: 0; 1 a run failed or the two binaries' outputs differ;
# 2 setup error.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u -o pipefail

die() { echo "check_bench: error: $*" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 SIPSCOPE [BEFORE_SIPSCOPE]" >&2; exit 2; }
NEW=$1
OLD=${2:-}
[[ -x $NEW ]] || die "need $NEW"
[[ -z $OLD || -x $OLD ]] || die "need $OLD"
TIME=${BENCH_TIME_BIN:-/usr/bin/time}
[[ -x $TIME ]] || die "need GNU time (Debian: time)"
DIR=${BENCH_DIR:-/tmp/sipscope-bench}
SEED=${BENCH_SEED:-7}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR" || die "cannot make $DIR"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

# capture N: the path of gen_capture's N calls, made when missing
capture() {
	local cap=$DIR/sip-$1calls-seed$SEED.pcap
	if [[ ! -s $cap ]]; then
		"${CC:-cc}" -std=c11 -O2 -o "$DIR/gen_capture.$$" "$HERE/gen_capture.c" || die "cannot build gen_capture"
		"$DIR/gen_capture.$$" -n "$1" -s "$SEED" -o "$cap.tmp.$$" >/dev/null || die "gen_capture failed"
		mv -f "$cap.tmp.$$" "$cap"
		rm -f "$DIR/gen_capture.$$"
	fi
	echo "$cap"
}

# run BIN CAPTURE CMD...: "wall_s rss_mib" and the output's sha256 in $WORK/sum
run() {
	local bin=$1 cap=$2
	shift 2
	if ! "$TIME" -f '%e %M' -o "$WORK/t" "$bin" "$@" -r "$cap" --format json 2>"$WORK/err" |
		sha256sum >"$WORK/sum"; then
		echo "check_bench: $bin $* failed:" >&2
		cat "$WORK/err" >&2
		return 1
	fi
	awk '{ printf "%8.2f %9.0f", $1, $2 / 1024 }' "$WORK/t"
}

rc=0
printf '%-28s %-20s %-7s %8s %9s\n' capture command binary "wall s" "RSS MiB"
for calls in ${CHECK_BENCH_CALLS:-100000}; do
	CAP=$(capture "$calls") || exit 2
	cat "$CAP" >/dev/null # into the page cache
	for cmd in check calls; do
		line=$(run "$NEW" "$CAP" "$cmd") || { rc=1; continue; }
		new_sum=$(cat "$WORK/sum")
		printf '%-28s %-20s %-7s %s\n' "$(basename "$CAP")" "$cmd --format json" after "$line"
		[[ -n $OLD ]] || continue
		line=$(run "$OLD" "$CAP" "$cmd") || { rc=1; continue; }
		printf '%-28s %-20s %-7s %s\n' "" "" before "$line"
		if [[ $(cat "$WORK/sum") != "$new_sum" ]]; then
			echo "check_bench: $cmd --format json differs between the two binaries" >&2
			rc=1
		fi
	done
done
exit $rc
