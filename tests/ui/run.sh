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
# No config file of the developer's (~/.config/sipscope/config) nor the
# system's (/etc/sipscope/config) reaches the tests: both point into $T.
mkdir -p "$T/xdg" "$T/etc"
export XDG_CONFIG_HOME="$T/xdg" SIPSCOPE_SYSCONFDIR="$T/etc"
unset NO_COLOR
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
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM # a stopped run ends (the EXIT trap cleans up), not carry on without its files

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
# screen: the pane's text into $T/screen, once two captures 30 ms apart
# agree (a capture taken mid-redraw shows half of two screens)
screen() {
	tm capture-pane -p -t ui >"$T/screen"
	si=0
	while [ $si -lt 10 ]; do
		sleep 0.03
		tm capture-pane -p -t ui >"$T/screen.2"
		cmp -s "$T/screen" "$T/screen.2" && return 0
		mv "$T/screen.2" "$T/screen"
		si=$((si + 1))
	done
}
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
wait_for "Quit\?" >/dev/null
keys y
if wait_exit && [ "$rc" = 0 ]; then ok "... and q, y quits, the pipe still open"
else bad "... and q, y quits, the pipe still open (rc=$rc)" "$T/stderr"; fi

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
	wait_for "Quit\?" >/dev/null
	keys y
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
		sleep 0.2 # Esc then Q within 25 ms would be Alt+Q
		keys Q
		wait_for "Quit\?" >/dev/null
		keys y
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
		wait_for "Quit\?" >/dev/null
		keys y
		wait_exit && [ "$rc" = 0 ] && ok "... and Q quits with status 0" || bad "... and Q quits (rc=$rc)" "$T/stderr"
	else bad "several -i in the viewer: the capture started" "$T/screen"; fi
	nstart=$((nstart + 1)); SOCK=sipscope-ui-$$-$nstart; rm -f "$T/rc"
	tm new-session -d -s ui -x 100 -y 24 \
		"ip netns exec $NS env TERM=xterm-256color $BIN -i ssv0 2>$T/stderr; echo \$? >$T/rc; sleep 30"
	if wait_for "live on ssv0"; then
		ip netns exec "$NS" ip link del ssv0
		check "interface removed: the title says the capture stopped" "capture on ssv0 stopped"
		# The viewer of this pane (a child of its shell), not any sipscope on
		# the machine: another test run may have one going.
		pid=$(pgrep -n -x -P "$(tm display-message -p -t ui '#{pane_pid}')" "$(basename "$BIN")")
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

# --- issue 18: call list ---
# wait_long PATTERN TENTHS: as wait_for, longer (a big capture loading)
wait_long() {
	i=0
	while [ $i -lt "$2" ]; do
		screen
		grep -qE -- "$1" "$T/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# row N: line N of the last screen
row() { sed -n "${1}p" "$T/screen"; }
python3 "$ROOT/tests/integration/mkpcap.py" options100k "$T/o100k.pcap"
start 100 24 -r "$T/o100k.pcap"
if wait_long "Calls: 100000/100000" 150; then
	keys G
	check "100,000 calls: G shows call 100000 whole (it was cut to 10000)" "^ +100000 +[0-9:.]+ +OPTIONS "
	grep -qE '^ +99999 +[0-9:.]+ +OPTIONS ' "$T/screen" && ok "... the # column wide enough for both" ||
		bad "... the # column wide enough for both" "$T/screen"
	grep -q "\[following\]" "$T/screen" && ok "G: the title says it follows" || bad "G: the title says it follows" "$T/screen"
	case "$(row 22)" in *█) ok "scrollbar: the thumb at the bottom after G" ;;
	*) bad "scrollbar: the thumb at the bottom after G" "$T/screen" ;; esac
	case "$(row 3)" in *│) ok "... the track above it" ;; *) bad "... the track above it" "$T/screen" ;; esac
	tm resize-window -t ui -x 100 -y 40 2>/dev/null || tm refresh-client -C 100x40 2>/dev/null
	wait_for "^ +99965 " >/dev/null
	if row 38 | grep -qE '^ +100000 ' && row 3 | grep -qE '^ +99965 '; then
		ok "the window grows after G: the list fills it to the last call"
	else bad "the window grows after G: the list fills it to the last call" "$T/screen"; fi
	keys k
	wait_for "Call list" >/dev/null
	grep -q "\[following\]" "$T/screen" && bad "k stops following" "$T/screen" || ok "k stops following"
	keys g r
	check "r after g: the new order shown from its top" "^ +[0-9:.]+ +100000 +[0-9:.]+ +OPTIONS |sort: # desc"
	if row 3 | grep -qE '^ +100000 ' && row 4 | grep -qE '^ +99999 '; then
		ok "a sort shows the top of the new order (not where the cursor's call went)"
	else bad "a sort shows the top of the new order (not where the cursor's call went)" "$T/screen"; fi
	case "$(row 3)" in *█) ok "scrollbar: the thumb at the top" ;; *) bad "scrollbar: the thumb at the top" "$T/screen" ;; esac
	# A slow regex over 100,000 calls: progress on the status line, Esc
	# cancels (the screen froze until the end; this one would take minutes).
	keys f '~(.*)(.*)\2\1QQ' Enter
	check "a slow regex filter shows its progress" "filtering: [0-9]+% of 100000 calls +\(Esc cancels\)"
	keys M-x
	sleep 0.3
	check "... Alt+x does not cancel it (only Esc does)" "filtering: [0-9]+% of 100000 calls +\(Esc cancels\)"
	keys Escape
	check "... Esc cancels it" "filter cancelled"
	keys j
	check "... and the list is as before, unfiltered" "Calls: 100000/100000 "
	keys / '(.*)(.*)\2\1QQ' Enter
	check "a slow search shows its progress" "searching: [0-9]+% of 100000 calls +\(Esc cancels\)"
	keys Escape
	check "... Esc stops it" "search cancelled"
else
	bad "100,000 calls: loaded within 15 s" "$T/screen"
fi
keys Q
wait_exit

# Columns: the sort arrow on Code and Problems; From/To without sip:;
# units in the titles.
start 140 20 -r "$S/proxy_rr_udp.pcap"
check "From and To as user@host:port" "^ +1 +[0-9:.]+ +INVITE +completed +200 +- +alice@127.0.0.1:25130 +bob@127.0.0.1:15131 "
grep -q "sip:alice" "$T/screen" && bad "... no sip: left" "$T/screen" || ok "... no sip: left"
grep -qE "Setup ms +Dur s" "$T/screen" && ok "units in the titles: Setup ms, Dur s" ||
	bad "units in the titles: Setup ms, Dur s" "$T/screen"
keys '>' '>' '>' '>'
check "sorted by Code: its title has the arrow" "sort: Code asc"
grep -q "Code^" "$T/screen" && ok "... Code^" || bad "... Code^" "$T/screen"
keys '>'
check "sorted by Problems" "sort: Problems asc"
grep -q "Problems^" "$T/screen" && ok "... Problems^" || bad "... Problems^" "$T/screen"
keys Q
wait_exit

