#!/bin/sh
# The package as a user installs it: `apt-get install ./sipscope_*.deb` in a
# fresh minbase Debian root (apt fetches its dependencies from the mirror),
# then the installed sipscope runs: --version, calls on the packaged
# example, its man page found by man, its bash completion loaded, and a
# live capture on lo as nobody after `setcap cap_net_raw,cap_net_admin=eip`.
#
# Usage (root): sh tests/deb_fresh_root.sh build/sipscope_VERSION_ARCH.deb
# Environment (as tests/fresh_root.sh, whose cached root it starts from):
#   FRESH_DIR   the root (default build/deb-fresh-root; emptied first)
#   SUITE       Debian suite (bookworm)      MIRROR  (http://deb.debian.org/debian)
#   FRESH_BASE  the tarball of the bare minbase root tests/fresh_root.sh
#               makes (default build/fresh-root-base.tar); debootstrap
#               runs (and makes it) only when it is absent
# The log goes to $FRESH_DIR.log; the exit status is 0 when all passed.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEB=${1:?usage: deb_fresh_root.sh PACKAGE.deb}
DIR=${FRESH_DIR:-$ROOT/build/deb-fresh-root}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE=${FRESH_BASE:-$ROOT/build/fresh-root-base.tar}
LOG=$DIR.log

ME=deb_fresh_root
die() { echo "deb_fresh_root: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (chroot, mounts)"
[ -r "$DEB" ] || die "$DEB: no such package (make deb makes it)"
. "$ROOT/tests/root_lib.sh"
trap 'root_unmount_all' EXIT INT TERM
root_make
root_mount
PKG=$(basename "$DEB")
cp "$DEB" "$DIR/root/$PKG"

echo "deb_fresh_root: apt-get install ./$PKG, then the checks (log: $LOG)"
start=$(date +%s)
set +e
chroot "$DIR" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 PKG="$PKG" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c '
	export DEBIAN_FRONTEND=noninteractive
	pass=0 fail=0
	ok()  { pass=$((pass + 1)); echo "ok   $1"; }
	bad() { fail=$((fail + 1)); echo "FAIL $1"; }
	cd /root
	apt-get update -q >/tmp/apt.log 2>&1
	if apt-get install -y -q --no-install-recommends "./$PKG" >>/tmp/apt.log 2>&1; then
		ok "apt-get install ./$PKG (with $(grep -c "^Setting up" /tmp/apt.log) packages set up)"
	else
		tail -20 /tmp/apt.log; bad "apt-get install ./$PKG"
	fi
	echo "     $(command -v sipscope): $(sipscope --version 2>&1 | head -1)"
	[ "$(sipscope --version | head -1)" = "sipscope $(dpkg-query -W -f="\${Version}" sipscope)" ] &&
		ok "sipscope --version is the package version" || bad "sipscope --version"
	sipscope calls -r /usr/share/doc/sipscope/examples/basic_udp.pcap >/tmp/calls 2>&1
	rc=$?
	sed "s/^/     /" /tmp/calls
	[ "$rc" = 0 ] && [ "$(grep -c " completed " /tmp/calls)" = 3 ] &&
		ok "sipscope calls -r the packaged basic_udp.pcap: 3 completed calls" || bad "calls on the example (status $rc)"
	# man-db is not in a minbase root: the user installs it to read pages
	apt-get install -y -q --no-install-recommends man-db libcap2-bin >>/tmp/apt.log 2>&1
	echo "     man -w sipscope: $(man -w sipscope 2>&1)"
	[ "$(man -w sipscope 2>&1)" = /usr/share/man/man1/sipscope.1.gz ] && man sipscope 2>/dev/null | grep -q "SIP packet analyzer" &&
		ok "man -w sipscope finds the page, man shows it" || bad "man -w sipscope"
	[ "$(bash -c "source /usr/share/bash-completion/completions/sipscope && complete -p sipscope")" = "complete -F _sipscope sipscope" ] &&
		ok "bash completion: complete -p sipscope" || bad "bash completion"
	test -r /usr/share/zsh/vendor-completions/_sipscope && ok "zsh completion in vendor-completions" || bad "zsh completion"
	# live capture without root: setcap, then nobody captures on lo
	if setcap cap_net_raw,cap_net_admin=eip /usr/bin/sipscope; then
		port=$((20000 + $$ % 5000))
		setpriv --reuid=nobody --regid=nogroup --clear-groups sipscope -N -i lo --duration 5 "udp port $port" \
			>/tmp/live.out 2>/tmp/live.err &
		sp=$!
		for i in $(seq 50); do grep -q "capturing on" /tmp/live.err && break; sleep 0.1; done
		# one datagram per message: cat writes the file at once (bash
		# flushes its own printf at each newline)
		for i in 1 2 3; do
			printf "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-f$i\r\nFrom: <sip:alice@127.0.0.1>;tag=f$i\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: fresh-$i@sipscope.test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n" \
				>/tmp/msg$i
			cat /tmp/msg$i >/dev/udp/127.0.0.1/$port
		done
		sleep 0.3
		kill -INT $sp; wait $sp
		rc=$?
		sed "s/^/     /" /tmp/live.out /tmp/live.err
		[ "$rc" = 0 ] && [ "$(grep -c fresh- /tmp/live.out)" = 3 ] &&
			ok "setcap cap_net_raw,cap_net_admin=eip: nobody captures on lo (3 messages)" || bad "capture as nobody (status $rc)"
	else
		bad "setcap on /usr/bin/sipscope"
	fi
	echo "deb-fresh: $pass passed, $fail failed"
	[ "$fail" = 0 ]
' >"$LOG" 2>&1
rc=$?
set -e
echo "deb_fresh_root: ended with status $rc after $(($(date +%s) - start)) s"
cat "$LOG"
exit $rc
