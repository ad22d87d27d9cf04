# Shared helpers for srt's end-to-end tests (TAP).  Source it, then use
#   ok "name" cmd...        test passes when cmd succeeds
#   not_ok_expected ...     see below
#   done_testing            prints the plan and exits
# Every test runs in a private temp dir, removed on exit.
set -u

: "${SRT:?SRT must point at the built srt (make check sets it)}"
: "${SRT_TEST_SRCDIR:=$(cd "$(dirname "$0")" && pwd)}"

TEST_N=0
TEST_FAILED=0

TESTDIR=$(mktemp -d /tmp/srt-test.XXXXXX)
chmod 755 "$TESTDIR"
cleanup_testdir() {
	[ -n "${TEST_KEEP:-}" ] && { echo "# kept $TESTDIR"; return; }
	rm -rf "$TESTDIR"
}
trap cleanup_testdir EXIT

# A fresh HOME so the user's own ~/.srt-settings.json never leaks in, and a
# private TMPDIR so what srt leaves behind (it must leave nothing) is this
# test's alone, even when tests run in parallel.
export HOME="$TESTDIR/home"
export TMPDIR="$TESTDIR/tmp"
mkdir -p "$HOME" "$TMPDIR"
chmod 1777 "$TMPDIR" # tests may run srt as another user too
# A placeholder registry of this test's own (srt-<uid> inside), so parallel
# tests never clean up each other's deliberately killed runs.
export SRT_TEST_REGISTRY_DIR="$TESTDIR/registry"
mkdir -p "$SRT_TEST_REGISTRY_DIR"
chmod 1777 "$SRT_TEST_REGISTRY_DIR"
# The proxies' socket directories srt made (they live in its registry).
srt_net_dirs() { ls -d "$SRT_TEST_REGISTRY_DIR"/srt-*/srt-net-* "$TMPDIR"/srt-net-* 2>/dev/null; }

_report() { # status name
	TEST_N=$((TEST_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TEST_N - $2"
	else
		echo "not ok $TEST_N - $2"
		TEST_FAILED=$((TEST_FAILED + 1))
	fi
}

# ok NAME CMD...: CMD must exit 0.  Its output is shown as TAP comments on failure.
ok() {
	name=$1; shift
	if out=$("$@" 2>&1); then
		_report 0 "$name"
	else
		_report 1 "$name"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

# fails NAME CMD...: CMD must exit nonzero.
fails() {
	name=$1; shift
	if out=$("$@" 2>&1); then
		_report 1 "$name (succeeded, expected failure)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	else
		_report 0 "$name"
	fi
}

# check NAME EXPR: evaluate a shell condition (string) and report it.
check() {
	name=$1; shift
	if eval "$1"; then _report 0 "$name"; else
		_report 1 "$name"
		echo "#   condition: $1"
	fi
}

# is NAME GOT WANT
is() {
	if [ "$2" = "$3" ]; then _report 0 "$1"; else
		_report 1 "$1"
		printf '#   got:  %s\n#   want: %s\n' "$2" "$3"
	fi
}

# like NAME TEXT REGEX (grep -E)
like() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then _report 0 "$1"; else
		_report 1 "$1"
		printf '%s\n' "$2" | sed 's/^/#   got: /'
		printf '#   want match: %s\n' "$3"
	fi
}

# unlike NAME TEXT REGEX
unlike() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		_report 1 "$1"
		printf '%s\n' "$2" | sed 's/^/#   got: /'
		printf '#   must not match: %s\n' "$3"
	else _report 0 "$1"; fi
}

done_testing() {
	echo "1..$TEST_N"
	[ "$TEST_FAILED" = 0 ]
	exit $?
}

# Tools the end-to-end tests need: a missing one is a failure, never a skip.
require_tools() {
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "Bail out! $t is not installed (run scripts/setup-debian.sh --deps)"
			exit 1
		fi
	done
}

# Settings file helper: write_settings FILE JSON
write_settings() { printf '%s\n' "$2" > "$1"; }
