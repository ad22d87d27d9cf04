#!/bin/bash
# Compare the settings corpus with the reference implementation (npm
# @anthropic-ai/sandbox-runtime 0.0.83): for every case, does the reference
# refuse the file exactly when we do?  A developer tool, not part of
# `make check` (it needs node and the npm package):
#   REF_CLI=/tmp/package/dist/cli.js tests/settings-ref-compare.sh
# Sidecar "ref status N" overrides the expected reference verdict (keys
# that are ours, e.g. receipts), "ref skip" leaves a case out.
set -u
shopt -s nullglob
CORPUS=${SRT_TEST_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}/settings
REF_CLI=${REF_CLI:-/tmp/package/dist/cli.js}
[ -f "$REF_CLI" ] || { echo "reference CLI not found: $REF_CLI" >&2; exit 2; }
work=$(mktemp -d /tmp/srt-refcmp.XXXXXX)
trap 'rm -rf "$work"' EXIT
agree=0 disagree=0 skipped=0
for expect in "$CORPUS"/*.expect; do
	name=$(basename "$expect" .expect)
	want=$(sed -n 's/^status //p' "$expect")
	kind=$(sed -n 's/^path //p' "$expect")
	refline=$(sed -n 's/^ref //p' "$expect")
	case $refline in
	skip) skipped=$((skipped + 1)); echo "skip $name"; continue ;;
	'status '*) want=${refline#status } ;;
	esac
	home=$work/home.$name
	mkdir -p "$home"
	runas=() args=()
	case ${kind:-file} in
	file) args=(--settings "$CORPUS/$name.json") ;;
	missing) args=(--settings "$work/$name.json") ;;
	dir) mkdir -p "$work/$name.json"; args=(--settings "$work/$name.json") ;;
	default) cp "$CORPUS/$name.json" "$home/.srt-settings.json" ;;
	default-missing) ;;
	unreadable)
		cp "$CORPUS/$name.json" "$work/$name.json"
		chmod 000 "$work/$name.json"
		args=(--settings "$work/$name.json")
		[ "$(id -u)" = 0 ] && runas=(runuser -u "${SRT_TEST_USER:-srtuser}" --)
		;;
	*) skipped=$((skipped + 1)); echo "skip $name (path $kind)"; continue ;;
	esac
	chmod 755 "$work" "$home"
	out=$(cd "$work" && HOME=$home timeout 30 "${runas[@]}" env HOME="$home" node "$REF_CLI" "${args[@]}" -c true 2>&1 </dev/null)
	if [[ $out == *"Refusing to run with the built-in defaults"* ]]; then got=1; else got=0; fi
	if [ "$got" = "$want" ]; then
		agree=$((agree + 1))
	else
		disagree=$((disagree + 1))
		echo "DISAGREE $name: reference $got, corpus $want"
		printf '%s\n' "$out" | head -3 | cut -c1-400 | sed 's/^/    /'
	fi
done
echo "agree $agree, disagree $disagree, skipped $skipped"
[ "$disagree" = 0 ]
