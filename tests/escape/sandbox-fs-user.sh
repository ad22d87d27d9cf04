#!/bin/sh
# sandbox-fs.sh as an unprivileged user: when started as root, create
# srtuser if needed and re-run as that user.
if [ "$(id -u)" = 0 ]; then
	id srtuser >/dev/null 2>&1 || useradd -m srtuser || { echo "Bail out! cannot create srtuser"; exit 1; }
	exec runuser -u srtuser -- env SRT="$SRT" SRT_TEST_SRCDIR="$SRT_TEST_SRCDIR" \
		SRT_TEST_BUILDDIR="$SRT_TEST_BUILDDIR" PATH="$PATH" sh "$SRT_TEST_SRCDIR/escape/sandbox-fs.sh"
fi
exec sh "$SRT_TEST_SRCDIR/escape/sandbox-fs.sh"