# 80x24: the columns that do not fit are a sideways scroll away, marked.
start 80 24 -r "$S/proxy_rr_udp.pcap"
check "80x24: the call list" "^ +1 +[0-9:.]+ +INVITE"
case "$(row 2)" in *'>') ok "80x24: '>' marks the columns hidden on the right" ;;
*) bad "80x24: '>' marks the columns hidden on the right" "$T/screen" ;; esac
grep -q "Destination" "$T/screen" && bad "80x24: Destination not shown before scrolling" "$T/screen" ||
	ok "80x24: Destination not shown before scrolling"
keys l l l l l l l l l l
check "l scrolls sideways to Destination and User-Agent" "Destination +User-Agent"
row 2 | grep -qE '^< +#' && ok "... '<' marks the columns scrolled away, # stays" || bad "... '<' marks the columns scrolled away, # stays" "$T/screen"
grep -qE '^ +1 +14 +[0-9]+ +[0-9.]+ +127.0.0.1:25130 +127.0.0.1:15130 +sipscope-samples' "$T/screen" &&
	ok "... the rows follow the titles" || bad "... the rows follow the titles" "$T/screen"
awk 'length($0) > 80' "$T/screen" | grep -q . && bad "... nothing wider than 80 columns" "$T/screen" ||
	ok "... nothing wider than 80 columns"
keys h h h h h h h h h h
check "h scrolls back to Start" "^  #\^ +Start "
keys l l l l l l l l l l
tm resize-window -t ui -x 200 -y 24 2>/dev/null || tm refresh-client -C 200x24 2>/dev/null
check "scrolled sideways, the window grows: every column back from Start" "^  #\^ +Start .* User-Agent"
keys Q
wait_exit

# The Problems cell in its own color on a colored row: the setup (yellow)
# call 3 of the B2BUA capture has errors: bold red, not yellow|red = cyan.
python3 "$ROOT/tests/integration/mkpcap.py" b2bua "$T/b2b.pcap"
start 140 20 -r "$T/b2b.pcap"
check "b2bua: call 3 in setup with errors" "^ +3 +[0-9:.]+ +INVITE +setup +5E"
E=$(printf '\033')
tm capture-pane -e -p -t ui | grep -E "^(${E}\[[0-9;]*m)* +3 " >"$T/raw3"
if grep -q "${E}\[31m5E 1I" "$T/raw3" && grep -q "${E}\[33m" "$T/raw3" && ! grep -q "${E}\[36m" "$T/raw3"; then
	ok "an error on a yellow row: the Problems cell red, the row yellow"
else cat -v "$T/raw3" >"$T/raw3v"; bad "an error on a yellow row: the Problems cell red, the row yellow" "$T/raw3v"; fi
keys Q
wait_exit
# A warning on a red row: busy call 1 with its INVITE sent twice at once
# (retrans-too-early): the cell yellow, not red|yellow = cyan.
python3 "$ROOT/tests/integration/pcap_trickle.py" "$S/busy_udp.pcap" 0 /dev/null "$T/junk" 1-1 1-100 >"$T/busyw.pcap"
start 140 20 -r "$T/busyw.pcap"
check "busy call 1 with a warning" "^ +1 +[0-9:.]+ +INVITE +busy +486 +1W "
keys j # the cursor off row 1: its own colors show
sleep 0.3
tm capture-pane -e -p -t ui | grep -E "^(${E}\[[0-9;]*m)* +1 " >"$T/raw1"
if grep -q "${E}\[33m1W" "$T/raw1" && grep -q "${E}\[31m" "$T/raw1" && ! grep -q "${E}\[36m" "$T/raw1"; then
	ok "a warning on a red row: the Problems cell yellow, the row red"
else cat -v "$T/raw1" >"$T/raw1v"; bad "a warning on a red row: the Problems cell yellow, the row red" "$T/raw1v"; fi
keys Q
wait_exit

# Filters and search see every leg: the B-leg alone goes to 192.0.2.20.
python3 "$ROOT/tests/integration/mkpcap.py" b2bua_to "$T/b2to.pcap"
start 140 20 -r "$T/b2to.pcap"
check "b2bua_to: two calls" "Calls: 2/2"
keys f 'to=192.0.2.20' Enter
check "filter to=192.0.2.20 keeps the call whose B-leg goes there" "Calls: 1/2"
grep -qE '^ +1 +[0-9:.]+ +INVITE +rejected +500 ' "$T/screen" && ok "... call 1" || bad "... call 1" "$T/screen"
keys x f 'ua=b2bua-out' Enter
check "filter ua= reads the B-leg's User-Agent" "Calls: 1/2"
keys Q
wait_exit

# Calls on two days: the date in Start.
python3 "$ROOT/tests/integration/pcap_trickle.py" "$S/basic_udp.pcap" 0 /dev/null "$T/junk" 1-12 13-21+86400 >"$T/days.pcap"
start 120 20 -r "$T/days.pcap"
check "calls on two days: the date in Start" "^ +3 +11-26 02:48:34.686 +INVITE"
grep -qE "^ +1 +11-25 02:48:34.186 +INVITE" "$T/screen" && ok "... on each row" || bad "... on each row" "$T/screen"
keys Q
wait_exit

# A pipe that stays open: G follows new calls; an answered call's Dur
# runs to the capture's clock before its BYE.
tm kill-server >/dev/null 2>&1
nstart=$((nstart + 1)); SOCK=sipscope-ui-$$-$nstart; rm -f "$T/rc"
tm new-session -d -s ui -x 120 -y 20 \
	"(python3 $ROOT/tests/integration/pcap_trickle.py $S/basic_udp.pcap 2 /dev/null $T/junk2 1-5 6-10+5 13-17+9; sleep 20) | { TERM=xterm-256color $BIN -r - 2>$T/stderr; echo \$? >$T/rc; }; sleep 30"
check "pipe: call 1 answered, no BYE yet" "^ +1 +[0-9:.]+ +INVITE +in_call +200 "
keys G
check "pipe: G follows" "\[following\]"
check "pipe: call 2 comes 5 s later (capture time)" "^ +2 +[0-9:.]+ +INVITE +in_call +200 "
grep -qE "^ +1 +[0-9:.]+ +INVITE +in_call +200 .* 5\.3( |$)" "$T/screen" &&
	ok "pipe: call 1's Dur runs to the capture's clock (5.3 s, not 0.0)" ||
	bad "pipe: call 1's Dur runs to the capture's clock (5.3 s, not 0.0)" "$T/screen"
if wait_for "^ +3 +[0-9:.]+ +INVITE +in_call +200 "; then
	keys Enter
	check "pipe: the cursor followed to call 3 (Enter opens its flow)" "Call flow 3 "
	keys q
