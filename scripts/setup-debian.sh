#!/bin/sh
# Install everything srt needs to build, run and test on Debian/Ubuntu,
# then bootstrap and build.  Safe to run again: apt-get skips what is there.
#   scripts/setup-debian.sh            install + ./configure + make
#   scripts/setup-debian.sh --deps     install packages only
set -eu

PACKAGES="build-essential autoconf automake pkg-config libtool
libjson-c-dev libseccomp-dev libevent-dev libsodium-dev
bubblewrap socat ripgrep curl python3 ca-certificates iproute2 procps
openssl python3-nacl hyperfine
git man-db groff-base bsdextrautils util-linux
debhelper dh-autoreconf dpkg-dev fakeroot
clang libclang-rt-14-dev"

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm" # tests/test-mcp.sh
if [ -n "$missing" ]; then
	echo "srt setup: installing$missing"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

[ "${1:-}" = "--deps" ] && exit 0

cd "$(dirname "$0")/.."
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure ${SRT_CONFIGURE_FLAGS:-}
make -j"$(nproc)"
