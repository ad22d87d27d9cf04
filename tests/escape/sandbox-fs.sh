#!/bin/sh
# Filesystem escape attempts through a real srt, as the calling user (root
# under make check; sandbox-fs-user.sh repeats them as srtuser).
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
. "$SRT_TEST_SRCDIR/escape/sandbox-lib.sh"
. "$SRT_TEST_SRCDIR/escape/sandbox-fs-cases.sh"
done_testing
