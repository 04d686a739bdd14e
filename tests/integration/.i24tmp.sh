#!/bin/sh
# Integration tests: the sipscope binary on samples/ and crafted captures.
# Usage: SIPSCOPE=build/sipscope sh tests/integration/run.sh
# Prints one line per test and a closing "N passed, N failed, N skipped".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SIPSCOPE:-$ROOT/sipscope}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
S=$ROOT/samples
CORPUS=$ROOT/../shared/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# No config file of the developer's (~/.config/sipscope/config) nor the
# system's (/etc/sipscope/config) reaches the tests: both point into $T.
mkdir -p "$T/xdg" "$T/etc"
export XDG_CONFIG_HOME="$T/xdg" SIPSCOPE_SYSCONFDIR="$T/etc"
trap 'exit 130' INT
trap 'exit 143' TERM # a stopped run ends (the EXIT trap cleans up), not carry on without its files
export TZ=UTC
pass=0 fail=0 skip=0

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -20; }
# wait_for FILE TEXT TENTHS: until FILE holds TEXT, at most TENTHS/10 s
wait_for() {
	i=0
	while [ "$i" -lt "$3" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# wait_gone PID TENTHS: until PID has exited, at most TENTHS/10 s
wait_gone() {
	i=0
	while [ "$i" -lt "$2" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
skp()  { skip=$((skip + 1)); echo "skip $1"; }
# heavy NAME: true, or NAME skipped under INTEGRATION_LIGHT=1, which make
# check-threads sets: under ThreadSanitizer the suite runs 3-4x slower,
# and these checks (every sample in every format, the tshark and TLS
# oracles, memory and time bounds) test what the plain and ASan runs
# test, not the threads.
heavy() { [ -z "${INTEGRATION_LIGHT:-}" ] && return 0; skp "$1 (INTEGRATION_LIGHT: the plain and ASan runs check it)"; return 1; }

# expect NAME WANT_RC CMD... : run CMD, stdout to $T/out, stderr to $T/err
expect() {
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name"; return 0; fi
	echo "exit $rc, wanted $want" >>"$T/err"
	bad "$name" "$T/err"
	return 1
}

# --- issue 24: hooks and homer ---
# -N's alerts: --exec runs a command per call a filter matches (the JSON
# line on its standard input, off the capture's way, rate-limited,
# everything counted), --syslog writes key=value lines through syslog(3).
I24=$T/i24
mkdir -p "$I24/h"
python3 "$ROOT/tests/integration/mkpcap.py" rejected "$I24/rej.pcap" 300
# The filter's calls, each line as `calls --format json` prints it: the
# three cancelled calls of four captures, and the one with errors.
"$BIN" -N -Z root --quiet -r "$S/busy_udp.pcap" -r "$S/cancel_udp.pcap" -r "$S/basic_udp.pcap" -r "$S/lossy_udp.pcap" \
	--exec 'state=cancelled' "cat >$I24/h/c.\$\$" --exec 'problem=error method=INVITE' "cat >$I24/h/e.\$\$" \
	--exec-rate 1000 --exec '' 'ls -l /proc/$$/fd/ >'"$I24/h/fd.\$\$" 2>"$I24/h.err"
rc=$?
"$BIN" calls --format json -r "$S/busy_udp.pcap" -r "$S/cancel_udp.pcap" -r "$S/basic_udp.pcap" -r "$S/lossy_udp.pcap" >"$I24/all.json"
grep '"state":"cancelled"' "$I24/all.json" | sort >"$I24/want.c"
cat "$I24"/h/c.* 2>/dev/null | sort >"$I24/got.c"
[ $rc = 0 ] && [ "$(wc -l <"$I24/want.c")" = 3 ] && cmp -s "$I24/want.c" "$I24/got.c" &&
	ok "exec: the calls the filter matches, each its JSON line as calls --format json prints it" ||
	bad "exec: the calls the filter matches, each its JSON line as calls --format json prints it" "$I24/got.c"
grep '"error":[1-9]' "$I24/all.json" | grep '"method":"INVITE"' >"$I24/want.e"
[ "$(wc -l <"$I24/want.e")" = 1 ] && cat "$I24"/h/e.* 2>/dev/null | cmp -s "$I24/want.e" - &&
	ok "exec: problem=error picks the call with error findings" || bad "exec: problem=error picks the call with error findings" "$I24/h.err"
n=$(grep -c . "$I24/all.json")
grep -q "^sipscope: --exec: $((n + 4)) calls matched, $((n + 4)) runs: $((n + 4)) ok, 0 failed, 0 killed after 30 s or at exit, 0 could not start; 0 not run" "$I24/h.err" &&
	ok "exec: the closing counts (matched, runs, ok)" || bad "exec: the closing counts (matched, runs, ok)" "$I24/h.err"
# The command inherits no descriptor of the capture (its files, the
# spool): what it has open points elsewhere.
cat "$I24"/h/fd.* >"$I24/fds" 2>/dev/null
[ "$(ls "$I24"/h/fd.* | wc -l)" = "$n" ] && grep -q ' 0 -> ' "$I24/fds" &&
	! grep -E 'samples/|sipscope|socket:|anon_inode' "$I24/fds" >/dev/null &&
	ok "exec: the command has no descriptor of the capture" ||
	bad "exec: the command has no descriptor of the capture" "$I24/fds"
# Rate: 300 calls at 20 a second: the burst and 20/s of the time it took;
# the rest dropped and counted, none lost from the count.
t0=$(date +%s%N)
"$BIN" -N -Z root --quiet -r "$I24/rej.pcap" --exec '' true --exec-rate 20 2>"$I24/r.err"
t1=$(date +%s%N)
if python3 - "$I24/r.err" $(((t1 - t0) / 1000000)) <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"--exec: (\d+) calls matched, (\d+) runs: (\d+) ok, (\d+) failed, (\d+) killed .*?, (\d+) could not start; (\d+) not run: (\d+) over the rate \(20/s\), (\d+) queue full, (\d+) left at exit", t)
assert m, t
matched, runs, okr, failed, killed, nostart, notrun, rate, queue, left = map(int, m.groups())
secs = int(sys.argv[2]) / 1000
assert matched == 300, matched
assert runs + nostart + notrun == matched and rate + queue + left == notrun, m.group(0)
assert runs <= 20 + 20 * secs + 1, (runs, secs)
assert rate >= 300 - (20 + 20 * secs + 1), (rate, secs)
assert okr == runs and failed == killed == 0, m.group(0)
PY
then ok "exec: --exec-rate bounds the runs, the rest counted as over the rate"
else bad "exec: --exec-rate bounds the runs, the rest counted as over the rate" "$I24/r.err"; fi
# Failures are counted: a status not 0, a command that cannot be found.
"$BIN" -N -Z root --quiet -r "$S/busy_udp.pcap" --exec 'state=busy' 'exit 3' --exec 'callid=1-' /nonexistent/hook 2>"$I24/f.err"
grep -q -- '--exec: 4 calls matched, 4 runs: 0 ok, 4 failed, 0 killed' "$I24/f.err" &&
	ok "exec: failing commands are counted as failed" || bad "exec: failing commands are counted as failed" "$I24/f.err"
# A slow command holds nothing up: the calls are all out at once, the
# runs are killed at --exec-timeout, the exit waits no longer.
t0=$(date +%s%N)
"$BIN" -N -Z root -r "$S/busy_udp.pcap" --exec '' 'sleep 30' --exec-timeout 1 >"$I24/s.out" 2>"$I24/s.err"
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 4000 ] && [ "$(grep -c . "$I24/s.out")" = 4 ] &&
	grep -q -- '--exec: 3 calls matched, 3 runs: 0 ok, 0 failed, 3 killed after 1 s or at exit' "$I24/s.err" &&
	ok "exec: a slow command does not hold up the capture; killed at --exec-timeout" ||
	bad "exec: a slow command does not hold up the capture; killed at --exec-timeout" "$I24/s.err"
"$BIN" -r "$S/busy_udp.pcap" calls --exec '' true >"$I24/u.out" 2>&1
[ $? = 2 ] && grep -q 'are for -N' "$I24/u.out" && ok "exec: without -N a usage error" || bad "exec: without -N a usage error" "$I24/u.out"
# syslog(3) writes to /dev/log: sipscope runs in a mount namespace of its
# own where /dev is a tmpfs holding /dev/null & co and, as /dev/log, a
# datagram socket a python receiver reads.  Nothing of the host's /dev
# or its syslog is touched.
i24_syslog() { # OUT ARGS...: sipscope -N ARGS with its syslog lines into OUT
	out=$1; shift
	rm -f "$I24/log.sock" "$I24/log.sock.ready" "$I24/log.sock.stop"
	python3 - "$I24/log.sock" "$out" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(0.1)
end = time.time() + 20
with open(sys.argv[2], "w") as out:
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            if os.path.exists(sys.argv[1] + ".stop"):
                break
            continue
        out.write(d.decode("ascii", "backslashreplace").rstrip("\n") + "\n")
        out.flush()
PY
	rp=$!
	i=0; while [ ! -e "$I24/log.sock.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	unshare -m sh -c 'mount --make-rprivate / && mkdir -p "$1/dev" && mount -t tmpfs none "$1/dev" &&
		for n in null zero random urandom; do touch "$1/dev/$n" && mount --bind "/dev/$n" "$1/dev/$n" || exit 97; done &&
		touch "$1/dev/log" && mount --bind "$1/log.sock" "$1/dev/log" && mount --rbind "$1/dev" /dev || exit 97
		shift; exec "$@"' sh "$I24" "$BIN" -N -Z root --quiet "$@"
	src=$?
	touch "$I24/log.sock.stop"
	wait $rp
	return $src
}
i24_syslog "$I24/sys1" -r "$S/busy_udp.pcap" -r "$S/basic_udp.pcap" -r "$I24/rej.pcap" --syslog --syslog-facility local3 2>"$I24/sys1.err"
src=$?
if [ $src = 97 ]; then
	skp "syslog: no mount namespace here (unshare -m)"
else
	# busy: 3, basic: 0 (completed), rej: 300 (REGISTER 403) = 303 lines,
	# all warnings (local3 = 19: <19*8+4>), parseable as fail2ban reads them.
	if [ $src = 0 ] && grep -q -- '--syslog: 303 lines' "$I24/sys1.err" && python3 - "$I24/sys1" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 303, len(lines)
rx = re.compile(r'^<156>\w{3} [ \d]\d \d\d:\d\d:\d\d sipscope\[\d+\]: call=(\d+) callid="((?:[^"\\]|\\.)*)" '
                r'method=(\S+) state=(\S+) status=(\S+) src=(\S+) sport=(\d+) dst=(\S+) dport=(\d+) '
                r'transport=UDP from="[^"]*" to="[^"]*" errors=\d+ warnings=\d+$')
hosts = {}
for l in lines:
    m = rx.match(l)
    assert m, l
    if m.group(3) == "REGISTER":
        assert m.group(5) == "403" and m.group(9) == "5060", l
        hosts[m.group(6)] = hosts.get(m.group(6), 0) + 1
    else:
        assert m.group(4) == "busy" and m.group(5) == "486" and m.group(6) == "127.0.0.1", l
assert len(hosts) == 50 and set(hosts.values()) == {6}, hosts
assert sum('callid="rej\\"\\\\\\x1b[31m-0"' in l for l in lines) == 1, "escaped Call-ID"
PY
	then ok "syslog: one line per failed call, key=value, the Call-ID escaped, src=IP for fail2ban"
	else bad "syslog: one line per failed call, key=value, the Call-ID escaped, src=IP for fail2ban" "$I24/sys1"; fi
	i24_syslog "$I24/sys2" -r "$S/basic_udp.pcap" --syslog --syslog-filter '' 2>"$I24/sys2.err"
	[ "$(grep -c '^<14>.*state=completed status=200' "$I24/sys2")" = 3 ] && grep -q -- '--syslog: 3 lines' "$I24/sys2.err" &&
		ok "syslog: --syslog-filter '' logs every call (info, facility user)" ||
		bad "syslog: --syslog-filter '' logs every call (info, facility user)" "$I24/sys2"
fi
echo "integration: $pass passed, $fail failed, $skip skipped"
