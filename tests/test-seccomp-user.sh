# apply-seccomp end to end as an unprivileged user: as root, re-run the common
# body as srtuser (created if missing); otherwise as the calling user.
: "${SRT_TEST_SRCDIR:?}" "${SRT_TEST_BUILDDIR:?}" "${SRT_APPLY_SECCOMP:?}"
body=$SRT_TEST_SRCDIR/test-seccomp-common.sh
if [ "$(id -u)" != 0 ]; then
	exec sh "$body"
fi
user=${SRT_TEST_USER:-srtuser}
if ! id "$user" >/dev/null 2>&1; then
	useradd -m "$user" || { echo "Bail out! cannot create user $user"; exit 1; }
fi
for f in "$SRT_APPLY_SECCOMP" "$SRT_TEST_BUILDDIR/try-seccomp" "$SRT_TEST_BUILDDIR/net-upstream" "$body"; do
	if ! runuser -u "$user" -- test -r "$f"; then
		echo "Bail out! $f is not readable by $user: build in a world-readable directory (e.g. /tmp, mode 755)"
		exit 1
	fi
done
exec runuser -u "$user" -- env SRT="${SRT:-}" SRT_APPLY_SECCOMP="$SRT_APPLY_SECCOMP" \
	SRT_TEST_SRCDIR="$SRT_TEST_SRCDIR" SRT_TEST_BUILDDIR="$SRT_TEST_BUILDDIR" \
	SRT_TESTS_MUST_WORK=1 PATH="$PATH" sh "$body"
