#!/bin/sh
# Faults: bwrap or rg missing, unreadable / directory / missing / invalid
# settings, the socat bridge (an external proxy port's) killed mid-run.  Each: a clear message naming
# the cause, a defined exit status (srt's own errors: 1; otherwise the
# command's), the command not run when srt refuses, and nothing on the host
# lost, changed or left behind (placeholders, sockets, srt-net-*, srt-tmp.*).
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
. "$SRT_TEST_SRCDIR/faults/lib.sh"
require_tools bwrap socat rg python3 runuser bash

W=$TESTDIR/work
mkdir -p "$W"
chmod 777 "$W"
printf 'keep\n' > "$W/file"
cd "$W" || exit 1
S=$TESTDIR/s.json
write_settings "$S" '{"network":{"allowedDomains":["example.test"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}'
chmod 644 "$S"
# An external httpProxyPort: the one setup with a socat bridge inside.
SX=$TESTDIR/sx.json
write_settings "$SX" '{"network":{"allowedDomains":["example.test"],"deniedDomains":[],"httpProxyPort":9},"filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}'
chmod 644 "$SX"
snap() { snapshot "$W" "$SRT_TEST_REGISTRY_DIR" "$TMPDIR" "$TESTDIR/s.json" "$TESTDIR/sx.json"; }

# A PATH holding every tool srt uses but one.
path_without() {
	d=$TESTDIR/path-no-$1
	mkdir -p "$d"
	for t in bash sh socat bwrap rg env cat touch sleep; do
		[ "$t" = "$1" ] || ln -sf "$(command -v $t)" "$d/$t"
	done
	chmod -R a+rX "$d"
	echo "$d"
}

for u in $FAULT_USERS; do
	as $u "$SRT" -s "$S" true
	before=$(snap)

	out=$(as $u env PATH="$(path_without bwrap)" "$SRT" -s "$S" -c 'touch ran' 2>&1); rc=$?
	is "$u: bwrap missing: exit 1" "$rc" 1
	like "$u: bwrap missing: named, with the fix" "$out" '^srt: bubblewrap \(bwrap in PATH\) not found: install it'
	check "$u: bwrap missing: the command did not run" '[ ! -e ran ]'
	is "$u: bwrap missing: nothing left or changed" "$(snap)" "$before"

	out=$(as $u env PATH="$(path_without rg)" "$SRT" -s "$S" -c 'touch ran' 2>&1); rc=$?
	is "$u: rg missing: exit 1 (refuses: it could not find the dangerous files)" "$rc" 1
	like "$u: rg missing: named" "$out" '^srt: cannot run ripgrep \(ripgrep.command "rg"\): No such file or directory'
	check "$u: rg missing: the command did not run" '[ ! -e ran ]'
	is "$u: rg missing: nothing left or changed" "$(snap)" "$before"

	out=$(as $u env PATH="$(path_without socat)" "$SRT" -s "$S" -c 'touch ran' 2>&1); rc=$?
	is "$u: socat missing: exit 1" "$rc" 1
	like "$u: socat missing: named" "$out" '^srt: socat not found in PATH'
	check "$u: socat missing: the command did not run" '[ ! -e ran ]'
	is "$u: socat missing: nothing left or changed" "$(snap)" "$before"

	# Settings that cannot be used: exit 1, the file named, not run.
	bad=$TESTDIR/bad-$u
	mkdir -p "$bad"
	cp "$S" "$bad/mode000.json"
	printf '{"network": \n' > "$bad/invalid.json"
	printf '{"network":{"allowedDomains":["not a domain"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}\n' > "$bad/schema.json"
	: > "$bad/empty.json"
	mkdir -p "$bad/dir.json"
	chown -R $u "$bad"
	chmod 000 "$bad/mode000.json"
	for c in "mode000.json:could not be read \\(EACCES\\)" "dir.json:could not be read \\(EISDIR\\)" \
		"missing.json:does not exist" "invalid.json:is not valid JSON" "empty.json:is empty" \
		"schema.json:does not hold a valid config — network.allowedDomains.0"; do
		f=${c%%:*} msg=${c#*:}
		[ $u = root ] && [ $f = mode000.json ] && continue # root reads mode 000
		out=$(as $u "$SRT" -s "$bad/$f" -c 'touch ran' 2>&1); rc=$?
		is "$u: settings $f: exit 1" "$rc" 1
		like "$u: settings $f: message names the file and the cause" "$out" "^Error: $bad/$f $msg"
		like "$u: settings $f: refuses to run with the defaults" "$out" 'Refusing to run with the built-in defaults'
		check "$u: settings $f: the command did not run" '[ ! -e ran ]'
	done
	is "$u: bad settings: nothing left or changed" "$(snap)" "$before"

	# The socat bridge of an external proxy port killed from the host
	# mid-run: the command's network calls then fail cleanly (refused), srt
	# does not hang, the command's status comes back; the command itself
	# cannot see or kill socat.  (srt's own proxies need no bridge: the
	# listeners inside are srt's, and go only with srt.)
	rm -f "$TESTDIR/go"
	CMD="ps -e -o comm= 2>/dev/null | grep -c socat; kill -9 -1 2>/dev/null; touch started;
		while [ ! -e $TESTDIR/go ]; do sleep 0.1; done
		exec 3<>/dev/tcp/127.0.0.1/3128 && echo connected || echo refused; exit 7"
	start_bg $u "$SRT" -s "$SX" -c "$CMD" > "$TESTDIR/out-$u" 2>&1
	for _ in $(seq 200); do [ -e started ] && break; sleep 0.05; done
	socats=$(for f in /proc/[0-9]*/cmdline; do
		c=$({ tr '\0' ' ' < "$f"; } 2>/dev/null)
		case $c in *socat*"TCP"*"LISTEN:3128"*"$SRT_TEST_REGISTRY_DIR"*) p=${f#/proc/}; echo "${p%/cmdline}" ;; esac
	done)
	check "$u: the in-sandbox HTTP bridge found from the host" '[ -n "$socats" ]'
	kill -KILL $socats 2>/dev/null
	touch "$TESTDIR/go"
	t=0
	while kill -0 $BGWAIT 2>/dev/null && [ $t -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
	check "$u: socat killed: srt did not hang" '! kill -0 $BGWAIT 2>/dev/null'
	wait $BGWAIT; rc=$?
	out=$(cat "$TESTDIR/out-$u")
	is "$u: socat killed: the command's status (7)" "$rc" 7
	like "$u: the command saw no socat (nested PID namespace)" "$out" '^0$'
	like "$u: socat killed: the command's connection is refused" "$out" 'refused'
	rm -f started
	ok "$u: socat killed: no process left" wait_gone 5
	is "$u: socat killed: nothing left or changed" "$(snap)" "$before"
done
is "the file outside the sandbox is intact" "$(cat "$W/file")" keep
done_testing
