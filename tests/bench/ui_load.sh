#!/bin/sh
# The viewer on a large capture: time to the first calls on screen and to
# the end of loading, measured by the viewer itself (SIPSCOPE_UI_TRACE) in
# a detached tmux session.  Best of BENCH_RUNS rounds.
# Usage: tests/bench/ui_load.sh ./sipscope CAPTURE
set -u
BIN=$1 CAP=$2
RUNS=${BENCH_RUNS:-3}
if ! command -v tmux >/dev/null 2>&1; then
	echo "ui load: skipped (tmux is not installed)"
	exit 0
fi
T=$(mktemp -d)
SOCK=sipscope-bench-$$
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
best_first="" best_load=""
r=0
while [ $r -lt "$RUNS" ]; do
	r=$((r + 1))
	rm -f "$T/trace"
	tmux -L "$SOCK" new-session -d -s b -x 120 -y 40 \
		"SIPSCOPE_UI_TRACE=$T/trace TERM=xterm-256color $BIN -r $CAP"
	i=0
	while [ $i -lt 1200 ] && ! grep -q loaded_ms "$T/trace" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	tmux -L "$SOCK" send-keys -t b Q
	sleep 0.3
	tmux -L "$SOCK" kill-server >/dev/null 2>&1
	first=$(awk '/first_calls_ms/ {print $2}' "$T/trace")
	load=$(awk '/loaded_ms/ {print $2}' "$T/trace")
	[ -z "$first" ] || [ -z "$load" ] && { echo "ui load: round $r gave no timing"; continue; }
	if [ -z "$best_first" ] || awk "BEGIN{exit !($first < $best_first)}"; then best_first=$first; fi
	if [ -z "$best_load" ] || awk "BEGIN{exit !($load < $best_load)}"; then best_load=$load; fi
done
size=$(du -m "$CAP" | cut -f1)
echo "viewer on a ${size} MB capture (best of $RUNS):"
echo "  first calls on screen : ${best_first} ms   (target <= 500 ms)"
echo "  whole capture loaded  : ${best_load} ms"
