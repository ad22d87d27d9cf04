# apply-seccomp end to end as the calling user (root in CI).
exec sh "$SRT_TEST_SRCDIR/test-seccomp-common.sh"
