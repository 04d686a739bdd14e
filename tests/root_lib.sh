# root_lib.sh - a fresh minbase Debian root for tests/fresh_root.sh and
# tests/deb_fresh_root.sh (sourced).  The caller sets DIR (the root), BASE
# (the tarball of the bare root), SUITE, MIRROR, LOG and ME (its name, for
# messages), and has a die().

# Mounts go away before anything is deleted: rm -rf must never reach the
# host's /dev or /proc through a bind mount.
root_unmount_all() {
	# Deepest first: the root itself may be a bind mount, and a test may
	# leave mounts of its own (ip netns puts one in /run/netns).
	awk -v d="$DIR" '$2 == d || index($2, d "/") == 1 { print length($2), $2 }' /proc/mounts |
		sort -rn | cut -d' ' -f2- | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	if awk -v d="$DIR" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
		echo "$ME: still mounted under $DIR; not deleting it" >&2
		return 1
	fi
	return 0
}

# root_make: DIR emptied, then the bare root unpacked from BASE, or made by
# debootstrap (and kept as BASE for the next run).
root_make() {
	case "$DIR" in /*/*) ;; *) die "FRESH_DIR must be an absolute path below /" ;; esac
	mkdir -p "$(dirname "$DIR")"
	if [ -e "$DIR" ]; then
		root_unmount_all || exit 2
		rm -rf "$DIR"
	fi
	mkdir -p "$DIR"
	if [ -s "$BASE" ]; then
		echo "$ME: unpacking the minbase $SUITE root from $BASE"
		tar -C "$DIR" -xf "$BASE"
	else
		command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (apt-get install debootstrap)"
		echo "$ME: debootstrap --variant=minbase $SUITE $DIR $MIRROR"
		debootstrap --variant=minbase "$SUITE" "$DIR" "$MIRROR" >"$LOG.debootstrap" 2>&1 ||
			{ tail -20 "$LOG.debootstrap"; die "debootstrap failed (log: $LOG.debootstrap)"; }
		tar -C "$DIR" -cf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
	fi
}

# root_mount: what programs in the root expect: DNS, /proc, /sys, /dev, /tmp.
root_mount() {
	cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
	mount -t proc proc "$DIR/proc"
	mount -t sysfs sys "$DIR/sys"
	mount --rbind /dev "$DIR/dev" && mount --make-rslave "$DIR/dev"
	mount -t tmpfs tmpfs "$DIR/tmp"
}
