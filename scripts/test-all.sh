#!/bin/sh
# The whole test suite, the way CI runs it on a fresh Debian machine:
#   1. install what is missing and build in the tree (scripts/setup-debian.sh)
#   2. `make check` as the calling user (root in CI)
#   3. as root: the same suite as the unprivileged user srtuser (created here)
#   4. the same suite built with AddressSanitizer + UBSan
#   5. `make distcheck` (tarball, VPATH build, install/uninstall)
#   6. the Debian package: built from HEAD, unpacked, run (scripts/test-deb.sh)
# Any failure stops the script with a nonzero status.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/setup-debian.sh
scripts/setup-test-deps.sh # npm test deps (tests/test-mcp.sh), outside the tree
jobs=$(nproc)
work=$(mktemp -d /tmp/srt-ci.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

show_failures() { # builddir
	for f in $(find "$1/tests" -name '*.log' 2>/dev/null); do
		grep -q '^not ok\|^Bail out\|^ERROR\|^FAIL' "$f" && { echo "=== $f"; cat "$f"; }
	done
	return 1
}

# A private copy of the sources, unconfigured, for a second build.
copy_tree() { # dest
	cp -a "$top" "$1"
	(cd "$1" && { [ ! -f Makefile ] || make -s distclean >/dev/null; })
}

# The suite also runs srt as srtuser: when this tree is not reachable by
# that user (e.g. a clone inside a mode-0700 mktemp dir), test a copy.
main=$top
if [ "$(id -u)" = 0 ]; then
	id srtuser >/dev/null 2>&1 || useradd -m srtuser
	if ! runuser -u srtuser -- test -r "$top/README"; then
		copy_tree "$work/main"
		(cd "$work/main" && ./configure -q && make -s -j"$jobs")
		main=$work/main
	fi
fi
echo "== make check as $(id -un)"
(cd "$main" && make -j"$jobs" check) || show_failures "$main"

if [ "$(id -u)" = 0 ]; then
	id srtuser >/dev/null 2>&1 || useradd -m srtuser
	echo "== make check as unprivileged srtuser"
	copy_tree "$work/user"
	chown -R srtuser: "$work/user"
	runuser -u srtuser -- sh -c "cd '$work/user' && ./configure -q && make -s -j$jobs && make -j$jobs check" ||
		show_failures "$work/user"
fi

echo "== make check with ASan + UBSan"
copy_tree "$work/asan"
(cd "$work/asan" && ./configure -q --enable-sanitizers && make -s -j"$jobs" && make -j"$jobs" check) ||
	show_failures "$work/asan"

echo "== make distcheck"
(cd "$main" && make -s distcheck)

echo "== Debian package"
scripts/test-deb.sh

echo "== all tests passed"
