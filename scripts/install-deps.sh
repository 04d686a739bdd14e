#!/bin/sh
# Install what sipscope needs to build and test, on Debian or Ubuntu.
# Usage: scripts/install-deps.sh [build|test|samples|deb]
# deb: what `make deb` needs (debhelper, the optional codec libraries the
# package is built with) and `make deb-test` (lintian).
# Packages already installed are left alone; apt-get runs only when
# something is missing (with sudo when not root).
set -eu

want="${1:-test}"
# libspandsp-dev, libbcg729-dev, libopus-dev, libgsm1-dev: the G.722,
# G.729, Opus and GSM audio decoders (each optional: the Makefile builds
# those whose library it finds).  ffmpeg: their test encoders.
pkgs="gcc make pkg-config libpcap-dev libncurses-dev libsqlite3-dev libcmocka-dev libssl-dev libsrtp2-dev libspandsp-dev libbcg729-dev libopus-dev libgsm1-dev libmicrohttpd-dev"
case "$want" in
build) ;;
test) pkgs="$pkgs tshark python3 ffmpeg iproute2 procps time tmux zsh libcap2-bin libxml2-utils plantuml sqlite3 node-jsdom sip-tester tcpdump sngrep kamailio kamailio-tls-modules kamailio-websocket-modules kamailio-sqlite-modules kamailio-secsipid-modules secsipidx sipvicious fail2ban openssl prometheus valgrind util-linux mount" ;;
deb) pkgs="$pkgs debhelper dpkg-dev fakeroot lintian" ;;
samples) pkgs="$pkgs sip-tester tcpdump kamailio kamailio-websocket-modules kamailio-tls-modules sngrep iproute2 ethtool openssl tshark nftables" ;;
*) echo "usage: $0 [build|test|samples|deb]" >&2; exit 2 ;;
esac

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $pkgs; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
else
	echo "sipscope: not a Debian/Ubuntu system; install these (or your system's" >&2
	echo "equivalents) by hand, then run make again: $pkgs" >&2
	exit 1
fi
[ -z "$missing" ] && exit 0

echo "sipscope: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "sipscope: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
