#!/bin/sh
# UI tests: sipscope's viewer driven in tmux (send-keys / capture-pane) on
# the samples.  Each test starts the viewer in a detached tmux session on
# a private socket, sends keys, waits (bounded) for the screen to show
# what it should, and checks how the process ended.
# Usage: SIPSCOPE=build/sipscope sh tests/ui/run.sh
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SIPSCOPE:-$ROOT/sipscope}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
S=$ROOT/samples
T=$(mktemp -d)
SOCK=sipscope-ui-$$-0
nstart=0
export TZ=UTC
pass=0 fail=0 skip=0

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -30; }
skp()  { skip=$((skip + 1)); echo "skip $1"; }

if ! command -v tmux >/dev/null 2>&1; then
	echo "skip all UI tests: tmux is not installed"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

tm() { tmux -L "$SOCK" "$@"; }
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$T"; }
# Each viewer gets a tmux server of its own: a server being killed cannot
# swallow the next session.
trap cleanup EXIT INT TERM

# start W H ARGS... : the viewer in a fresh session; its exit code goes to $T/rc
start() {
	w=$1 h=$2
	shift 2
	tm kill-server >/dev/null 2>&1
	nstart=$((nstart + 1))
	SOCK=sipscope-ui-$$-$nstart
	rm -f "$T/rc"
	printf '%s ' "$@" >"$T/args"
	tm new-session -d -s ui -x "$w" -y "$h" \
		"${UI_ENV:-} TERM=xterm-256color $BIN $* 2>$T/stderr; echo \$? >$T/rc; sleep 30"
	tm set-option -g status off >/dev/null 2>&1 || true
	# Shown when the capture fails: not the content of a missing pane.
	tm has-session -t ui 2>/dev/null || echo "     (tmux could not start a session)"
}
screen() { tm capture-pane -p -t ui >"$T/screen"; }
keys() { tm send-keys -t ui "$@"; }
# wait_for PATTERN: up to 5 s for the screen to show PATTERN (grep -E)
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		screen
		grep -qE -- "$1" "$T/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# wait_exit: up to 5 s for the viewer to end; its exit code in $rc
