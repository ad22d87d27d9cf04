#!/bin/sh
# test-net.sh as an unprivileged user: when started as root, re-run it as
# srtuser (created if missing); otherwise as the calling user.
: "${SRT:?}" "${SRT_TEST_SRCDIR:?}" "${SRT_TEST_BUILDDIR:?}"
body=$SRT_TEST_SRCDIR/test-net.sh
[ "$(id -u)" = 0 ] || exec sh "$body"
user=${SRT_TEST_USER:-srtuser}
id "$user" >/dev/null 2>&1 || useradd -m "$user" || { echo "Bail out! cannot create user $user"; exit 1; }
for f in "$SRT" "$SRT_TEST_BUILDDIR/net-upstream" "$body" "$SRT_TEST_SRCDIR/test-net-probe.py" \
	"$SRT_TEST_SRCDIR/lib/libtest.sh"; do
	if ! runuser -u "$user" -- test -r "$f"; then
		echo "Bail out! $f is not readable by $user: build in a world-readable directory (e.g. /tmp, mode 755)"
		exit 1
	fi
done
exec runuser -u "$user" -- env SRT="$SRT" SRT_APPLY_SECCOMP="${SRT_APPLY_SECCOMP:-}" \
	SRT_TEST_SRCDIR="$SRT_TEST_SRCDIR" SRT_TEST_BUILDDIR="$SRT_TEST_BUILDDIR" \
	SRT_TESTS_MUST_WORK=1 PATH="$PATH" sh "$body"