else bad "pipe: call 3 came" "$T/screen"; fi
keys Q
wait_for "Quit\\?" >/dev/null
keys y
wait_exit

# Live: an answered call without BYE counts its Dur to the wall clock.
if [ "$(id -u)" = 0 ]; then
	port=$((18000 + $$ % 900))
	start 120 20 -i lo udp portrange $port-$((port + 1))
	if wait_for "live on lo"; then
		python3 "$ROOT/tests/ui/send_call.py" $port $((port + 1)) "tick-$$@test" 0.02 5
		check "live: the call answered, no BYE" "INVITE +in_call +200 "
		sleep 2.5
		check "live: its Dur ticks with the clock (2 s and more before any BYE)" \
			"INVITE +in_call +200 .* [2-9]\.[0-9]( |$)"
		keys Q
		wait_for "Quit\\?" >/dev/null
		keys y
		wait_exit
	elif wait_exit; then
		skp "live Dur on lo: $(cat "$T/stderr")"
	else bad "live Dur: the viewer started" "$T/screen"; fi
else
	skp "live Dur on lo: needs root"
fi

# --- issue 18: keys, quitting, prompts, saving ---
# Unknown escape sequences do nothing: Home as ESC [ 1 ~ (tmux, screen,
# PuTTY; xterm's terminfo says ESC O H), Alt+x, a modified arrow.
start 100 30 -r "$S/proxy_rr_udp.pcap"
wait_for "^ +3 +[0-9:.]+ +INVITE" >/dev/null
keys j j
tm send-keys -t ui -H 1b 5b 31 7e
sleep 0.3
if [ -s "$T/rc" ]; then bad "ESC [ 1 ~ (Home) on the call list: the viewer keeps running" "$T/stderr"
else ok "ESC [ 1 ~ (Home) on the call list: the viewer keeps running"; fi
keys Enter
check "... and Home went to the first call" "Call flow 1 "
keys q
wait_for "Call list" >/dev/null
keys j j
tm send-keys -t ui -H 1b 4f 48 # Home as ESC O H (xterm's own)
sleep 0.3
keys Enter
check "ESC O H (Home) on the call list too" "Call flow 1 "
keys q
wait_for "Call list" >/dev/null
screen; cp "$T/screen" "$T/before"
keys M-x
tm send-keys -t ui -H 1b 5b 31 3b 35 48 # Ctrl+Home (CSI 1;5H)
tm send-keys -t ui -H 1b 5b 32 30 30 7e # bracketed paste start (CSI 200~)
tm send-keys -t ui -H 1b 4f 50          # F1 in SS3 form is known; 1b 4f 5a is not
tm send-keys -t ui -H 1b 4f 5a
sleep 0.5
screen
if [ -s "$T/rc" ]; then bad "Alt+x and unknown sequences on the call list: still running" "$T/stderr"
else ok "Alt+x and unknown sequences on the call list: still running"; fi
keys q
wait_exit
start 100 30 -r "$S/proxy_rr_udp.pcap"
wait_for "^ +3 +[0-9:.]+ +INVITE" >/dev/null
screen; cp "$T/screen" "$T/before"
keys M-x
tm send-keys -t ui -H 1b 5b 31 3b 35 48
tm send-keys -t ui -H 1b 4f 5a
sleep 0.5
screen
if [ ! -s "$T/rc" ] && cmp -s "$T/before" "$T/screen"; then ok "... and the screen is unchanged"
else bad "... and the screen is unchanged" "$T/screen"; fi
keys Enter
wait_for "Call flow 1 " >/dev/null
tm send-keys -t ui -H 1b 5b 34 7e # End as ESC [ 4 ~
sleep 0.3
if wait_for "^CSeq: 2 BYE" && grep -q "Call flow 1 " "$T/screen" && grep -q "^CSeq: 2 BYE" "$T/screen" && grep -q "^SIP/2.0 200 OK" "$T/screen"; then
	ok "ESC [ 4 ~ (End) in the ladder selects the last message, not back to the list"
else bad "ESC [ 4 ~ (End) in the ladder selects the last message, not back to the list" "$T/screen"; fi
tm send-keys -t ui -H 1b 5b 31 7e # Home again: the INVITE
check "... and ESC [ 1 ~ (Home) the first" "^Frame 1 .*127.0.0.1:25130 -> 127.0.0.1:15130"
keys Escape
check "a bare Esc still goes back" "Call list"
keys Q
wait_exit

# Quitting a capture still coming in asks first; a file quits at once.
tm kill-server >/dev/null 2>&1
nstart=$((nstart + 1)); SOCK=sipscope-ui-$$-$nstart; rm -f "$T/rc"
tm new-session -d -s ui -x 100 -y 24 \
	"(cat $S/basic_udp.pcap; sleep 20) | { TERM=xterm-256color $BIN -r - 2>$T/stderr; echo \$? >$T/rc; }; sleep 30"
wait_for "^ +3 +[0-9:.]+ +INVITE +completed" >/dev/null
keys q
check "-r - from a pipe still open: q asks before quitting" "Quit\? .*\(y/n\)"
keys n
sleep 0.3
if [ ! -s "$T/rc" ] && wait_for "not quitting"; then ok "... n keeps the viewer running"
else bad "... n keeps the viewer running" "$T/screen"; fi
keys Escape
check "... Esc on the list asks too" "Quit\? .*\(y/n\)"
keys Escape
sleep 0.3
if [ -s "$T/rc" ]; then bad "... Esc at the question does not quit" "$T/screen"
else ok "... Esc at the question does not quit"; fi
keys Q
wait_for "Quit\?" >/dev/null
keys y
if wait_exit && [ "$rc" = 0 ]; then ok "... Q then y quits with status 0"
else bad "... Q then y quits with status 0 (rc=$rc)" "$T/stderr"; fi
start 100 24 -r "$S/basic_udp.pcap"
wait_for "^ +3 +[0-9:.]+ +INVITE +completed" >/dev/null
keys Escape
if wait_exit && [ "$rc" = 0 ]; then ok "a file: Esc on the list quits at once, no question"
else bad "a file: Esc on the list quits at once, no question (rc=$rc)" "$T/screen"; fi

