#!/bin/sh
# Faults: srt itself SIGKILLed (at random points of its start-up, and
# mid-run), SIGTERMed and SIGINTed; the command SIGKILLed.  Each: a defined
# exit status, and afterwards no process of the run (srt, bwrap, the socat
# bridges, the command) and no file of it (placeholders, sockets, srt-net-*,
# srt-tmp.*) left, nothing else on the host changed.  As root and srtuser.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
. "$SRT_TEST_SRCDIR/faults/lib.sh"
require_tools bwrap socat python3 runuser
KILL_LOOPS=${SRT_FAULT_LOOPS:-25}

W=$TESTDIR/work
R=$TESTDIR/run # pid files (writable by srtuser, not in the snapshots)
mkdir -p "$W" "$R"
chmod 777 "$R"
chmod 777 "$W"
printf 'keep\n' > "$W/file"
cd "$W" || exit 1
S=$TESTDIR/s.json
write_settings "$S" '{"network":{"allowedDomains":["example.test"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}'
chmod 644 "$S"
# A command that runs until killed and whose command line names TESTDIR.
LOOP="while :; do sleep 0.2; done; : $TESTDIR"

for u in $FAULT_USERS; do
	as $u "$SRT" -s "$S" true # the registry exists from here on
	before=$(snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR")

	# --- SIGKILL at random points of the start-up ---
	i=0
	while [ $i -lt "$KILL_LOOPS" ]; do
		start_bg $u "$SRT" -s "$S" -c "$LOOP" >/dev/null 2>&1
		sleep "0.0$(( (i * 7919) % 90 + 1 ))"
		kill -KILL $BGPID
		wait $BGWAIT 2>/dev/null
		i=$((i + 1))
	done
	ok "$u: $KILL_LOOPS srt SIGKILLed during start-up: no bwrap, socat, guardian or command survives" wait_gone 10
	leftovers | sed 's/^/#   left: /'
	as $u "$SRT" -s "$S" true
	is "$u: after the next run, nothing of the killed runs is left on disk" \
		"$(snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR")" "$before"

	# --- srt's whole process group SIGKILLed (a CI timeout, kill -9 -PGID):
	# srt and its guardian die together, bwrap's init too until it made its
	# own session, the helper's watcher after that ---
	as $u python3 - "$SRT" "$S" "$LOOP" "$KILL_LOOPS" <<'PY'
import os, signal, subprocess, sys, time
srt, settings, loop, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(n):
    p = subprocess.Popen([srt, "-s", settings, "-c", loop], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep((i * 7919 % 90 + 1) / 1000)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
PY
	ok "$u: $KILL_LOOPS process groups of srt SIGKILLed during start-up: nothing survives" wait_gone 10
	leftovers | sed 's/^/#   left: /'
	as $u "$SRT" -s "$S" true
	is "$u: after the next run, nothing of the killed groups is left on disk" \
		"$(snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR")" "$before"

	# --- SIGTERM to every process of the run at once, at random points of
	# the start-up (pkill -f on a name in its command line): srt, its
	# guardian, bwrap (whose init may still wait for its uid map), the
	# helper, the command ---
	i=0
	while [ $i -lt "$KILL_LOOPS" ]; do
		start_bg $u "$SRT" -s "$S" -c "$LOOP" >/dev/null 2>&1
		sleep "0.0$(( (i * 7919) % 90 + 1 ))"
		pkill -TERM -f -- "$TESTDIR"
		wait $BGWAIT 2>/dev/null
		i=$((i + 1))
	done
	ok "$u: $KILL_LOOPS runs SIGTERMed process by process during start-up: nothing survives" wait_gone 10
	leftovers | sed 's/^/#   left: /'
	pkill -KILL -f -- "$TESTDIR"
	as $u "$SRT" -s "$S" true
	is "$u: after the next run, nothing of the SIGTERMed runs is left on disk" \
		"$(snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR")" "$before"

	# --- SIGKILL mid-run, once the command runs ---
	start_bg $u "$SRT" -s "$S" -c "touch started; $LOOP" >/dev/null 2>&1
	for _ in $(seq 200); do [ -e started ] && break; sleep 0.05; done
	kill -KILL $BGPID; wait $BGWAIT; rc=$?
	is "$u: srt SIGKILLed mid-run: 137" "$rc" 137
	ok "$u: srt SIGKILLed mid-run: the sandbox dies with it" wait_gone 10
	leftovers | sed 's/^/#   left: /'
	like "$u: srt SIGKILLed mid-run left its socket dir (precondition)" "$(srt_net_dirs)" srt-net-
	rm -f started
	as $u "$SRT" -s "$S" true
	is "$u: srt SIGKILLed mid-run: the next run removed everything" \
		"$(snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR")" "$before"

	# --- SIGTERM / SIGINT / SIGHUP to srt: forwarded, the command's status ---
	for sig in TERM INT HUP; do
		start_bg $u "$SRT" -s "$S" -c "touch started; $LOOP" > "$R/out" 2>&1
		for _ in $(seq 200); do [ -e started ] && break; sleep 0.05; done
		rm -f started
		kill -$sig $BGPID; wait $BGWAIT; rc=$?
		want=$((128 + $(kill -l $sig)))
		is "$u: srt SIG$sig mid-run: the command's status ($want)" "$rc" $want
		is "$u: srt SIG$sig mid-run: nothing on stderr" "$(cat "$R/out")" ""
		ok "$u: srt SIG$sig: no process left" wait_gone 5
		is "$u: srt SIG$sig: nothing left or changed on disk" \
			"$(snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR")" "$before"
	done

	# --- the command SIGKILLed ---
	out=$(as $u "$SRT" -s "$S" -c 'kill -KILL $$' 2>&1); rc=$?
	is "$u: command SIGKILLed: 137" "$rc" 137
	is "$u: command SIGKILLed: srt says nothing" "$out" ""
	ok "$u: command SIGKILLed: no process left" wait_gone 5
	is "$u: command SIGKILLed: nothing left or changed" \
		"$(snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR")" "$before"
done
is "the file outside the sandbox is intact" "$(cat "$W/file")" keep
done_testing
