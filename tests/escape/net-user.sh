#!/bin/sh
# Every network escape attempt again as an unprivileged user: when started
# as root, each tests/escape/net-*.sh runs as srtuser (created if missing;
# the sandbox then sits in a user namespace of its own); otherwise as the
# calling user.  One TAP stream: the tests are renumbered and named
# "[user script] ...".
: "${SRT:?}" "${SRT_TEST_SRCDIR:?}" "${SRT_TEST_BUILDDIR:?}"
scripts="net-direct net-names net-literals net-http net-socks"
E=$SRT_TEST_SRCDIR/escape
if [ "$(id -u)" = 0 ]; then
	user=${SRT_TEST_USER:-srtuser}
	id "$user" >/dev/null 2>&1 || useradd -m "$user" || { echo "Bail out! cannot create user $user"; exit 1; }
	for f in "$SRT" "$E/net-lib.sh" "$E/net-peer.py" "$SRT_TEST_SRCDIR/lib/libtest.sh"; do
		if ! runuser -u "$user" -- test -r "$f"; then
			echo "Bail out! $f is not readable by $user: build in a world-readable directory (e.g. /tmp, mode 755)"
			exit 1
		fi
	done
	as_user() {
		runuser -u "$user" -- env SRT="$SRT" SRT_APPLY_SECCOMP="${SRT_APPLY_SECCOMP:-}" \
			SRT_TEST_SRCDIR="$SRT_TEST_SRCDIR" SRT_TEST_BUILDDIR="$SRT_TEST_BUILDDIR" \
			SRT_TESTS_MUST_WORK=1 PATH="$PATH" sh "$@"
	}
else
	user=$(id -un)
	as_user() { sh "$@"; }
fi

n=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in $scripts; do
	as_user "$E/$t.sh" > "$out" 2>&1
	rc=$?
	seen=0
	bad=0
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			n=$((n + 1))
			seen=$((seen + 1))
			case $line in "not ok "*) bad=1 ;; esac
			printf '%s\n' "$line" | sed -E "s/^(not )?ok [0-9]+ - /\\1ok $n - [$user $t] /"
			;;
		"Bail out!"*)
			echo "$line ($user $t)"
			exit 1
			;;
		1..*) ;;
		"#"*) printf '%s\n' "$line" ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done < "$out"
	if [ "$rc" != 0 ] && [ "$bad" = 0 ] || [ "$seen" = 0 ]; then
		n=$((n + 1))
		echo "not ok $n - [$user $t] exited with status $rc after $seen tests"
	fi
done
echo "1..$n"