# Prompts: the search starts empty (Enter alone repeats it), the line
# editor moves and deletes at the cursor, long text scrolls.
start 100 30 -r "$S/proxy_rr_udp.pcap"
wait_for "^ +3 +[0-9:.]+ +INVITE" >/dev/null
keys / '3-12775' Enter
wait_for "Call list" >/dev/null
keys /
check "the search prompt starts empty, the last search as a hint" "^/ +\(Enter: /3-12775 again\)"
keys '2-12775' Enter
wait_for "Call list" >/dev/null
keys Enter
check "... what is typed is a new search (not appended to the old one)" "Call flow 2 "
keys q
wait_for "Call list" >/dev/null
keys g / Enter
wait_for "Call list" >/dev/null
keys Enter
check "... Enter on the empty prompt repeats the last search" "Call flow 2 "
keys q
wait_for "Call list" >/dev/null
keys f 'allid=3-' Home c Enter
check "filter prompt: Home, then typing inserts at the start" "Calls: 1/3"
keys Enter
check "... (callid=3-)" "Call flow 3 "
keys q x
wait_for "Calls: 3/3" >/dev/null
keys f 'callid=-' Left 2 Enter
wait_for "Calls: 1/3" >/dev/null
keys Enter
check "filter prompt: Left, then typing inserts before the cursor" "Call flow 2 "
keys q x
wait_for "Calls: 3/3" >/dev/null
keys f 'callid=1- junk words' C-w C-w Enter
wait_for "Calls: 1/3" >/dev/null
keys Enter
check "filter prompt: ^W deletes the word before the cursor" "Call flow 1 "
keys q x
wait_for "Calls: 3/3" >/dev/null
keys f 'junk callid=3-' C-a C-f C-f C-f C-f C-f C-u Enter
wait_for "Calls: 1/3" >/dev/null
keys Enter
check "filter prompt: ^A, ^F, then ^U deletes before the cursor" "Call flow 3 "
keys q x
wait_for "Calls: 3/3" >/dev/null
keys f 'callid=1-xx' BSpace Left Left BSpace 2 Right DC Enter
wait_for "Calls: 1/3" >/dev/null
keys Enter
check "filter prompt: Backspace and Delete at the cursor" "Call flow 2 "
keys q x
wait_for "Calls: 3/3" >/dev/null
long="BEGIN-$(printf 'a%.0s' $(seq 1 120))-END"
keys f "$long"
check "a long answer scrolls: its end is shown" "a-END$"
keys Home
check "... Home shows its start" "^Filter: BEGIN-aaa"
keys Escape
sleep 0.2
keys Q
wait_exit

# Saving: the marked calls even when the filter hides them, said so; the
# right plural; a name without an extension; the flow's messages as JSON.
start 120 30 -r "$S/proxy_rr_udp.pcap"
wait_for "^ +3 +[0-9:.]+ +INVITE" >/dev/null
keys Space Space
check "two calls marked" "2 marked"
keys f 'callid=3-' Enter
wait_for "Calls: 1/3" >/dev/null
keys w
check "save with the marked calls filtered out: the prompt counts them" "Save 2 marked calls \(2 hidden by the filter\)"
keys C-u "$T/marked.json" Enter
check "... and saves them" "saved 2 calls to "
n=$(grep -c '"call":' "$T/marked.json" 2>/dev/null)
if [ "$n" = 2 ] && grep -q '"call":1,' "$T/marked.json" && grep -q '"call":2,' "$T/marked.json"; then
	ok "... the file holds calls 1 and 2"
else bad "... the file holds calls 1 and 2 ($n calls)" "$T/marked.json"; fi
keys x f 'callid=3-' Enter
wait_for "Calls: 1/3" >/dev/null
keys w
check "no marks: the prompt says it saves what the filter shows" "Save the 1 call the filter shows"
keys C-u "$T/one.csv" Enter
check "one call saved: 'saved 1 call'" "saved 1 call to "
[ "$(wc -l <"$T/one.csv")" = 2 ] && ok "... a header and 1 call in the CSV" || bad "... a header and 1 call in the CSV" "$T/one.csv"
keys w C-u "$T/noext" Enter
check "a name without an extension: the accepted ones listed" "'.*noext' has no extension: end the name with .txt \(ladder\), .json, .csv, .pcap, .pcapng or .wav"
if [ -e "$T/noext" ]; then bad "... and nothing written" "$T/screen"; else ok "... and nothing written"; fi
keys f 'callid=nomatch' Enter
wait_for "Calls: 0/3" >/dev/null
keys w
check "nothing shown, nothing marked: no empty file, a message" "no call to save"
keys x
wait_for "Calls: 3/3" >/dev/null
keys Enter
wait_for "Call flow 1 " >/dev/null
keys w C-u "$T/flow1.json" Enter
check "flow view: save as .json" "saved the flow of 1 call to "
"$BIN" messages -r "$S/proxy_rr_udp.pcap" --format json | grep '"call":1,' >"$T/flow1.want"
if [ -s "$T/flow1.want" ] && cmp -s "$T/flow1.want" "$T/flow1.json"; then
	ok "... writes the flow's messages, as 'sipscope messages --format json' (14 lines)"