wait_exit() {
	i=0
	while [ $i -lt 50 ]; do
		[ -s "$T/rc" ] && { rc=$(cat "$T/rc"); return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	rc=none
	return 1
}
check() { # check NAME PATTERN: wait for PATTERN, report
	if wait_for "$2"; then ok "$1"; else bad "$1" "$T/screen"; fi
}
line_no() { grep -nE -- "$1" "$T/screen" | head -1 | cut -d: -f1; }

# --- call list --------------------------------------------------------------
start 100 30 -r "$S/proxy_rr_udp.pcap"
check "call list shows the proxy sample's three calls" "^ +3 +[0-9:.]+ +INVITE +completed +200"
if [ "$(grep -cE '^ +[0-9]+ +[0-9:.]+ +INVITE' "$T/screen")" = 3 ]; then ok "one row per call"
else bad "one row per call" "$T/screen"; fi
grep -q "Calls: 3/3" "$T/screen" && ok "status bar counts the calls" || bad "status bar counts the calls" "$T/screen"

# --- ladder -----------------------------------------------------------------
keys Enter
check "Enter opens the ladder" "Call flow 1 "
# Arrows in capture order, right direction: the proxy's hops side by side.
inv=$(line_no 'INVITE \(SDP\) ─+>│')
try=$(line_no '│<.*100 trying')
ring=$(line_no '│<─+ 180 Ringing ─+│ ')
ack=$(line_no '─ ACK ─+>│ ')
if [ -n "$inv" ] && [ -n "$try" ] && [ -n "$ring" ] && [ -n "$ack" ] &&
	[ "$inv" -lt "$try" ] && [ "$try" -lt "$ring" ] && [ "$ring" -lt "$ack" ]; then
	ok "ladder arrows in order and direction (INVITE >, 100 <, 180 <, ACK >)"
else bad "ladder arrows in order and direction" "$T/screen"; fi
head -3 "$T/screen" | grep -q "127.0.0.1:25130 .*127.0.0.1:15130 .*127.0.0.1:15131" &&
	ok "one column per endpoint: UAC, proxy, UAS" || bad "one column per endpoint: UAC, proxy, UAS" "$T/screen"
grep -q "audio 127.0.0.1:26130 PCMU" "$T/screen" && ok "SDP summary under the offer" ||
	bad "SDP summary under the offer" "$T/screen"
grep -q "^Frame 1 " "$T/screen" && ok "split pane shows the selected message" ||
	bad "split pane shows the selected message" "$T/screen"

# The text ladder is the same drawing.
# (The viewer's first column is the diff mark's: the ladder is 99 wide.)
"$BIN" flow -r "$S/proxy_rr_udp.pcap" -c 1 --width 99 >"$T/flow.txt"
sed -n '2,8p' "$T/flow.txt" | sed 's/ *$//' >"$T/a"
sed -n '2,8p' "$T/screen" | cut -c2- | sed 's/ *$//' >"$T/b"
if cmp -s "$T/a" "$T/b"; then ok "UI ladder and 'sipscope flow' draw the same lines"
else diff "$T/a" "$T/b" >"$T/d"; bad "UI ladder and 'sipscope flow' draw the same lines" "$T/d"; fi

# --- message view -------------------------------------------------------------
keys j j Enter
check "Enter on a message opens it" "Message 3"
grep -q "^INVITE sip:bob@127.0.0.1:15131" "$T/screen" && grep -q "^Record-Route: <sip:127.0.0.1:15130;lr" "$T/screen" &&
	ok "message view: the proxy's INVITE with its Record-Route" || bad "message view: the proxy's INVITE" "$T/screen"
keys v
check "v in the message view: the headers taken apart" "port=25130  branch=z9hG4bK-12775-1-0  received="
keys q
check "q goes back to the ladder" "Call flow 1 "

# --- diff -------------------------------------------------------------------------
keys g Space j j d
check "Space, move, d: diff of two messages" "Diff of messages 1 and 3"
grep -qE '^\+ *Record-Route' "$T/screen" || grep -qE '\+Record-Route' "$T/screen" &&
	ok "diff marks the header only the later message has" || bad "diff marks the added header" "$T/screen"
keys q q
check "back to the call list" "Call list"

# --- help ---------------------------------------------------------------------------
keys '?'
check "? opens the help" "^ *Everywhere"
keys q

# --- search and filter ----------------------------------------------------------------
keys / '3-12775' Enter
wait_for "Call list" >/dev/null
keys Enter
check "/ search moves to the call whose messages match" "Call flow 3 "
keys q
keys f 'callid=2-' Enter
check "filter keeps the matching calls" "Calls: 1/3"
grep -cE '^ +[0-9]+ +[0-9:.]+ +INVITE' "$T/screen" | grep -qx 1 && ok "filter shows one row" || bad "filter shows one row" "$T/screen"
keys x
check "x clears the filter" "Calls: 3/3"

# --- sorting ----------------------------------------------------------------------------
keys r
check "r reverses the order" "sort: # desc"
first=$(grep -E '^ +[0-9]+ +[0-9:.]+ +INVITE' "$T/screen" | head -1 | awk '{print $1}')
[ "$first" = 3 ] && ok "reversed: call 3 first" || bad "reversed: call 3 first" "$T/screen"

# --- resize ------------------------------------------------------------------------------
tm resize-window -t ui -x 80 -y 24 2>/dev/null || tm refresh-client -C 80x24 2>/dev/null
check "redraws at 80x24" "^ sipscope - Call list"
awk 'length($0) > 80' "$T/screen" | grep -q . && bad "nothing wider than 80 columns" "$T/screen" ||
	ok "nothing wider than 80 columns"

# --- quit ----------------------------------------------------------------------------------
keys Q
if wait_exit && [ "$rc" = 0 ]; then ok "Q quits with status 0"; else bad "Q quits with status 0 (rc=$rc)" "$T/stderr"; fi

# --- findings: the problems column, the mark on the arrow, the message view ----
start 120 40 -r "$S/lossy_udp.pcap"
check "problems column: call 1 has two errors" "^ +1 +[0-9:.]+ +INVITE +completed +200 +2E "
grep -qE '^ +2 +[0-9:.]+ +INVITE +completed +200 +- ' "$T/screen" && grep -q "Problems" "$T/screen" &&
	ok "problems column: '-' for a call without findings" || bad "problems column: '-' for a call without findings" "$T/screen"
keys f 'problem=error' Enter
check "filter problem=error keeps call 1 only" "Calls: 1/8"
keys x
wait_for "Calls: 8/8" >/dev/null
keys Enter
check "call 1's ladder: the 2xx of frame 3 marked" '│<─+ ! 200 OK \(SDP\) ─+│'
grep -qE '│─+ ! BYE ─+>│' "$T/screen" && ok "call 1's ladder: the BYE of frame 64 marked" ||
	bad "call 1's ladder: the BYE of frame 64 marked" "$T/screen"
[ "$(grep -c ' ! ' "$T/screen")" = 2 ] && ok "call 1's ladder: only those two marked" ||
	bad "call 1's ladder: only those two marked" "$T/screen"
keys j j Enter
check "message view of frame 3 lists its finding" "^error +ack-missing +RFC 3261 13.3.1.4 +2xx to INVITE was never ACKed"
above=$(line_no "ack-missing")
start_line=$(line_no "^SIP/2.0 200 OK")
[ -n "$above" ] && [ -n "$start_line" ] && [ "$above" -lt "$start_line" ] &&
	ok "... above the message text" || bad "... above the message text" "$T/screen"
keys Q
wait_exit

# --- 80x24 ladder, ASCII, no color --------------------------------------------------------
start 80 24 -r "$S/busy_udp.pcap" --ascii
check "busy sample listed" "INVITE +busy +486"
keys Enter
check "ASCII ladder" '\|<-+ 486 Busy Here -+\|'
if LC_ALL=C grep -q "$(printf '\342')" "$T/screen"; then bad "--ascii draws no UTF-8 lines" "$T/screen"; else ok "--ascii draws no UTF-8 lines"; fi
keys q q
wait_exit && [ "$rc" = 0 ] && ok "q from the list quits" || bad "q from the list quits (rc=$rc)" "$T/stderr"

colors() { tm capture-pane -e -p -t ui | grep -c "$(printf '\033')\[3[1-7]m\|$(printf '\033')\[38;5"; }
start 100 30 -r "$S/busy_udp.pcap"
wait_for "INVITE +busy" >/dev/null
with=$(colors)
UI_ENV="NO_COLOR=1" start 100 30 -r "$S/busy_udp.pcap"
if wait_for "INVITE +busy" && [ "$with" -gt 0 ] && [ "$(colors)" = 0 ]; then ok "colors by state, none with NO_COLOR"
else bad "colors by state, none with NO_COLOR ($with with, $(colors) without)" "$T/screen"; fi

# --- hostile bytes never reach the terminal raw ---------------------------------------------
python3 "$ROOT/tests/integration/mkpcap.py" escapes "$T/escapes.pcap"
start 120 30 -r "$T/escapes.pcap"
check "escapes capture listed" "OPTIONS"
keys Enter
wait_for "Call flow" >/dev/null
keys Enter
check "message view of the hostile message" "Message 1"
if grep -q 'evil-\\x1b\[31mred\\x1b\[0m-\\x07\\x9b2J' "$T/screen"; then
	ok "ESC, BEL and C1 bytes from the wire shown escaped"
else bad "ESC, BEL and C1 bytes from the wire shown escaped" "$T/screen"; fi
tm capture-pane -e -p -t ui >"$T/raw"
if grep -q "$(printf '\033')\[31mred" "$T/raw"; then bad "the wire's color sequence did not take effect" "$T/raw"
else ok "the wire's color sequence did not take effect"; fi
keys Q
wait_exit

# --- a pipe that stays open: calls shown as they come, keys answered -----------------
tm kill-server >/dev/null 2>&1
nstart=$((nstart + 1)); SOCK=sipscope-ui-$$-$nstart; rm -f "$T/rc"
tm new-session -d -s ui -x 100 -y 24 \
	"(cat $S/basic_udp.pcap; sleep 20) | { TERM=xterm-256color $BIN -r - 2>$T/stderr; echo \$? >$T/rc; }; sleep 30"
check "-r - from a pipe still open: the calls so far are listed" "^ +3 +[0-9:.]+ +INVITE +completed"
keys q
if wait_exit && [ "$rc" = 0 ]; then ok "... and q quits at once, the pipe still open"
else bad "... and q quits at once, the pipe still open (rc=$rc)" "$T/stderr"; fi

# --- --max-calls: a pipe of many calls, the oldest finished ones evicted ----------------
if ${CC:-cc} -std=c11 -O2 -o "$T/gen_capture" "$ROOT/tests/bench/gen_capture.c" 2>/dev/null &&
	"$T/gen_capture" -n 600 -o "$T/many.pcap" >/dev/null; then
	tm kill-server >/dev/null 2>&1
	nstart=$((nstart + 1)); SOCK=sipscope-ui-$$-$nstart; rm -f "$T/rc"
	tm new-session -d -s ui -x 160 -y 24 \
		"(cat $T/many.pcap; sleep 20) | { TERM=xterm-256color $BIN -r - --max-calls 5 2>$T/stderr; echo \$? >$T/rc; }; sleep 30"
	check "-r - --max-calls 5: the status line counts the evicted calls" "Evicted: [1-9][0-9]* calls"
	if grep -qE "Calls: [0-9]+/([0-9]|[0-9][0-9]|[1-5][0-9][0-9]) " "$T/screen"; then
		ok "... and the list holds fewer than the 690 calls"
	else bad "... and the list holds fewer than the 690 calls" "$T/screen"; fi
	keys Enter
	check "... a kept call's flow opens" "Call flow"
	keys q q
	if wait_exit && [ "$rc" = 0 ]; then ok "... and q quits"
	else bad "... and q quits (rc=$rc)" "$T/stderr"; fi
else
	bad "--max-calls: cannot build tests/bench/gen_capture.c"
fi

# --- credentials are cut unless asked for ----------------------------------------------
start 200 30 -r "$S/register_udp.pcap"
check "register sample listed" "REGISTER"
keys Enter
wait_for "Call flow" >/dev/null
keys j j Enter
check "message view of the REGISTER with credentials" "Message 3"
if grep -q 'Authorization: Digest username="alice".*response="[0-9a-f]\{1,4\}…"' "$T/screen" &&
	! grep -q 'response="[0-9a-f]\{32\}"' "$T/screen"; then ok "Authorization shown with its response cut"
else bad "Authorization shown with its response cut" "$T/screen"; fi
keys a
if wait_for ' nonce="[0-9a-f]{32}"'; then ok "a shows the credentials in full"
else bad "a shows the credentials in full" "$T/screen"; fi
keys Q
wait_exit

# --- live capture on loopback (root only: capturing needs CAP_NET_RAW) ------------------
if [ "$(id -u)" = 0 ]; then
	port=$((17000 + $$ % 900))
	start 100 24 -i lo udp portrange $port-$((port + 1))
	if wait_for "live on lo"; then
		python3 "$ROOT/tests/ui/send_call.py" $port $((port + 1)) "live-$$@test" 0.02
		check "live capture: a call sent on loopback appears in the list" "INVITE +completed +200"
		keys Enter
		check "live capture: its ladder" "BYE ─+>│"
		keys q f
		wait_for "Filter:" >/dev/null
		python3 "$ROOT/tests/ui/send_call.py" $port $((port + 1)) "live2-$$@test" 0.02
		check "live capture goes on while a prompt is open (14 messages counted)" "Messages: 14 "
		keys Escape
		keys Q
		wait_exit && [ "$rc" = 0 ] && ok "live capture: Q quits with status 0" ||
			bad "live capture: Q quits with status 0 (rc=$rc)" "$T/stderr"
	elif wait_exit; then
		skp "live capture on lo: $(cat "$T/stderr")"
	else bad "live capture: the viewer started" "$T/screen"; fi
else
	skp "live capture on lo: needs root"
fi

# --- the interface goes away: the capture stops, said so, no busy loop --------------
# (in a network namespace the test makes itself)
NS=sipscope-ui-$$
if [ "$(id -u)" = 0 ] && ip netns add "$NS" 2>/dev/null; then
	ip netns exec "$NS" ip link add ssv0 type veth peer name ssv1 &&
		ip netns exec "$NS" ip link set ssv0 up && ip netns exec "$NS" ip link set ssv1 up &&
		ip netns exec "$NS" ip link set lo up
	# several -i in the viewer, with the live options (-B, -s, --no-promisc)
	nstart=$((nstart + 1)); SOCK=sipscope-ui-$$-$nstart; rm -f "$T/rc"
	tm new-session -d -s ui -x 120 -y 24 \
		"ip netns exec $NS env TERM=xterm-256color $BIN -i lo -i ssv0 -B 4096 -s 2000 --no-promisc udp portrange 17990-17991 2>$T/stderr; echo \$? >$T/rc; sleep 30"
	if wait_for "live on lo,ssv0"; then
		ip netns exec "$NS" python3 "$ROOT/tests/ui/send_call.py" 17990 17991 "multi-$$@test" 0.02
		check "several -i in the viewer: a call on one of them appears" "INVITE +completed +200"
		check "... and the status bar counts kernel and interface drops" "Dropped: 0 kernel, 0 interface"
		keys Q
		wait_exit && [ "$rc" = 0 ] && ok "... and Q quits with status 0" || bad "... and Q quits (rc=$rc)" "$T/stderr"
	else bad "several -i in the viewer: the capture started" "$T/screen"; fi
	nstart=$((nstart + 1)); SOCK=sipscope-ui-$$-$nstart; rm -f "$T/rc"
	tm new-session -d -s ui -x 100 -y 24 \
		"ip netns exec $NS env TERM=xterm-256color $BIN -i ssv0 2>$T/stderr; echo \$? >$T/rc; sleep 30"
	if wait_for "live on ssv0"; then
		ip netns exec "$NS" ip link del ssv0
		check "interface removed: the title says the capture stopped" "capture on ssv0 stopped"
		pid=$(pgrep -n -x "$(basename "$BIN")")
		t1=$(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null)
		sleep 1
		t2=$(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null)
		if [ -n "$t1" ] && [ $((t2 - t1)) -lt 20 ]; then ok "... and the viewer idles (cpu ticks in 1 s: $((t2 - t1)))"
		else bad "... and the viewer idles (cpu ticks in 1 s: ${t1:-?} -> ${t2:-?})"; fi
		keys Q
		wait_exit && [ "$rc" = 0 ] && ok "... and Q still quits" || bad "... and Q still quits (rc=$rc)" "$T/stderr"
	else bad "capture on a veth in a namespace started" "$T/screen"; fi
	ip netns del "$NS" 2>/dev/null
else
	skp "interface removal: needs root and ip netns"
fi

# --- bad input ----------------------------------------------------------------------------------
start 80 24 -r "$T/missing.pcap"
if wait_exit && [ "$rc" = 2 ] && grep -q "missing.pcap" "$T/stderr"; then ok "a missing file: status 2 and a message"
else bad "a missing file: status 2 and a message (rc=$rc)" "$T/stderr"; fi

# --- save as .pcap: the packets of the calls shown ---------------------------
start 100 30 -r "$S/frag_udp.pcap"
check "save .pcap: the fragmented calls are listed" "^ +2 +[0-9:.]+ +INVITE +completed +200"
keys w C-u "$T/saved.pcap" Enter
check "save .pcap: the viewer says it saved them" "saved 2 calls"
n=$("$BIN" calls -r "$T/saved.pcap" --format csv 2>/dev/null | tail -n +2 | grep -c ',completed,')
f=$(tcpdump -n -r "$T/saved.pcap" 2>/dev/null | wc -l)
[ "$n" = 2 ] && [ "$f" = 26 ] && ok "save .pcap: every fragment written (26 frames), read back as the 2 calls" ||
	bad "save .pcap: every fragment written, read back as the 2 calls ($n calls, $f frames)"
keys Q
wait_exit

# --- sqlite: --db writes the calls, -r reads a database back -----------------
rm -f "$T/ui.db"
start 100 30 -r "$S/cancel_udp.pcap" --db "$T/ui.db"
check "--db: the viewer shows the calls it stores" "^ +3 +[0-9:.]+ +INVITE +cancelled +487"
keys Q
wait_exit
n=$("$BIN" calls -r "$T/ui.db" --format csv 2>/dev/null | tail -n +2 | grep -c ',cancelled,')
[ "$rc" = 0 ] && [ "$n" = 3 ] && ok "--db: after quitting, the database holds the 3 cancelled calls" ||
	bad "--db: after quitting, the database holds the 3 cancelled calls (rc $rc, $n calls)" "$T/stderr"
start 100 30 -r "$T/ui.db"
check "-r CALLS.db: the viewer browses a database" "^ +3 +[0-9:.]+ +INVITE +cancelled +487"
keys Enter
check "... and draws a call's ladder from it" "CANCEL"
keys w C-u "$T/x.pcap" Enter
check "... where saving as .pcap says why not" "holds no packets"
keys Q
wait_exit

# --- --rtp: the media column and the RTP bands ------------------------------
start 160 30 -r "$S/rtp_oneway.pcap" --rtp
check "--rtp: the call list has a media column" "Problems +Media"
check "--rtp: the one-way call shows its 2 streams with the problem marker" "^ +1 +[0-9:.]+ +INVITE +completed +200 +- +2 RTP! "
keys Enter
check "--rtp: the ladder shows the RTP band between the SDP senders" "│═+ ! RTP PCMA/8000 236 pkts ═+>│"
check "... its figures under it" "lost 0, jitter 0.49 ms, MOS 4.40"
check "... and its problem" "! one-way"
keys Q
wait_exit
[ "$rc" = 0 ] && ok "--rtp: the viewer quits cleanly" || bad "--rtp: the viewer quits cleanly (rc $rc)" "$T/stderr"
start 160 30 -r "$S/rtp_loss.pcap" -r "$S/rtp_oneway.pcap" --filter media=loss
check "--filter media=loss: the viewer follows media and keeps the lossy call" "Calls: 1/2"
keys Enter
check "... whose ladder names the loss" "! loss 5.4%"
keys Q
wait_exit

# --- issue 18: ladder, message view, diff ---
python3 "$ROOT/tests/integration/mkpcap.py" ladder "$T/ladder.pcap"
# Three calls through a proxy, seven endpoints: marked with Space, opened with Enter.
start 160 40 -r "$T/ladder.pcap"
wait_for "Calls: 3/3" >/dev/null
keys Space Space Space Enter
check "multi-call ladder: a legend row names each call" "^1 sip:alice@example.com -> sip:bob@example.com  2 sip:alice"
keys p
check "multi-call ladder, 160 columns: labels whole" "│─ INVITE \(SDP\) \(retr\) ─>│"
grep -q "192\.0\.2\.10:5060 " "$T/screen" && grep -q " 192\.0\.2\.32:5060" "$T/screen" &&
	ok "multi-call ladder, 160 columns: addresses whole" || bad "multi-call ladder, 160 columns: addresses whole" "$T/screen"
grep -qE "^ 22:13:20\.000000 1 +│" "$T/screen" && grep -qE "^ 22:13:28\.000000 2 +│" "$T/screen" &&
	grep -qE "^ 22:13:35\.000000 3 +│" "$T/screen" && grep -qE "^ +# +192" "$T/screen" &&
	ok "multi-call ladder: each arrow carries its call's number" || bad "multi-call ladder: each arrow carries its call's number" "$T/screen"
# SDP once per transaction: nothing under the retransmitted INVITE.
n=$(line_no "INVITE \(SDP\) \(retr\)")
if [ -n "$n" ] && sed -n "$((n + 1))p" "$T/screen" | grep -q "100 Trying"; then ok "ladder: no SDP summary under a retransmission"
else bad "ladder: no SDP summary under a retransmission" "$T/screen"; fi
check "ladder: an IPv6 SDP address in brackets" "audio \[2001:db8::1\]:6004 PCMU,PCMA"
# The diff mark in a column of its own: the time keeps its first digit.
keys g Space
check "the diff mark has its own column" "^\*22:13:20\.000000 1 "
keys m
check "per-host view: labels whole where the columns have room" "│─+ INVITE \(SDP\) \(retr\) ─+>│"
grep -qE "│ audio 192\.0\.2\.10:6000 PCMU,PCMA +│" "$T/screen" && ok "per-host view: SDP summaries whole where the columns have room" ||
	bad "per-host view: SDP summaries whole where the columns have room" "$T/screen"
keys Q
wait_exit
start 80 24 -r "$T/ladder.pcap"
wait_for "Calls: 3/3" >/dev/null
keys Space Space Space Enter
wait_for "Call flow of 3 calls" >/dev/null
keys p
check "80 columns: addresses cut at a dot, keeping their end" "^ +# +192\.0\.2\.10:5060 +…0\.2\.20:5060 +…0\.2\.20:5070 *$"
keys l l l l l l
# Scrolled sideways: the lifelines move, the time and call columns stay.
check "80 columns, scrolled sideways: the time and call columns stay" "^ 22:13:23\.000000 1 │─ ! INVITE \(SDP\) ─>│"
grep -q "192\.0\.2\.10:5060" "$T/screen" && bad "80 columns, scrolled sideways: the first lifeline went" "$T/screen" ||
	ok "80 columns, scrolled sideways: the first lifeline went"
keys Q
wait_exit
# t m S kept from one ladder to the next.
start 120 40 -r "$T/ladder.pcap"
wait_for "Calls: 3/3" >/dev/null
keys Enter
wait_for "Call flow 1 " >/dev/null
keys t
wait_for "time: since previous" >/dev/null
keys m
wait_for "one column per host" >/dev/null
keys S
wait_for "SDP summaries hidden" >/dev/null
keys q j Enter
check "t m S kept: the next call's ladder opens" "Call flow 2 "
grep -qE "^ +\+1\.000000 " "$T/screen" && ok "t kept: time since the previous message" ||
	bad "t kept: time since the previous message" "$T/screen"
grep -qE "^ +192\.0\.2\.11 +192\.0\.2\.20 +192\.0\.2\.31 *$" "$T/screen" && ok "m kept: one column per host" ||
	bad "m kept: one column per host" "$T/screen"
grep -q "audio " "$T/screen" && bad "S kept: no SDP summaries" "$T/screen" || ok "S kept: no SDP summaries"
keys Q
wait_exit
# Diff: a changed line pairs with its counterpart, only what differs in reverse.
start 160 40 -r "$T/ladder.pcap"
wait_for "Calls: 3/3" >/dev/null
keys Enter
wait_for "Call flow 1 " >/dev/null
keys Space j j j d
check "diff: the changed Via lines side by side" "^-Via: .*branch=z9hG4bK0a +. ?\+Via: .*branch=z9hG4bK0b *$"
tm capture-pane -e -p -t ui >"$T/screen_e"
grep -qP '\x1b\[0m(\x1b\[[0-689;]*m)*Via: SIP/2\.0/UDP 192\.0\.2\.1:5099;branch=z9hG4bK0\x1b\[[0-9;]*7[0-9;]*m(\x1b\[[0-9;]*m)*a' "$T/screen_e" &&
	grep -qP ';branch=z9hG4bK0\x1b\[[0-9;]*7[0-9;]*m(\x1b\[[0-9;]*m)*b' "$T/screen_e" &&
	ok "diff: the differing part highlighted (reverse), the common part not" ||
	bad "diff: the differing part highlighted (reverse), the common part not" "$T/screen_e"
keys Q
wait_exit
# --rtp: an RTP band is selected with j k like an arrow; Enter shows the stream.
start 160 30 -r "$S/rtp_oneway.pcap" --rtp
wait_for "Calls: 1/1" >/dev/null
keys Enter
wait_for "RTP PCMA/8000 236 pkts" >/dev/null
keys j j j j j
tm capture-pane -e -p -t ui >"$T/screen_e"
grep "RTP PCMA/8000 236 pkts" "$T/screen_e" | grep -qP '\x1b\[[0-9;]*7[0-9;]*m' &&
	ok "--rtp: j moves from the ACK onto the RTP band (highlighted)" ||
	bad "--rtp: j moves from the ACK onto the RTP band (highlighted)" "$T/screen_e"
check "--rtp: the pane shows the selected band's stream" "RTP stream  127\.0\.0\.1:26200 -> 127\.0\.0\.1:16200  call 1"
keys Enter
check "--rtp: Enter on a band shows the stream" "^RTP stream  127\.0\.0\.1:26200 -> 127\.0\.0\.1:16200  call 1"
ssrc=$("$BIN" rtp -r "$S/rtp_oneway.pcap" --format csv | sed -n 2p | cut -d, -f4)
grep -q "^SSRC: $ssrc$" "$T/screen" && grep -q "^Codec: PCMA/8000 (payload type 8" "$T/screen" &&
	grep -q "^Packets: 236 " "$T/screen" && grep -q "^Lost: 0 of 236 expected" "$T/screen" &&
	grep -q "^Jitter: mean 0.490 ms" "$T/screen" && grep -q "^MOS: 4.40" "$T/screen" &&
	grep -q "^Problems: one-way" "$T/screen" &&
	ok "--rtp: the stream's SSRC, codec, packets, loss, jitter, MOS, problems (as 'sipscope rtp')" ||
	bad "--rtp: the stream's SSRC, codec, packets, loss, jitter, MOS, problems (as 'sipscope rtp')" "$T/screen"
keys q k
tm capture-pane -e -p -t ui >"$T/screen_e"
grep -E "─ ACK ─" "$T/screen_e" | grep -qP '\x1b\[[0-9;]*7[0-9;]*m' && ok "--rtp: q back, k from the band to the ACK" ||
	bad "--rtp: q back, k from the band to the ACK" "$T/screen_e"
keys Q
wait_exit
# The message view: lines from column 0, a cut line ends in '>'.
start 80 24 -r "$T/ladder.pcap"
wait_for "Calls: 3/3" >/dev/null
keys Enter Enter
check "message view: lines from column 0" "^INVITE sip:bob0@example.com SIP/2.0"
grep "^Frame 1 " "$T/screen" | awk 'length($0) == 80 && /[^>]>$/ { f = 1 } END { exit !f }' && ok "message view: a cut line ends in '>' in the last column" ||
	bad "message view: a cut line ends in '>' in the last column" "$T/screen"
grep -qE "^Via: .*[^>]$" "$T/screen" && ok "message view: a whole line has no '>'" || bad "message view: a whole line has no '>'" "$T/screen"
keys l
check "message view: l scrolls sideways" "^ 2023-11-14 22:13:20"
keys Q
wait_exit

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
