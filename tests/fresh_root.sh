#!/bin/sh
# `make test` as a new user runs it: in a fresh minbase Debian root with
# only git and make installed, on a clone of this repository's HEAD.  What
# the project forgets to install (a command a test calls, a library) fails
# here even when this machine has it.
#
# Usage (root): sh tests/fresh_root.sh [TARGET]      (TARGET: test, the default)
# Environment:
#   FRESH_DIR   the root to build (default build/fresh-root; emptied first)
#   SUITE       Debian suite (bookworm)      MIRROR  (http://deb.debian.org/debian)
#   FRESH_BASE  a tarball of the bare minbase root: made on the first run,
#               unpacked on later ones (default build/fresh-root-base.tar);
#               the root starts from it every time, so it stays fresh
# The log goes to $FRESH_DIR.log; the exit status is make's.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${1:-test}
DIR=${FRESH_DIR:-$ROOT/build/fresh-root}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE=${FRESH_BASE:-$ROOT/build/fresh-root-base.tar}
LOG=$DIR.log

ME=fresh_root
die() { echo "fresh_root: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
. "$ROOT/tests/root_lib.sh"
trap 'root_unmount_all' EXIT INT TERM
root_make
# The root a mount point of its own, as / is on a machine: ip netns exec
# (the UI tests' namespaces) needs `mount --make-rslave /` to work.
mount --bind "$DIR" "$DIR"
root_mount
mkdir -p "$DIR/src"
mount --bind "$ROOT" "$DIR/src" && mount -o remount,bind,ro "$DIR/src"

in_root() {
	chroot "$DIR" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 CI=true \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

echo "fresh_root: installing git and make only, then: git clone; make $TARGET (log: $LOG)"
start=$(date +%s)
set +e
in_root sh -ec '
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends git make ca-certificates
	git config --global --add safe.directory /src
	git config --global --add safe.directory /src/.git
	git clone -q /src /root/sipscope
	cd /root/sipscope
	echo "fresh_root: $(git log -1 --format="%h %s")"
	make '"$TARGET"' </dev/null
' >"$LOG" 2>&1
rc=$?
set -e
echo "fresh_root: make $TARGET ended with status $rc after $(($(date +%s) - start)) s"
grep -E '^(fresh_root:|integration:|[0-9]+ passed)|^FAIL|^\[  (PASSED|FAILED) ' "$LOG" | tail -40
exit $rc