else bad "... writes the flow's messages, as 'sipscope messages --format json'" "$T/flow1.json"; fi
keys w C-u "$T/flow1.csv" Enter
wait_for "saved the flow" >/dev/null
{ "$BIN" messages -r "$S/proxy_rr_udp.pcap" --format csv | head -1
  "$BIN" messages -r "$S/proxy_rr_udp.pcap" --format csv | grep -F "$(grep -o '"call_id":"[^"]*"' "$T/flow1.want" | head -1 | cut -d'"' -f4)"; } >"$T/flow1.csvwant"
if [ "$(wc -l <"$T/flow1.csv")" = 15 ] && cmp -s "$T/flow1.csvwant" "$T/flow1.csv"; then
	ok "... and .csv its messages (a header and 14 rows)"
else bad "... and .csv its messages (a header and 14 rows)" "$T/flow1.csv"; fi
keys Q
wait_exit

# 80x24: p says why there is no pane or shows it at the bottom; the help
# wraps so that every line can be read.
start 80 24 -r "$S/proxy_rr_udp.pcap"
wait_for "^ +3 +[0-9:.]+ +INVITE" >/dev/null
keys Enter
wait_for "Call flow 1 " >/dev/null
grep -q "^Frame 1 " "$T/screen" && bad "80x24: no message pane at first" "$T/screen" || ok "80x24: no message pane at first"
keys p
check "80x24: p shows the message pane at the bottom" "^Frame 1 "
keys p
sleep 0.3
screen
grep -q "^Frame 1 " "$T/screen" && bad "... p again hides it" "$T/screen" || ok "... p again hides it"
tm resize-window -t ui -x 80 -y 14 2>/dev/null
sleep 0.3
keys p
check "80x14: p says why there is no pane" "no room for the message pane"
tm resize-window -t ui -x 80 -y 24 2>/dev/null
keys q
wait_for "Call list" >/dev/null
keys '?'
wait_for "Everywhere" >/dev/null
: >"$T/help"
for i in 1 2 3 4 5 6; do screen; cat "$T/screen" >>"$T/help"; keys NPage; sleep 0.2; done
awk 'length($0) > 80' "$T/help" | grep -q . && bad "help at 80x24: no line wider than the screen" "$T/help" ||
	ok "help at 80x24: no line wider than the screen"
# The help's text, its wrapped lines joined again.
grep -v '^ sipscope - Help\| Calls: 3/3\| Arrows/j k Scroll' "$T/help" | tr -s ' \n' '  ' >"$T/helptext"
miss=
for w in "Home End g G first, last" "n N next, previous" "unannounced (RTP streams" \
	"problems media agent attest)" "the same on every hop"; do
	grep -qF -- "$w" "$T/helptext" || miss="$miss [$w]"
done
[ -z "$miss" ] && ok "help at 80x24: the ends of the long lines can be read (wrapped)" ||
	bad "help at 80x24: the ends of the long lines can be read (missing:$miss)" "$T/help"
keys Q
wait_exit

# Live: .pcap save works (the frames kept as they came), quitting asks.
if [ "$(id -u)" = 0 ]; then
	port=$((18000 + $$ % 900))
	# The viewer runs as nobody once the interface is open (issue 20):
	# its copy of the frames and the saved file go where nobody writes.
	chmod 711 "$T"
	mkdir -p "$T/tmpdir" "$T/out"
	chmod 1777 "$T/tmpdir" "$T/out"
	UI_ENV="TMPDIR=$T/tmpdir" start 120 24 -i lo udp portrange $port-$((port + 1))
	if wait_for "live on lo"; then
		python3 "$ROOT/tests/ui/send_call.py" $port $((port + 1)) "livesave-$$@test" 0.02
		wait_for "INVITE +completed +200" >/dev/null
		keys w C-u "$T/out/live.pcap" Enter
		check "live: save as .pcap works" "saved 1 call to "
		n=$("$BIN" calls -r "$T/out/live.pcap" --format csv 2>/dev/null | tail -n +2 | grep -c ',completed,')
		f=$(tcpdump -n -r "$T/out/live.pcap" 2>/dev/null | wc -l)
		m=$("$BIN" messages -r "$T/out/live.pcap" --format csv 2>/dev/null | tail -n +2 | wc -l)
		[ "$n" = 1 ] && [ "$f" = "$m" ] && [ "$m" -ge 7 ] &&
			ok "... the file holds the call's frames ($f frames, read back as 1 call)" ||
			bad "... the file holds the call's frames ($n calls, $f frames, $m messages)"
		keys Q
		check "live: Q asks before quitting" "Quit\? The live capture stops here"
		keys y
		wait_exit && [ "$rc" = 0 ] && ok "... y quits with status 0" || bad "... y quits with status 0 (rc=$rc)" "$T/stderr"
		chmod 700 "$T"
		ls "$T/tmpdir" | grep -q . && bad "... no copy of the frames is left behind" "$T/stderr" ||
			ok "... no copy of the frames is left behind"
	elif wait_exit; then
		skp "live save on lo: $(cat "$T/stderr")"
	else bad "live save: the viewer started" "$T/screen"; fi
else
	skp "live save on lo: needs root"
fi

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
# (each waited for: the title comes before the rest of the screen is drawn)
check "t kept: time since the previous message" "^ +\+1\.000000 "
check "m kept: one column per host" "^ +192\.0\.2\.11 +192\.0\.2\.20 +192\.0\.2\.31 *$"
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

# --- issue 21: srtp ---
# samples/rtp_g711.pcap's calls over SDES-SRTP (tests/integration/gen_srtp.c):
# the stream view says what was decrypted; the message view hides the
# a=crypto keys until a.
GEN=${GEN_SRTP:-}
if [ -z "$GEN" ]; then
	GEN=$(dirname "$BIN")/tests/gen_srtp
	[ -x "$GEN" ] || GEN=$ROOT/build/tests/gen_srtp
fi
case "$GEN" in /*) ;; *) GEN=$ROOT/$GEN ;; esac
[ -x "$GEN" ] || make -s -C "$ROOT" build/tests/gen_srtp >/dev/null 2>&1
if "$GEN" "$S/rtp_g711.pcap" "$T/srtp_plain.pcap" "$T/srtp.pcap" AES_CM_128_HMAC_SHA1_80 wrap >"$T/gen" 2>&1; then
	start 160 30 -r "$T/srtp.pcap" --rtp
	wait_for "Calls: 2/2" >/dev/null
	keys Enter
	wait_for "RTP PCMA/8000 236 pkts" >/dev/null
	keys j j j j j Enter
	check "srtp: the stream view says how many packets were decrypted, the suite and SRTCP" \
		"^SRTP: decrypted 236, auth failed 0, suite AES_CM_128_HMAC_SHA1_80; SRTCP decrypted [1-9][0-9]*, auth failed 0"
	keys Q
	wait_exit
	start 160 30 -r "$T/srtp.pcap"
	wait_for "Calls: 2/2" >/dev/null
	keys Enter Enter
	check "srtp: the message view hides the a=crypto keys" \
		"^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(hidden\)\|2\^31"
	keys a
	check "srtp: a shows the a=crypto keys" "^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}\|2\^31"
	keys Q
	wait_exit
else
	bad "srtp: the test capture could not be made ($GEN)" "$T/gen"
fi
# --- issue 21: pcapng (the save dialog writes .pcapng) ---
start 100 30 -r "$S/frag_udp.pcap"
check "save .pcapng: the fragmented calls are listed" "^ +2 +[0-9:.]+ +INVITE +completed +200"
keys w C-u "$T/saved.pcapng" Enter
check "save .pcapng: the viewer says it saved them" "saved 2 calls"
keys Q
wait_exit
"$BIN" export -r "$S/frag_udp.pcap" --all -o "$T/exported.pcap" >/dev/null 2>&1
kind=$(capinfos -t "$T/saved.pcapng" 2>/dev/null | sed -n 's/^File type: *//p')
tcpdump -n -r "$T/saved.pcapng" >"$T/ng.txt" 2>/dev/null
tcpdump -n -r "$T/exported.pcap" >"$T/pc.txt" 2>/dev/null
[ "$kind" = "Wireshark/... - pcapng" ] && [ "$(wc -l <"$T/ng.txt")" = 26 ] && cmp -s "$T/ng.txt" "$T/pc.txt" &&
	ok "save .pcapng: a pcapng file with the 26 frames the pcap export writes" ||
	bad "save .pcapng: a pcapng file with the 26 frames the pcap export writes ($kind)" "$T/ng.txt"

# --- issue 21: SIP over TLS in the viewer ---
start 140 35 -r "$S/tls12_sip.pcap" --tls-keylog "$S/tls12_sip.keys"
check "tls: the call through the TLS proxy is listed, read with its key log" "^ +2 +[0-9:.]+ +INVITE +completed +200 .* 14 "
keys Down Enter
check "tls: its ladder has the TLS hop (caller to proxy) beside the UDP one" "127\.0\.0\.1:58372 +127\.0\.0\.1:15063 +127\.0\.0\.1:15064"
keys Enter
check "tls: the message view says transport TLS" "^Frame 12 .* 127\.0\.0\.1:58372 -> 127\.0\.0\.1:15063  TLS "
keys Q
wait_exit
start 140 35 -r "$S/tls13_sip.pcapng"
check "tls: a pcapng with its secrets inside opens decrypted, no option" "^ +2 +[0-9:.]+ +INVITE +completed +200 .* 14 "
keys Q
wait_exit
# --- issue 21: review (TLS) ---
# export -o - on a terminal: packets (and a TLS call's secrets) are not for a screen
start 100 20 export -r "$S/frag_udp.pcap" --all -o -
wait_exit
screen
if [ "${rc:-0}" = 2 ] && grep -q "standard output is a terminal" "$T/stderr" && ! grep -q . "$T/screen"; then
	ok "export -o - refuses a terminal: nothing written to it"
else
	bad "export -o - refuses a terminal: nothing written to it (rc ${rc:-?})" "$T/stderr"
fi

# --- issue 20: privileges and UB ---
# The live viewer gives up root once the interface is open: the process
# runs as nobody without capabilities, says so, and still saves (as
# nobody: where nobody can write; a directory that refuses it is named).
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null 2>&1; then
	port=$((19000 + $$ % 900))
	chmod 711 "$T" # nobody reaches the directories below (not the rest)
	mkdir -p "$T/pub" "$T/rootonly"
	chmod 1777 "$T/pub"
	chmod 700 "$T/rootonly"
	start 120 24 -i lo udp portrange $port-$((port + 1))
	if wait_for "live on lo"; then
		check "priv: the title says the viewer runs as nobody" "\[live on lo as nobody, "
		pp=$(tm display-message -p -t ui '#{pane_pid}')
		vp=$(ps -o pid= --ppid "$pp" | tr -d ' ' | head -1)
		uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$vp/status" 2>/dev/null)
		cap=$(awk '/^CapEff:/ {print $2}' "/proc/$vp/status" 2>/dev/null)
		prm=$(awk '/^CapPrm:/ {print $2}' "/proc/$vp/status" 2>/dev/null)
		nob=$(id -u nobody)
		[ "$uid" = "$nob $nob $nob $nob" ] && [ "$cap" = 0000000000000000 ] &&
			[ "$prm" = 0000000000000000 ] &&
			ok "priv: the live viewer runs as nobody (uid $uid), no capabilities" ||
			bad "priv: the live viewer runs as nobody, no capabilities (pid $vp: Uid $uid CapEff $cap CapPrm $prm)"
		python3 "$ROOT/tests/ui/send_call.py" $port $((port + 1)) "priv-$$@test" 0.02
		wait_for "INVITE +completed +200" >/dev/null
		keys w C-u "$T/pub/priv.pcap" Enter
		check "priv: a save as .pcap after the drop works" "saved 1 call to "
		n=$("$BIN" calls -r "$T/pub/priv.pcap" --format csv 2>/dev/null | tail -n +2 | grep -c ',completed,')
		own=$(stat -c %U "$T/pub/priv.pcap" 2>/dev/null)
		[ "$n" = 1 ] && [ "$own" = nobody ] && ok "... the file holds the call, written by nobody" ||
			bad "... the file holds the call, written by nobody ($n calls, owner $own)"
		keys w C-u "$T/pub/priv.txt" Enter
		check "priv: a save as .txt after the drop works" "saved 1 call to "
		grep -q "INVITE" "$T/pub/priv.txt" 2>/dev/null && ok "... the ladder is in the file" ||
			bad "... the ladder is in the file"
		keys w C-u "$T/rootonly/priv.txt" Enter
		check "priv: a directory nobody cannot write is named as such in the save's error" \
			"cannot write .*rootonly/priv.txt: the viewer runs as nobody"
		[ ! -e "$T/rootonly/priv.txt" ] && ok "... and nothing is written there" ||
			bad "... and nothing is written there"
		keys Q y
		wait_exit && [ "$rc" = 0 ] && ok "priv: the viewer quits with status 0" ||
			bad "priv: the viewer quits with status 0 (rc=$rc)" "$T/stderr"
	elif wait_exit; then
		skp "priv: live viewer on lo: $(cat "$T/stderr")"
	else bad "priv: live viewer: the viewer started" "$T/screen"; fi
	# A TMPDIR nobody cannot write: no copy of the frames, and .pcap says why.
	UI_ENV="TMPDIR=$T/rootonly" start 120 24 -i lo udp portrange $port-$((port + 1))
	if wait_for "live on lo as nobody"; then
		python3 "$ROOT/tests/ui/send_call.py" $port $((port + 1)) "priv2-$$@test" 0.02
		wait_for "INVITE +completed +200" >/dev/null
		keys w C-u "$T/pub/priv2.pcap" Enter
		check "priv: TMPDIR closed to nobody: .pcap says where and as whom" \
			"no temporary file for the frames in .*rootonly as nobody"
		keys Q y
		wait_exit
	else bad "priv: live viewer with a closed TMPDIR started" "$T/screen"; fi
	# -Z without -N: the viewer becomes that user (here on a file, as asked).
	start 120 24 -r "$S/proxy_rr_udp.pcap" -Z nobody
	check "priv: -Z USER is taken by the viewer too (was refused without -N)" "\[as nobody\]"
	keys Q
	wait_exit
	# -Z root keeps root: nothing given up, nothing shown.
	start 120 24 -r "$S/proxy_rr_udp.pcap" -Z root
	if wait_for "Calls: 3/3"; then
		grep -q "as root\|as nobody" "$T/screen" && bad "priv: -Z root stays root, says nothing" "$T/screen" ||
			ok "priv: -Z root stays root, says nothing"
	else bad "priv: -Z root: the viewer started" "$T/stderr"; fi
	keys Q
	wait_exit
	chmod 700 "$T"
else
	skp "priv: the live viewer's drop: needs root and a user nobody"
fi

# --- issue 22: viewer audio ---
# A call's RTP streams (R) from the list and from the ladder, Enter to the
# stream's band, its audio saved (A; .wav in the save dialog) byte for
# byte as `sipscope audio` writes it, played (P) through a stand-in
# player, and what cannot be: no player on PATH, standard input.
if python3 -W ignore -c 'import audioop' 2>/dev/null; then
	python3 -W ignore "$ROOT/tests/integration/gen_audio.py" "$T/va.pcap" "$T/va_want" >/dev/null 2>&1
	"$BIN" audio -r "$T/va.pcap" -c 1 -o "$T/va_batch.wav" 2>"$T/va_err" || cat "$T/va_err"
	mkdir -p "$T/fakebin"
	printf '#!/bin/sh\nls -l /proc/$$/fd >"%s/va_fds"\ncat >"%s/va_played.wav"\n' "$T" "$T" >"$T/fakebin/aplay"
	chmod +x "$T/fakebin/aplay"
	UI_ENV="PATH=$T/fakebin:/usr/bin:/bin" start 200 30 -r "$T/va.pcap" --rtp
	wait_for "Calls: 1/1" >/dev/null
	keys R
	check "audio: R on the call list lists the call's RTP streams with codec, packets, loss, jitter, MOS" \
		"^  0x11111111 +192\.0\.2\.10:4000 -> 192\.0\.2\.20:5000 +PCMU/8000 +100 +0 \(0\.0%\) +[0-9.]+/[0-9.]+ +4\.[0-9]+ +- +none"
	check "... one row each (the callee's PCMA stream)" "^  0x22222222 +192\.0\.2\.20:5000 -> 192\.0\.2\.10:4000 +PCMA/8000 +100 "
	keys v
	check "audio: v on a stream shows its details" "^Codec: PCMU/8000 \(payload type 0, clock 8000 Hz\)"
	keys q j Enter
	check "audio: Enter on a stream opens the call's ladder with that stream's band selected" "SSRC: 0x22222222"
	keys R k Enter
	if wait_for "SSRC: 0x11111111"; then
		grep -q "Call flow 1 " "$T/screen" && ok "audio: R in the ladder, Enter: back in the ladder on the other band" ||
			bad "audio: R in the ladder, Enter: back in the ladder on the other band" "$T/screen"
	else bad "audio: R in the ladder, Enter: back in the ladder on the other band" "$T/screen"; fi
	keys A
	check "audio: A asks where, suggesting call-N.wav" "Save the audio of call 1 as \(\.wav\): call-1\.wav"
	keys C-u "$T/va_ui.wav" Enter
	check "... and says what it wrote" "saved the audio of call 1 to .*va_ui\.wav: 2\.01 s, stereo"
	cmp -s "$T/va_ui.wav" "$T/va_batch.wav" && ok "audio: the viewer's WAV is the one 'sipscope audio -c 1' writes (cmp)" ||
		bad "audio: the viewer's WAV is the one 'sipscope audio -c 1' writes (cmp)" "$T/screen"
	keys w C-u "$T/va_w.wav" Enter
	wait_for "saved the audio of call 1 to .*va_w\.wav" >/dev/null
	cmp -s "$T/va_w.wav" "$T/va_batch.wav" && ok "audio: the save dialog (w) takes .wav: the same WAV" ||
		bad "audio: the save dialog (w) takes .wav: the same WAV" "$T/screen"
	keys P
	check "audio: P plays with the first player on PATH" "playing call 1 with aplay: 2\.01 s"
	i=0
	until cmp -s "$T/va_played.wav" "$T/va_batch.wav" || [ $i -ge 20 ]; do sleep 0.1; i=$((i + 1)); done
	cmp -s "$T/va_played.wav" "$T/va_batch.wav" && ok "... which gets the same WAV" ||
		bad "... which gets the same WAV" "$T/screen"
	# past 0, 1, 2 the player holds only what its own shell opened (the
	# script, a saved /dev/null): none of the viewer's files, pipes or
	# sockets (they were: the capture, /dev/tty, a temporary file)
	if [ -s "$T/va_fds" ] && ! grep -E ' [0-9]+ -> ' "$T/va_fds" | grep -vE ' [012] -> |fakebin/aplay$| -> /dev/null$' | grep -q .; then
		ok "... and none of the viewer's files or sockets"
	else
		bad "... and none of the viewer's files or sockets" "$T/va_fds"
	fi
	keys q
	check "audio: q from that ladder goes back to the call list (the stream view gave it its place)" "Call list"
	keys Q
	wait_exit
	[ "$rc" = 0 ] && ok "audio: the viewer quits cleanly" || bad "audio: the viewer quits cleanly (rc $rc)" "$T/stderr"
	UI_ENV="PATH=$T/nobin" start 120 24 -r - --rtp "<$T/va.pcap"
	wait_for "Calls: 1/1" >/dev/null
	keys P
	check "audio: P with no player on PATH says so" "no player found"
	keys A
	check "audio: on standard input, A says the capture cannot be read again" "standard input cannot be read again"
	keys Q
	wait_exit
	# A stream with no decoder is named; a call without RTP writes nothing.
	python3 -W ignore "$ROOT/tests/integration/gen_audio.py" "$T/va3.pcap" "$T/va3_want" --g723 >/dev/null 2>&1
	"$BIN" audio -r "$T/va3.pcap" -c 1 -o "$T/va3_batch.wav" 2>/dev/null
	start 200 24 -r "$T/va3.pcap" --rtp
	wait_for "Calls: 1/1" >/dev/null
	keys A C-u "$T/va3_ui.wav" Enter
	check "audio: a stream with no decoder is named in the status line, the other saved" \
		"saved the audio of call 1 to .*; cannot decode G723/8000 \(stream 0x22222222: left out\)"
	cmp -s "$T/va3_ui.wav" "$T/va3_batch.wav" && ok "... the WAV 'sipscope audio' writes then" ||
		bad "... the WAV 'sipscope audio' writes then" "$T/screen"
	keys Q
	wait_exit
	start 120 24 -r "$S/proxy_rr_udp.pcap" --rtp
	wait_for "Calls: 3/3" >/dev/null
	keys A C-u "$T/va_none.wav" Enter
	check "audio: a call without RTP says so" "call 1 has no RTP stream: no audio"
	[ ! -e "$T/va_none.wav" ] && ok "... and writes nothing" || bad "... and writes nothing" "$T/screen"
	keys Q
	wait_exit
else
	skp "viewer audio: python3 has no audioop (gen_audio.py)"
fi
# --- issue 26: config ---
# An alias line of the user's config file ($XDG_CONFIG_HOME points into $T)
# names the host in the call list and the ladder; the settings screen shows
# where each setting came from and saves them, keeping the file's comments.
mkdir -p "$T/xdg/sipscope"
printf '# my hosts\nalias 127.0.0.1:25130 uac-one\n\nalias 127.0.0.1:15130 the-proxy\n' >"$T/xdg/sipscope/config"
start 120 30 -r "$S/proxy_rr_udp.pcap" --sort index:desc --columns index,method,src,dst
if wait_for "^ +1 +INVITE +uac-one +the-proxy *$" && [ "$(line_no '^ +3 +')" -lt "$(line_no '^ +1 +')" ]; then
	ok "config: an alias names the host in the call list (--columns, --sort)"
else bad "config: an alias names the host in the call list (--columns, --sort)" "$T/screen"; fi
keys Enter
if wait_for "Call flow" && head -3 "$T/screen" | grep -qE "uac-one +the-proxy +127\.0\.0\.1:15131"; then
	ok "config: an alias names the host in the ladder"
else bad "config: an alias names the host in the ladder" "$T/screen"; fi
keys t # a change made in the viewer: time since the previous message
keys q
wait_for "Calls: 3/3" >/dev/null
keys o
if wait_for "^ +alias +127\.0\.0\.1:15130 the-proxy +$T/xdg/sipscope/config:4" &&
	grep -qE "^ +sort +index:desc +command line" "$T/screen" &&
	grep -qE "^ +columns +index,method,src,dst +command line" "$T/screen" &&
	grep -qE "^ +time +delta +viewer" "$T/screen" && grep -qE "^ +theme +default +default" "$T/screen"; then
	ok "config: the settings screen shows each setting's source (file:line, command line, viewer, default)"
else bad "config: the settings screen shows each setting's source (file:line, command line, viewer, default)" "$T/screen"; fi
keys w
if wait_for "saved to $T/xdg/sipscope/config" &&
	printf '# my hosts\nalias 127.0.0.1:25130 uac-one\n\nalias 127.0.0.1:15130 the-proxy\ntime delta\ncolumns index,method,src,dst\nsort index:desc\n' |
	cmp -s - "$T/xdg/sipscope/config" && [ "$(ls "$T/xdg/sipscope" | wc -l)" = 1 ]; then
	ok "config: w saves the settings, the file's comments kept, no temporary file left"
else bad "config: w saves the settings, the file's comments kept, no temporary file left" "$T/xdg/sipscope/config"; fi
keys Q
wait_exit
# What was saved applies next time: the ladder starts with delta times.
start 120 30 -r "$S/proxy_rr_udp.pcap"
wait_for "Calls: 3/3" >/dev/null
keys Enter
check "config: the saved settings apply at the next start" "^ +\+0\.000[0-9]+ .*100 trying"
keys Q
wait_exit
# Themes: a file's theme, NO_COLOR over it, --theme over both.
mkdir -p "$T/xdg/sipscope"
title_esc() { tm capture-pane -e -p -t ui | head -1 | grep -c "$(printf '\033')\\[$1m"; }
printf 'theme light\n' >"$T/xdg/sipscope/config"
start 100 30 -r "$S/busy_udp.pcap"
wait_for "INVITE +busy" >/dev/null
light=$(title_esc 34)
UI_ENV="NO_COLOR=1" start 100 30 -r "$S/busy_udp.pcap"
wait_for "INVITE +busy" >/dev/null
nc=$(colors)
UI_ENV="NO_COLOR=1" start 100 30 -r "$S/busy_udp.pcap" --theme default
wait_for "INVITE +busy" >/dev/null
if [ "$light" = 1 ] && [ "$nc" = 0 ] && [ "$(title_esc 36)" = 1 ] && [ "$(colors)" -gt 0 ]; then
	ok "config: theme light from the file, NO_COLOR over it, --theme over both"
else bad "config: theme light from the file, NO_COLOR over it, --theme over both (light $light, NO_COLOR $nc)" "$T/screen"; fi
rm -rf "$T/xdg/sipscope"

# --- issue 25: stir-shaken ---
# Two INVITEs whose PASSporTs secsipidx signed (iat the capture's time):
# the first verifies (A), the second's signature is broken (B!).  With
# --stir-cert the call list shows the Attest column; v in the message
# view takes the PASSporT apart.
if command -v secsipidx >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
	mkdir -p "$T/stir"
	openssl ecparam -name prime256v1 -genkey -noout -out "$T/stir/key.pem" 2>/dev/null
	openssl req -new -x509 -key "$T/stir/key.pem" -out "$T/stir/sp.pem" -days 3650 -subj "/CN=ui" 2>/dev/null
	P="https://certs.example.org/sp.pem"
	t1=$(secsipidx -sign -k "$T/stir/key.pem" -o 15551230001 -d 15551230002 -a A -x5u $P -orig-id ui-1 -iat 1700000000)
	t2=$(secsipidx -sign -k "$T/stir/key.pem" -o 15551230001 -d 15551230002 -a B -x5u $P -orig-id ui-2 -iat 1700000001)
	s2=${t2##*.} # the signature's first character changed
	c2=$(printf %s "$s2" | cut -c1)
	t2="${t2%.*}.$([ "$c2" = A ] && echo B || echo A)$(printf %s "$s2" | cut -c2-)"
	python3 "$ROOT/tests/integration/mkpcap.py" stir "$T/stir/s.pcap" "$t1;info=<$P>;alg=ES256;ppt=shaken" \
		"$t2;info=<$P>;alg=ES256;ppt=shaken"
	start 120 30 -r "$T/stir/s.pcap" --stir-cert "$T/stir/sp.pem"
	if wait_for "Attest" && grep -qE '^ +1 .* A +15551230001@' "$T/screen"; then
		grep -qE '^ +2 .* B! +15551230001@' "$T/screen" &&
			ok "stir: the call list's Attest column: A (verified), B! (signature broken)" ||
			bad "stir: the call list's Attest column: A (verified), B! (signature broken)" "$T/screen"
	else bad "stir: the call list's Attest column: A (verified), B! (signature broken)" "$T/screen"; fi
	keys Enter
	wait_for "Call flow 1 " >/dev/null
	keys Enter
	wait_for "Message 1" >/dev/null
	keys v
	check "stir: v in the message view takes the PASSporT apart (claims, verified)" "claims  attest=A  orig.tn=15551230001  dest.tn=15551230002  iat=1700000000"
	grep -q "verified=true  signed by $T/stir/sp.pem" "$T/screen" &&
		ok "stir: the message view says the signature verified" || bad "stir: the message view says the signature verified" "$T/screen"
	keys Q
	wait_exit
else
	skp "stir: secsipidx, openssl or python3 not installed"
fi
# --- issue 25: attacks ---
# The attack findings are findings like the others in the viewer: the
# guessed account's call is what problem=password-guessing keeps, its
# Problems column counts the error and the warning, the ladder marks the
# attacker's REGISTERs and the pane names the rule, the source and counts.
start 160 30 -r "$S/attack/sipvicious_udp.pcap" --filter problem=password-guessing --columns index,method,src,from,problems
if wait_for "^ +46 +REGISTER +127\.0\.0\.1:5060 +2000@127\.0\.0\.10 +1E 1W *$" && grep -q "Calls: 1/46" "$T/screen"; then
	ok "attacks: problem=password-guessing keeps the guessed account's call, Problems 1E 1W"
else bad "attacks: problem=password-guessing keeps the guessed account's call, Problems 1E 1W" "$T/screen"; fi
keys Enter
wait_for "Call flow 46" >/dev/null
for k in 1 2 3 4 5 6 7 8 9 10; do keys Down; done
if wait_for "Frame 90 .*127\.0\.0\.1:5060 ->" && grep -qE "warning +password-guessing +RFC 3261 22\.4 +127\.0\.0\.1 failed dige" "$T/screen" &&
	[ "$(grep -c '! REGISTER' "$T/screen")" = 2 ]; then
	ok "attacks: the ladder marks the attacker's REGISTERs; the pane names rule, source and count"
else bad "attacks: the ladder marks the attacker's REGISTERs; the pane names rule, source and count" "$T/screen"; fi
keys Q
wait_exit

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
