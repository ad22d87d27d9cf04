# Shared by the fault tests (sourced after libtest.sh).
#
# snapshot: every file under the test's work dir, srt's registry and TMPDIR
#   with type, mode, owner, size, mtime (not of directories: entries come
#   and go in them while srt runs) and content hash, so "nothing lost, changed
#   or left behind" is one string comparison.
# leftovers: processes whose command line names this test's directory
#   (srt and its guardian, bwrap, the socat bridges, the marked command).
snapshot() {
	{
		find "$@" -xdev -type d -printf '%p %y %m %u\n'
		find "$@" -xdev ! -type d -printf '%p %y %m %u %s %T@\n'
	} 2>/dev/null | sort
	find "$@" -xdev -type f -readable -exec md5sum {} + 2>/dev/null | sort
}
leftovers() {
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}; p=${p%/cmdline}
		[ "$p" = "$$" ] && continue
		c=$({ tr '\0' ' ' < "$f"; } 2>/dev/null)
		case $c in *"$TESTDIR"*) printf '%s %s\n' "$p" "$(printf '%s' "$c" | cut -c1-150)" ;; esac
	done
}
# wait_gone SECONDS: until no leftover process (0) or timeout (1).
wait_gone() {
	i=0
	while [ $i -lt $(($1 * 10)) ]; do
		[ -z "$(leftovers)" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# The users a fault test runs as: root and srtuser when we are root (the
# suite's root pass), else only ourselves (the suite's srtuser pass).
if [ "$(id -u)" = 0 ]; then FAULT_USERS="root srtuser"; else FAULT_USERS=$(id -un); fi
ME=$(id -un)
# as USER CMD...: run CMD as USER (ourselves: directly) with the test's environment.
as() {
	u=$1; shift
	if [ "$u" = "$ME" ]; then "$@"; else
		runuser -u "$u" -- env HOME="$HOME" TMPDIR="$TMPDIR" PATH="$PATH" \
			SRT_TEST_REGISTRY_DIR="$SRT_TEST_REGISTRY_DIR" "$@"
	fi
}
# start_bg USER CMD...: start CMD in the background as USER; BGPID is
# CMD's own pid (to signal it), BGWAIT the pid to wait for.
start_bg() {
	u=$1; shift
	if [ "$u" = "$ME" ]; then
		"$@" &
		BGPID=$! BGWAIT=$!
	else
		runuser -u "$u" -- env HOME="$HOME" TMPDIR="$TMPDIR" PATH="$PATH" \
			SRT_TEST_REGISTRY_DIR="$SRT_TEST_REGISTRY_DIR" "$@" &
		BGWAIT=$! BGPID=
		for _ in $(seq 200); do
			BGPID=$(pgrep -P $BGWAIT | head -1)
			[ -n "$BGPID" ] && break
			sleep 0.01
		done
	fi
}
