#!/bin/sh
# Process, namespace and socket escape attempts through a real srt, as the calling user (root
# under make check; sandbox-proc-user.sh repeats them as srtuser).
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
. "$SRT_TEST_SRCDIR/escape/sandbox-lib.sh"
. "$SRT_TEST_SRCDIR/escape/sandbox-proc-cases.sh"
done_testing
