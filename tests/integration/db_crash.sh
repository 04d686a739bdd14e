#!/bin/sh
# Crash test for the sqlite3 writer: db_bench writes a capture with a sync
# every EVERY messages and is killed with SIGKILL at a random moment; the
# database must then pass integrity_check and hold every committed sync
# whole: message ids contiguous from 1, a count that is a sync boundary,
# at least the last sync the writer reported, and every call, dialog and
# transaction a message names.  It must also read back (db_load).
# Usage: DB_BENCH=build/bench/db_bench sh tests/integration/db_crash.sh [CALLS] [ROUNDS]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${DB_BENCH:-$ROOT/build/bench/db_bench}
CALLS=${1:-10000}
ROUNDS=${2:-6}
# Syncs every 5,000 messages (as a live capture), or every 30,000 (the
# first sync is then a bulk one: rollback journal, indexes built after).
EVERY=5000
BULK=30000
command -v sqlite3 >/dev/null 2>&1 || { echo "skip db crash test: no sqlite3 command"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM # a stopped run ends (the EXIT trap cleans up), not carry on without its files
cc -O2 -o "$T/gen" "$ROOT/tests/bench/gen_capture.c" || exit 2
"$T/gen" -n "$CALLS" -o "$T/x.pcap" >/dev/null || exit 2

# Whole runs first: how many messages, and how long each mode takes.
start=$(date +%s%N)
"$BENCH" -n $EVERY "$T/x.pcap" "$T/full.db" >"$T/full.log" 2>/dev/null || { echo "FAIL db_bench run"; exit 1; }
ms_small=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
"$BENCH" -n $BULK "$T/x.pcap" "$T/bulk.db" >"$T/bulk.log" 2>/dev/null || { echo "FAIL db_bench run"; exit 1; }
ms_bulk=$(( ($(date +%s%N) - start) / 1000000 ))
total=$(sed -n 's/^done //p' "$T/full.log")
fail=0
q() { sqlite3 "$1" "$2" 2>&1; }

check() { # DB LOG LABEL EVERY
	db=$1 log=$2 label=$3 every=$4 why=
	last=$(sed -n 's/^committed //p; s/^done //p' "$log" | tail -1)
	tables=$(q "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'messages'")
	if [ "$tables" = 0 ]; then
		# Killed before the schema's transaction committed: sqlite left
		# a file without tables, which is right as long as nothing was
		# reported committed.
		if [ -z "$last" ] && [ "$(q "$db" 'PRAGMA integrity_check')" = ok ]; then
			echo "ok   $label: before the schema was committed: no table, nothing reported committed"
		else
			echo "FAIL $label: no messages table, but $last messages were reported committed"
			fail=1
		fi
		return
	fi
	[ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || why="integrity_check: $(q "$db" 'PRAGMA integrity_check' | head -3)"
	n=$(q "$db" 'SELECT count(*) FROM messages')
	hi=$(q "$db" 'SELECT coalesce(max(id), 0) FROM messages')
	lo=$(q "$db" 'SELECT coalesce(min(id), 1) FROM messages')
	if [ -z "$why" ] && { [ "$n" != "$hi" ] || [ "$lo" != 1 ]; }; then
		why="ids not contiguous: $n rows, ids $lo..$hi"
	elif [ -z "$why" ] && [ $((n % every)) != 0 ] && [ "$n" != "$total" ]; then
		why="$n messages: not a sync boundary (every $every)"
	elif [ -z "$why" ] && [ "$n" -lt "${last:-0}" ]; then
		why="$n messages, but $last were committed"
	fi
	idx=$(q "$db" "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
	[ -z "$why" ] && [ "$idx" != 15 ] && why="$idx indexes, not 15"
	for ref in "call calls" "dialog dialogs" "txn transactions"; do
		set -- $ref
		[ -n "$why" ] && break
		miss=$(q "$db" "SELECT count(*) FROM messages m WHERE m.$1 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM $2 x WHERE x.id = m.$1)")
		[ "$miss" = 0 ] || why="$miss messages name a missing row of $2"
	done
	if [ -z "$why" ]; then
		got=$("$BENCH" -L "$db" 2>&1) || why="db_load: $got"
		[ -n "$why" ] || [ "$got" = "messages $n calls $(q "$db" 'SELECT count(*) FROM calls')" ] ||
			why="db_load read back '$got', the database holds $n messages"
	fi
	if [ -z "$why" ]; then
		echo "ok   $label: $n of $total messages (last reported commit ${last:-none})"
	else
		echo "FAIL $label: $why"
		fail=1
	fi
}

check "$T/full.db" "$T/full.log" "whole run, sync every $EVERY" $EVERY
check "$T/bulk.db" "$T/bulk.log" "whole run, sync every $BULK" $BULK
i=1
while [ $i -le "$ROUNDS" ]; do
	rm -f "$T/c.db" "$T/c.db-wal" "$T/c.db-shm" "$T/c.db-journal"
	every=$EVERY ms=$ms_small
	[ $((i % 2)) = 0 ] && every=$BULK ms=$ms_bulk
	delay=$(awk -v s="$$$i" -v ms="$ms" 'BEGIN { srand(s); printf "%.3f", rand() * ms * 1.1 / 1000 }')
	"$BENCH" -n $every "$T/x.pcap" "$T/c.db" >"$T/c.log" 2>/dev/null &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	hot=
	[ -s "$T/c.db-journal" ] && hot=", inside a bulk sync"
	if [ -e "$T/c.db" ]; then
		check "$T/c.db" "$T/c.log" "sync every $every, killed after ${delay}s$hot" $every
	else
		echo "ok   killed after ${delay}s: before the database was created"
	fi
	i=$((i + 1))
done
exit $fail
