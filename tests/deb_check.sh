#!/bin/sh
# The Debian package make deb built: lintian, its contents, its
# dependencies (against the libraries the binary links), and the binary
# it holds run on the examples it holds.  make deb-test runs it (CI too).
# Usage: sh tests/deb_check.sh build/sipscope_VERSION_ARCH.deb
# Prints one line per check and "deb: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEB=${1:?usage: deb_check.sh PACKAGE.deb}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -30; }

# lintian: no error; the warnings and infos listed (the report says which remain)
lintian --fail-on error --display-info "$DEB" >"$T/lintian" 2>&1
rc=$?
[ "$rc" = 0 ] && ! grep -q '^E: ' "$T/lintian" &&
	ok "lintian: no error ($(grep -c '^W: ' "$T/lintian") warnings, $(grep -c '^I: ' "$T/lintian") infos)" ||
	bad "lintian: no error (status $rc)" "$T/lintian"
sed 's/^/     /' "$T/lintian"

# the files, where Debian wants them
dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/bin/sipscope /usr/share/man/man1/sipscope.1.gz \
	/usr/share/bash-completion/completions/sipscope /usr/share/zsh/vendor-completions/_sipscope \
	/usr/share/doc/sipscope/copyright /usr/share/doc/sipscope/changelog.gz \
	/usr/share/doc/sipscope/examples/basic_udp.pcap /usr/share/doc/sipscope/examples/tls13_sip.pcapng \
	/usr/share/doc/sipscope/examples/tls12_sip.keys; do
	grep -qx "$f" "$T/files" && ok "dpkg -c: $f" || bad "dpkg -c: $f is missing" "$T/files"
done
# every capture and key log of samples/, and nothing else, as examples
ls "$ROOT/samples" | grep -E '\.(pcap|pcapng|keys)$' | sort >"$T/want"
sed -n 's|^/usr/share/doc/sipscope/examples/||p' "$T/files" | grep -v '^$' | sort >"$T/got"
cmp -s "$T/want" "$T/got" && ok "examples: the $(wc -l <"$T/want") captures and key logs of samples/, nothing else" ||
	{ diff "$T/want" "$T/got" >"$T/d"; bad "examples: the captures and key logs of samples/, nothing else" "$T/d"; }

# unpacked: the binary, its dependencies, the completion as committed
dpkg-deb -x "$DEB" "$T/root"
B=$T/root/usr/bin/sipscope
v=$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")
[ "$(dpkg-deb -f "$DEB" Version)" = "$v" ] && [ "$("$B" --version | head -1)" = "sipscope $v" ] &&
	ok "version: the package's and the binary's are the Makefile's ($v)" ||
	bad "version: package $(dpkg-deb -f "$DEB" Version), binary $("$B" --version 2>&1), Makefile $v"
# Each shared library the binary needs comes from a package Depends names
# (dpkg-shlibdeps), looked up here independently with dpkg -S.
dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' >"$T/deps"
readelf -d "$B" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >"$T/needed"
: >"$T/d"
while read -r lib; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
	pkg=$({ dpkg -S "$path" || dpkg -S "/usr$path"; } 2>/dev/null | head -1 | cut -d: -f1)
	grep -qx "$pkg" "$T/deps" || echo "$lib ($path, package '$pkg') not in Depends: $(tr '\n' ' ' <"$T/deps")" >>"$T/d"
done <"$T/needed"
[ -s "$T/needed" ] && [ ! -s "$T/d" ] &&
	ok "Depends: a package for each of the $(wc -l <"$T/needed") libraries the binary links" ||
	bad "Depends: a package for each library the binary links" "$T/d"
readelf -S "$B" | grep -q '\.debug_info' && bad "the binary is not stripped" ||
	ok "the binary is stripped (its debug symbols in the -dbgsym package)"
"$B" calls -r "$T/root/usr/share/doc/sipscope/examples/basic_udp.pcap" >"$T/out" 2>&1 &&
	[ "$(grep -c ' completed ' "$T/out")" = 3 ] &&
	ok "the packaged binary reads the packaged example (3 completed calls)" ||
	bad "the packaged binary reads the packaged example" "$T/out"
cmp -s "$T/root/usr/share/bash-completion/completions/sipscope" "$ROOT/completion/sipscope.bash" &&
	cmp -s "$T/root/usr/share/zsh/vendor-completions/_sipscope" "$ROOT/completion/_sipscope" &&
	ok "the completion scripts are the tree's" || bad "the completion scripts are the tree's"
zcat "$T/root/usr/share/man/man1/sipscope.1.gz" | cmp -s - "$ROOT/man/sipscope.1" &&
	ok "the man page is the tree's" || bad "the man page is the tree's"

echo "deb: $pass passed, $fail failed"
[ "$fail" = 0 ]
