# writers.sh - what sipscope writes when the disk says no, a kill comes or
# the user it became may not create a file: the spool (-N, batch), the -w
# capture file, -C/-G rotation and SIGHUP after the privilege drop.
# Sourced from run.sh (uses BIN, S, T, ROOT, ok, bad, skp, expect,
# wait_for, wait_gone).  A full disk is a file size limit (RLIMIT_FSIZE,
# set by lim below; sipscope ignores SIGXFSZ, so writes fail with EFBIG):
# no mount, no root.  Every process started here is stopped by its pid.

# lim BYTES CMD...: CMD under a file size limit of BYTES
lim() { python3 -c 'import os, resource, sys
n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
os.execvp(sys.argv[2], sys.argv[2:])' "$@"; }
# pcap_count FILE: packets tcpdump reads; "bad" when it does not read to the end
pcap_count() {
	if tcpdump -n -r "$1" >"$T/wr.td" 2>"$T/wr.tderr" && ! grep -qi "trunc" "$T/wr.tderr"; then
		wc -l <"$T/wr.td" | tr -d ' '
	else echo bad; fi
}

"$BIN" --help >"$T/help" 2>&1
grep -q -- "--spool-dir DIR" "$T/help" && grep -qF -- '\-\-spool\-dir' "$ROOT/man/sipscope.1" &&
	ok "--help and sipscope(1) document --spool-dir" || bad "--help and sipscope(1) document --spool-dir" "$T/help"

wr_ok=1
if ! ${CC:-cc} -std=c11 -O2 -o "$T/wr_gen" "$ROOT/tests/bench/gen_capture.c" 2>"$T/err" ||
	! "$T/wr_gen" -n 3000 -o "$T/wr3k.pcap" >/dev/null || ! "$T/wr_gen" -n 10000 -o "$T/wr10k.pcap" >/dev/null; then
	bad "writers: cannot build or run tests/bench/gen_capture.c" "$T/err"; wr_ok=
fi
if ! command -v tcpdump >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && bad "writers: tcpdump not installed (install-deps.sh has it)" ||
		skp "writers: tcpdump not installed"
	wr_ok=
fi

if [ -n "$wr_ok" ]; then
	# --- the spool (issue 20 item 7) -------------------------------------
	# 22,446 SIP messages (12 MB) from a pipe: past the spool's first 4 MB
	# they go to its file, which may grow to 1 MB only.
	total=$("$BIN" messages -r "$T/wr3k.pcap" | tail -n +2 | wc -l)
	lim 1000000 "$BIN" -N --quiet -r - <"$T/wr3k.pcap" >/dev/null 2>"$T/wr.err"; rc=$?
	kept=$(sed -n 's/^sipscope: \([0-9]*\) SIP messages, .* \([0-9]*\) SIP messages lost (.*)$/\1 \2/p' "$T/wr.err")
	if [ "$rc" = 1 ] && [ "$(grep -c 'warning: SIP messages are being lost: cannot write spool file: File too large' "$T/wr.err")" = 1 ] &&
		[ -n "$kept" ] && [ "${kept#* }" -gt 0 ] && [ $((${kept% *} + ${kept#* })) = "$total" ]; then
		ok "-N: the spool's disk refuses: one warning, the lost messages counted on exit ($kept of $total), status 1"
	else
		echo "status $rc; kept and lost '$kept' of $total" >>"$T/wr.err"
		bad "-N: the spool's disk refuses: one warning, the lost messages counted on exit, status 1" "$T/wr.err"
	fi
	lim 1000000 "$BIN" stats -r - --format json <"$T/wr3k.pcap" >"$T/wr.out" 2>"$T/wr.err"; rc=$?
	lost=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["capture"]["sip_lost"])' "$T/wr.out" 2>/dev/null)
	if [ "$rc" = 1 ] && [ -n "$lost" ] && [ "$lost" -gt 0 ] && grep -q "messages could not be stored" "$T/wr.err"; then
		ok "stats -r - (the spool refused): warned, capture.sip_lost $lost, status 1"
	else
		echo "status $rc, sip_lost '$lost'" >>"$T/wr.err"; bad "stats -r - (the spool refused): warned, sip_lost, status 1" "$T/wr.err"
	fi
	expect "-N with TMPDIR a missing directory: status 2 before reading" 2 env TMPDIR="$T/no/such" "$BIN" -N -r "$S/basic_udp.pcap"
	grep -q "cannot create a spool file in $T/no/such" "$T/err" && ok "... naming the directory (TMPDIR is honoured)" ||
		bad "... naming the directory (TMPDIR is honoured)" "$T/err"
	expect "--spool-dir a missing directory: status 2" 2 "$BIN" -N -r "$S/basic_udp.pcap" --spool-dir "$T/no/such"
	# --spool-dir DIR: the (unlinked) spool file is open in DIR while -N runs.
	mkdir -p "$T/spool"; rm -f "$T/wr.fifo"; mkfifo "$T/wr.fifo"
	"$BIN" -N --spool-dir "$T/spool" -r - <"$T/wr.fifo" >/dev/null 2>"$T/wr.err" & SP=$!
	exec 9>"$T/wr.fifo"
	cat "$S/basic_udp.pcap" >&9
	i=0; found=
	while [ "$i" -lt 50 ] && [ -z "$found" ]; do
		for fd in /proc/"$SP"/fd/*; do
			case $(readlink "$fd" 2>/dev/null) in "$T/spool/"*) found=1 ;; esac
		done
		[ -n "$found" ] || { sleep 0.1; i=$((i + 1)); }
	done
	exec 9>&-
	wait_gone "$SP" 50 || kill "$SP" 2>/dev/null
	wait "$SP"; rc=$?
	[ -n "$found" ] && [ "$rc" = 0 ] && ok "--spool-dir DIR: -N keeps its spool file in DIR" ||
		bad "--spool-dir DIR: -N keeps its spool file in DIR (status $rc)" "$T/wr.err"

	# --- -w on a full disk (item 8) --------------------------------------
	lim 1000000 "$BIN" -N --quiet -Z root -r "$T/wr3k.pcap" -w "$T/full.pcap" >/dev/null 2>"$T/wr.err"; rc=$?
	n=$(pcap_count "$T/full.pcap")
	said=$(sed -n 's/^sipscope: \([0-9]*\) packets written to 1 file (last: .*, \([0-9]*\) packets, \([0-9]*\) bytes), \([0-9]*\) packets not written$/\1 \2 \3 \4/p' "$T/wr.err")
	set -- $said
	if [ "$rc" = 2 ] && [ "$n" != bad ] && [ "$#" = 4 ] && [ "$1" = "$n" ] && [ "$2" = "$n" ] &&
		[ "$3" = "$(stat -c %s "$T/full.pcap")" ] && [ "$4" -gt 0 ] && grep -q "File too large" "$T/wr.err"; then
		ok "-w on a full disk: stops (status 2), the file reads to its end and holds the $n packets said"
	else
		echo "status $rc, tcpdump read $n, said '$said', size $(stat -c %s "$T/full.pcap")" >>"$T/wr.err"
		bad "-w on a full disk: the file reads to its end and holds the packets said" "$T/wr.err"
	fi

	# --- kill -9 while writing (item 9) ----------------------------------
	# SIGSTOP first, at a random moment of a full-speed -N -w replay: the
	# process stops between two system calls (a write in progress is
	# finished), and the file is what a kill -9 there leaves.  Reading it
	# to the end each time shows no record is ever split between two
	# writes.  (A kill that lands inside a write is another matter: Linux
	# may cut the copy at a page boundary; see pcap_save.h.)
	kills=0 split=0 ran=0
	while [ "$kills" -lt 12 ]; do
		kills=$((kills + 1))
		rm -f "$T/kill9.pcap"
		"$BIN" -N --quiet -Z root -r - -w "$T/kill9.pcap" <"$T/wr10k.pcap" >/dev/null 2>&1 & SP=$!
		sleep "0.$((kills % 4 + 1))$((kills * 7 % 10))"
		if kill -STOP "$SP" 2>/dev/null; then
			n=0 # (no file or an empty one yet: stopped before the first write, on a loaded machine)
			[ -s "$T/kill9.pcap" ] && n=$(pcap_count "$T/kill9.pcap")
			[ "$n" = bad ] && split=$((split + 1)) && cp "$T/wr.tderr" "$T/kill9.err"
			[ "$n" != bad ] && [ "$n" -gt 0 ] && ran=$((ran + 1))
			kill -KILL "$SP" 2>/dev/null
		fi
		wait "$SP" 2>/dev/null
	done
	if [ "$split" = 0 ] && [ "$ran" -ge 6 ]; then
		ok "-w: kill -9 at $ran moments of a full-speed write: each file reads to its end"
	elif [ "$split" = 0 ]; then
		skp "-w: kill -9 while writing: the replay had not begun or had ended at the kill $((kills - ran)) of $kills times"
	else
		bad "-w: kill -9 while writing: $split of $kills files end in a split record" "$T/kill9.err"
	fi

	# --- rotation and SIGHUP that cannot create the next file (item 13) --
	# r.pcap1 is a directory: -C cannot start it.  The packets stay in
	# r.pcap (none lost), with a warning and status 1.
	mkdir -p "$T/rot/r.pcap1"
	wr_want=$(pcap_count "$S/basic_udp.pcap")
	expect "-C whose next file cannot be created: status 1" 1 "$BIN" -N --quiet -Z root -r "$S/basic_udp.pcap" -w "$T/rot/r.pcap" -C 0.002
	[ "$(pcap_count "$T/rot/r.pcap")" = "$wr_want" ] && grep -q "warning: cannot write $T/rot/r.pcap1: Is a directory: going on writing $T/rot/r.pcap" "$T/err" &&
		grep -q "failed rotations" "$T/err" &&
		ok "... the current file takes every packet ($wr_want), with a warning" || bad "... the current file takes every packet, with a warning" "$T/err"
	# SIGHUP after the file was moved away, where a new one cannot be made.
	rm -f "$T/wr.fifo" "$T/hup.pcap"; mkfifo "$T/wr.fifo"
	half=$(python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); o = 24
for _ in range(10): o += 16 + int.from_bytes(d[o + 8:o + 12], "little")
print(o)' "$S/basic_udp.pcap")
	"$BIN" -N --quiet -Z root -r - -w "$T/hup.pcap" <"$T/wr.fifo" >/dev/null 2>"$T/hup.err" & SP=$!
	exec 9>"$T/wr.fifo"
	head -c "$half" "$S/basic_udp.pcap" >&9
	i=0
	while [ "$i" -lt 50 ] && [ "$(pcap_count "$T/hup.pcap")" != 10 ]; do sleep 0.1; i=$((i + 1)); done
	mv "$T/hup.pcap" "$T/hup.old"; mkdir "$T/hup.pcap"
	kill -HUP "$SP"
	wait_for "$T/hup.err" "SIGHUP" 50
	tail -c +"$((half + 1))" "$S/basic_udp.pcap" >&9
	exec 9>&-
	wait_gone "$SP" 50 || kill "$SP" 2>/dev/null
	wait "$SP"; rc=$?
	if [ "$rc" = 1 ] && [ "$(pcap_count "$T/hup.old")" = "$wr_want" ] &&
		grep -q "warning: SIGHUP: cannot write $T/hup.pcap: Is a directory: going on writing" "$T/hup.err"; then
		ok "SIGHUP that cannot create a new file: the moved one takes every packet ($wr_want), warning, status 1"
	else
		echo "status $rc, moved file holds $(pcap_count "$T/hup.old")" >>"$T/hup.err"
		bad "SIGHUP that cannot create a new file: the moved one takes every packet" "$T/hup.err"
	fi
fi
# After the privilege drop, -C in a directory only root may write: said
# at start-up, before a packet is read (it used to stop at the first
# rotation, the packet that caused it lost).
if [ "$(id -u)" != 0 ]; then
	skp "-C after the drop to nobody in a root-owned directory: not root"
elif ! id nobody >/dev/null 2>&1; then
	skp "-C after the drop to nobody in a root-owned directory: no user nobody"
else
	mkdir -p "$T/rootdir"; chmod 755 "$T/rootdir"; chmod 711 "$T"
	expect "-C, root-owned directory, -Z nobody: status 2" 2 "$BIN" -N -Z nobody -r "$S/basic_udp.pcap" -w "$T/rootdir/x.pcap" -C 0.002
	if grep -q "creates the next files as user nobody, who cannot write there: $T/rootdir: Permission denied" "$T/err" &&
		! grep -q "packets read" "$T/err" && [ "$(pcap_count "$T/rootdir/x.pcap")" = 0 ]; then
		ok "... said before capturing: nothing read, the directory named"
	else bad "... said before capturing: nothing read, the directory named" "$T/err"; fi
	chmod 700 "$T"
fi
