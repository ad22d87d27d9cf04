#!/bin/sh
# Filesystem sandbox end to end (real bwrap + ripgrep), as the current user
# (root under make check).
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
. "$SRT_TEST_SRCDIR/fs-cases.sh"
done_testing
