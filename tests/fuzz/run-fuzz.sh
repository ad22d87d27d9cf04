#!/bin/sh
# `make fuzz`: build each harness with clang + libFuzzer + ASan/UBSan from
# the sources directly (libsrt.a is built by the normal compiler, maybe
# without sanitizers) and run it for FUZZ_SECONDS over a working copy of
# its seed corpus.  Findings land in tests/fuzz/findings/ of the build
# tree; the final line per target gives the executions.
set -u
: "${SRCDIR:?}" "${BUILDDIR:?}" "${CLANG:=clang}" "${FUZZ_SECONDS:=60}"
: "${FUZZ_TARGETS:=settings domain http-head socks}"
if [ "${HAVE_LIBFUZZER:-no}" != yes ]; then
	echo "make fuzz: '$CLANG' cannot build with -fsanitize=fuzzer (clang or libFuzzer missing)."
	echo "  Install clang and libclang-rt-14-dev (scripts/setup-debian.sh does), then re-run configure."
	exit 1
fi
S=$SRCDIR/src
sources() {
	case $1 in
	settings) echo "$S/config.c $S/domain.c $S/util.c $S/log.c $S/strv.c" ;;
	domain) echo "$S/domain.c $S/policy.c $S/util.c $S/log.c $S/strv.c" ;;
	http-head) echo "$S/http_head.c $S/policy.c $S/domain.c $S/util.c $S/log.c $S/strv.c" ;;
	socks) echo "$S/socks_parse.c" ;;
	*) return 1 ;;
	esac
}
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
CFLAGS="$CFLAGS -include $BUILDDIR/config.h -I$S -I$SRCDIR/tests/fuzz"
mkdir -p "$BUILDDIR/tests/fuzz/findings"
status=0
summary=""
for t in $FUZZ_TARGETS; do
	src=$(sources "$t") || { echo "make fuzz: unknown target $t"; exit 1; }
	bin=$BUILDDIR/tests/fuzz/fuzz-$t
	libs=""
	[ "$t" = settings ] && libs=${JSONC_LIBS:-}
	echo "== fuzz-$t: building"
	# shellcheck disable=SC2086
	if ! $CLANG $CFLAGS ${JSONC_CFLAGS:-} -o "$bin" "$SRCDIR/tests/fuzz/fuzz-$t.c" $src $libs; then
		echo "make fuzz: building fuzz-$t failed"
		exit 1
	fi
	work=$BUILDDIR/tests/fuzz/work/$t
	mkdir -p "$work"
	log=$BUILDDIR/tests/fuzz/fuzz-$t.log
	echo "== fuzz-$t: running for ${FUZZ_SECONDS}s (log: $log)"
	"$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$BUILDDIR/tests/fuzz/findings/$t-" "$work" "$SRCDIR/tests/fuzz/corpus/$t" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ $rc -eq 0 ]; then
		line="fuzz-$t: ok, ${execs:-?} executions in ${FUZZ_SECONDS}s"
	else
		line="fuzz-$t: FINDING (exit $rc), ${execs:-?} executions; see $log and tests/fuzz/findings/"
		grep -E 'ERROR:|invariant failed|SUMMARY' "$log" | head -5
		status=1
	fi
	echo "$line"
	summary="$summary$line
"
done
echo "== summary"
printf '%s' "$summary"
exit $status
