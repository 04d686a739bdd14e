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

die() { echo "fresh_root: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (apt-get install debootstrap)"
case "$DIR" in /*/*) ;; *) die "FRESH_DIR must be an absolute path below /" ;; esac

# Mounts go away before anything is deleted: rm -rf must never reach the
# host's /dev or /proc through a bind mount.
unmount_all() {
	# Deepest first: the root itself is a bind mount, and a test may leave
	# mounts of its own (ip netns puts one in /run/netns).
	awk -v d="$DIR" '$2 == d || index($2, d "/") == 1 { print length($2), $2 }' /proc/mounts |
		sort -rn | cut -d' ' -f2- | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	if awk -v d="$DIR" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
		echo "fresh_root: still mounted under $DIR; not deleting it" >&2
		return 1
	fi
	return 0
}
trap 'unmount_all' EXIT INT TERM

mkdir -p "$(dirname "$DIR")"
if [ -e "$DIR" ]; then
	unmount_all || exit 2
	rm -rf "$DIR"
fi
mkdir -p "$DIR"
if [ -s "$BASE" ]; then
	echo "fresh_root: unpacking the minbase $SUITE root from $BASE"
	tar -C "$DIR" -xf "$BASE"
else
	echo "fresh_root: debootstrap --variant=minbase $SUITE $DIR $MIRROR"
	debootstrap --variant=minbase "$SUITE" "$DIR" "$MIRROR" >"$LOG.debootstrap" 2>&1 ||
		{ tail -20 "$LOG.debootstrap"; die "debootstrap failed (log: $LOG.debootstrap)"; }
	tar -C "$DIR" -cf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
fi

cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
# The root a mount point of its own, as / is on a machine: ip netns exec
# (the UI tests' namespaces) needs `mount --make-rslave /` to work.
mount --bind "$DIR" "$DIR"
mount -t proc proc "$DIR/proc"
mount -t sysfs sys "$DIR/sys"
mount --rbind /dev "$DIR/dev" && mount --make-rslave "$DIR/dev"
mount -t tmpfs tmpfs "$DIR/tmp"
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
