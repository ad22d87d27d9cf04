#!/bin/sh
# An MCP stdio server under srt, end to end: the real
# @modelcontextprotocol/server-filesystem from npm (installed by
# scripts/setup-test-deps.sh) started from an .mcp.json entry whose command
# is srt.  tests/test-mcp-client.py plays the MCP host: initialize,
# tools/list, a write inside the project (allowWrite) succeeds, a write in
# a directory the server was given but srt keeps read-only fails with
# EROFS.  stdout must carry nothing but the server's JSON-RPC lines (byte
# for byte what the server writes without srt), with -d too; stdin must
# reach the server unbuffered (each request is answered while stdin stays
# open).  As root and as srtuser.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools node python3

D=$TESTDIR
PKG=@modelcontextprotocol/server-filesystem
SETUP="$SRT_TEST_SRCDIR/../scripts/setup-test-deps.sh"

# Where the server is: $SRT_TEST_DEPS, our own cache, or root's (the suite
# also runs as srtuser after root installed it).  Installed on demand.
have_server() { [ -f "$1/node_modules/$PKG/dist/index.js" ]; }
DEPS=""
for cand in ${SRT_TEST_DEPS:-} "/var/tmp/srt-test-deps-$(id -u)" /var/tmp/srt-test-deps-0; do
	if have_server "$cand" && [ "$(stat -c %u "$cand")" = 0 -o "$(stat -c %u "$cand")" = "$(id -u)" ]; then
		DEPS=$cand
		break
	fi
done
if [ -z "$DEPS" ]; then
	DEPS=${SRT_TEST_DEPS:-/var/tmp/srt-test-deps-$(id -u)}
	if ! sh "$SETUP" "$DEPS" >&2 || ! have_server "$DEPS"; then
		echo "Bail out! $PKG could not be installed into $DEPS (scripts/setup-test-deps.sh needs npm and the registry)"
		exit 1
	fi
fi
SERVER="$DEPS/node_modules/$PKG/dist/index.js"
echo "# server: $SERVER"

CLIENT="$SRT_TEST_SRCDIR/test-mcp-client.py"
SRT_DIR=$(dirname "$SRT")
get() { awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' "$1"; }

# mcp_case TAG DEBUG(0|1) PREFIX...
mcp_case() {
	tag=$1 dbg=$2; shift 2
	W="$D/$tag"
	mkdir -p "$W/project" "$W/outside"
	chmod 777 "$W" "$W/project" "$W/outside" # writable for srtuser too: only srt may refuse
	printf '%s\n' "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\"$W/project\"],\"denyWrite\":[]}}" > "$W/settings.json"
	chmod 644 "$W/settings.json"
	# The recipe from the README, with node instead of npx (no registry here).
	# The host resolves "srt" through PATH, as an MCP client does.
	if [ "$dbg" = 1 ]; then dflag='"-d", '; else dflag=""; fi
	cat > "$W/.mcp.json" <<EOF
{"mcpServers": {"fs": {"command": "srt",
  "args": [$dflag"-s", "$W/settings.json", "node", "$SERVER", "$W/project", "$W/outside"]}}}
EOF
	res="$W/result"
	if [ $# -gt 0 ]; then
		# An MCP host running as srtuser: PATH finds srt there too.
		"$@" env PATH="$SRT_DIR:$PATH" HOME="$HOME" python3 "$CLIENT" full "$W/project" "$W/outside" "$W/stdout" --mcp-json "$W/.mcp.json" fs > "$res" 2> "$W/client.err"
	else
		PATH="$SRT_DIR:$PATH" python3 "$CLIENT" full "$W/project" "$W/outside" "$W/stdout" --mcp-json "$W/.mcp.json" fs > "$res" 2> "$W/client.err"
	fi
	[ -s "$W/client.err" ] && sed 's/^/# client: /' "$W/client.err"
	# The server's (and srt's) stderr, when the session did not complete.
	[ -n "$(get "$res" error)" ] && sed 's/^/# stderr: /' "$W/stdout.stderr"
	is "$tag: initialize answered by the filesystem server" "$(get "$res" server)" secure-filesystem-server
	is "$tag: tools/list has write_file" "$(get "$res" has_write_file)" True
	like "$tag: write inside the allowed directory succeeds" "$(get "$res" write_inside)" '^ok Successfully wrote to '
	is "$tag: the file landed on the host" "$(cat "$W/project/inside.txt" 2>&1)" "written through srt"
	like "$tag: write outside is refused by the sandbox (EROFS)" "$(get "$res" write_outside)" '^error .*EROFS: read-only file system'
	check "$tag: nothing landed outside" '[ ! -e "$W/outside/outside.txt" ]'
	like "$tag: project/.mcp.json cannot be replaced (mandatory deny: EROFS, or EBUSY for a rename onto it)" "$(get "$res" write_mcp_json)" '^error .*(EROFS|EBUSY)'
	check "$tag: no .mcp.json in the project after the run" '[ ! -e "$W/project/.mcp.json" ]'
	is "$tag: read back through the server" "$(get "$res" read_back)" "ok written through srt"
	is "$tag: srt exits 0 when the host closes stdin" "$(get "$res" rc)" 0
	is "$tag: stdout holds only JSON-RPC lines" "$(get "$res" stdout_non_jsonrpc)" 0
	is "$tag: one stdout line per answer (6 requests)" "$(get "$res" stdout_lines)" 6
	if [ "$dbg" = 1 ]; then
		check "$tag: -d output went to stderr" "[ 0$(get "$res" stderr_debug_lines) -gt 0 ]"
	else
		is "$tag: no debug output without -d" "$(get "$res" stderr_debug_lines)" 0
	fi
}

mcp_case root 0
mcp_case root-debug 1
if [ "$(id -u)" = 0 ]; then
	id srtuser >/dev/null 2>&1 || useradd -m srtuser
	chmod 755 "$D"
	chmod 777 "$HOME" # the host's HOME (node reads nothing there, but must be able to)
	mcp_case user 0 runuser -u srtuser --
	mcp_case user-debug 1 runuser -u srtuser --
	is "user: the file belongs to srtuser" "$(stat -c %U "$D/user/project/inside.txt")" srtuser
fi

# Byte-for-byte: the same read-only session with and without srt.
R="$D/bytes"
mkdir -p "$R/project" "$R/outside"
printf '%s\n' "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\"$R/project\"],\"denyWrite\":[]}}" > "$R/settings.json"
python3 "$CLIENT" readonly "$R/project" "$R/outside" "$R/direct" -- node "$SERVER" "$R/project" "$R/outside" > "$R/direct.res" 2>&1
python3 "$CLIENT" readonly "$R/project" "$R/outside" "$R/srt" -- "$SRT" -d -s "$R/settings.json" node "$SERVER" "$R/project" "$R/outside" > "$R/srt.res" 2>&1
like "direct run answered" "$(get "$R/direct.res" allowed)" "$R/project"
check "transcripts are not empty" '[ -s "$R/direct" ] && [ -s "$R/srt" ]'
ok "stdout under srt -d is byte-for-byte the server's own" cmp "$R/direct" "$R/srt"

done_testing
