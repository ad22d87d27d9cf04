#!/bin/bash
# The settings corpus: every tests/settings/NAME.expect is one case, run
# through config_load() (tests/config-load, the same code srt uses).
#
# Sidecar directives, one per line:
#   status N         expected exit status (0 valid, 1 refused)
#   match TEXT       TEXT must occur in the output (fixed string)
#   nomatch TEXT     TEXT must not occur
#   path KIND        how NAME.json is handed over instead of "-s NAME.json":
#                      missing     -s pointing at a file that does not exist
#                      dir         -s pointing at a directory
#                      unreadable  a mode-000 copy, read as an unprivileged user
#                      default     no -s; the file is $HOME/.srt-settings.json
#                      default-missing  no -s and no default file
#   enforce          also run config_check_enforceable()
#   srt-status N     exit status of "srt --dry-run" when it differs from
#                    status (srt refuses keys it cannot enforce)
#   ref ...          for tests/settings-ref-compare.sh only (ignored here)
#
# When $SRT is an executable, each case is run a second time as
# "srt --dry-run -s FILE" (TAP name "srt: NAME"): same verdict, and for a
# refusal the same message.
set -u
shopt -s nullglob
: "${SRT_TEST_SRCDIR:=$(cd "$(dirname "$0")" && pwd)}"
: "${SRT_TEST_BUILDDIR:=$SRT_TEST_SRCDIR}"
LOADER=${CONFIG_LOAD:-$SRT_TEST_BUILDDIR/config-load}
CORPUS=$SRT_TEST_SRCDIR/settings
SRTUSER=${SRT_TEST_USER:-srtuser}

TESTDIR=$(mktemp -d /tmp/srt-corpus.XXXXXX)
chmod 755 "$TESTDIR"
trap 'rm -rf "$TESTDIR"' EXIT

n=0 failed=0
report() { # ok|notok name
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

if [ ! -x "$LOADER" ]; then
	echo "1..0 # config-load not built: $LOADER"
	exit 1
fi

for expect in "$CORPUS"/*.expect; do
	name=$(basename "$expect" .expect)
	json=$CORPUS/$name.json
	want_status=0 kind=file enforce= srt_status=
	matches=() nomatches=()
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'status '*) want_status=${line#status } ;;
		'match '*) matches+=("${line#match }") ;;
		'nomatch '*) nomatches+=("${line#nomatch }") ;;
		'path '*) kind=${line#path } ;;
		enforce) enforce=--enforce ;;
		'srt-status '*) srt_status=${line#srt-status } ;;
		'ref'*|'#'*|'') ;;
		*) echo "# $name.expect: unknown directive: $line"; want_status=bad ;;
		esac
	done <"$expect"

	case_home=$TESTDIR/$name.home
	mkdir -p "$case_home"
	runas=()
	case $kind in
	file) args=(-s "$json") ;;
	missing) args=(-s "$TESTDIR/$name.json") ;;
	dir) mkdir -p "$TESTDIR/$name.json"; args=(-s "$TESTDIR/$name.json") ;;
	unreadable)
		cp "$json" "$TESTDIR/$name.json"
		chmod 000 "$TESTDIR/$name.json"
		args=(-s "$TESTDIR/$name.json")
		# root reads anything: drop to an unprivileged user for this one.
		if [ "$(id -u)" = 0 ]; then
			if ! id "$SRTUSER" >/dev/null 2>&1; then
				report notok "$name (no unprivileged user '$SRTUSER' to test with)"
				continue
			fi
			runas=(runuser -u "$SRTUSER" --)
		fi
		;;
	default) cp "$json" "$case_home/.srt-settings.json"; args=() ;;
	default-missing) args=() ;;
	*) report notok "$name (bad path kind $kind)"; continue ;;
	esac

	# check LABEL WANT_STATUS CHECK_MATCHES CMD...
	check_case() {
		local label=$1 want=$2 domatch=$3 out status bad= m
		shift 3
		out=$(cd "$TESTDIR" && HOME=$case_home "${runas[@]}" "$@" 2>&1 </dev/null)
		status=$?
		# Messages name the path as given: make it relative to the corpus.
		out=${out//"$case_home/"/"~/"}
		out=${out//"$CORPUS/"/}
		out=${out//"$TESTDIR/"/}
		[ "$status" = "$want" ] || bad="status $status, want $want"
		if [ "$domatch" = yes ]; then
			for m in "${matches[@]}"; do
				[[ $out == *"$m"* ]] || bad="${bad:+$bad; }missing: $m"
			done
			for m in "${nomatches[@]}"; do
				[[ $out == *"$m"* ]] && bad="${bad:+$bad; }unexpected: $m"
			done
		fi
		if [ -z "$bad" ]; then
			report ok "$label"
		else
			report notok "$label: $bad"
			printf '%s\n' "$out" | head -20 | sed 's/^/#   /'
		fi
	}
	check_case "$name" "$want_status" yes "$LOADER" -d $enforce "${args[@]}"
	if [ -n "${SRT:-}" ] && [ -x "$SRT" ]; then
		# srt's own output is a plan, not the config: compare refusals only.
		if [ -n "$srt_status" ]; then
			check_case "srt: $name" "$srt_status" no "$SRT" --dry-run "${args[@]}"
		else
			check_case "srt: $name" "$want_status" "$([ "$want_status" = 1 ] && echo yes || echo no)" \
				"$SRT" --dry-run "${args[@]}"
		fi
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
