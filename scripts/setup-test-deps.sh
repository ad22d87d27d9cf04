#!/bin/sh
# Test-only dependencies that come from npm, not apt: a real MCP server for
# tests/test-mcp.sh.  Installed outside the source tree so VPATH builds,
# `make distcheck` and a copy of the tree run as another user all find it.
#   scripts/setup-test-deps.sh [DIR]
# DIR defaults to $SRT_TEST_DEPS, else /var/tmp/srt-test-deps-<uid>.  Safe to
# run again: nothing is fetched when the pinned version is already there.
set -eu

MCP_FS_PKG=@modelcontextprotocol/server-filesystem
MCP_FS_VERSION=2026.8.31

dir=${1:-${SRT_TEST_DEPS:-/var/tmp/srt-test-deps-$(id -u)}}
marker="$dir/node_modules/$MCP_FS_PKG/package.json"

installed_version() {
	[ -f "$marker" ] || return 1
	node -e 'process.stdout.write(require(process.argv[1]).version)' "$marker" 2>/dev/null
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "setup-test-deps: node and npm are needed (scripts/setup-debian.sh --deps installs them)" >&2
	exit 1
fi

# The tests run node code from here: refuse a directory owned by anyone but
# us or root.
owner=$(stat -c %u "$dir" 2>/dev/null || id -u)
if [ "$owner" != "$(id -u)" ] && [ "$owner" != 0 ]; then
	echo "setup-test-deps: $dir belongs to uid $owner, not to $(id -un); remove it or pick another DIR" >&2
	exit 1
fi

[ "$(installed_version || true)" = "$MCP_FS_VERSION" ] && exit 0

mkdir -p "$dir"
chmod 755 "$dir"
echo "setup-test-deps: installing $MCP_FS_PKG@$MCP_FS_VERSION into $dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save --omit=dev --loglevel=error \
	"$MCP_FS_PKG@$MCP_FS_VERSION" >&2
[ "$(installed_version || true)" = "$MCP_FS_VERSION" ] || {
	echo "setup-test-deps: $MCP_FS_PKG@$MCP_FS_VERSION did not install into $dir" >&2
	exit 1
}
# Readable by the unprivileged user the suite also runs as.
chmod -R a+rX "$dir"
