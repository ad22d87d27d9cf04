#!/bin/sh
# Command line behaviour of srt: flags, errors, exit codes, quoting.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools bwrap socat rg

cd "$TESTDIR"
S="$TESTDIR/s.json"
write_settings "$S" '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}'

out=$("$SRT" -V); rc=$?
is "-V exits 0" "$rc" 0
like "-V prints a version" "$out" '^[0-9]+\.[0-9]+\.[0-9]+$'
out=$("$SRT" --help); rc=$?
is "--help exits 0" "$rc" 0
like "--help shows usage" "$out" 'Usage: srt'

out=$("$SRT" --bogus true 2>&1); rc=$?
is "unknown option exits 1" "$rc" 1
like "unknown option is named" "$out" "unknown option '--bogus'"

out=$("$SRT" -s 2>&1); rc=$?
is "-s without value exits 1" "$rc" 1

out=$("$SRT" -s "$S" -s "$S" true 2>&1); rc=$?
is "repeated -s exits 1" "$rc" 1
like "repeated -s is named" "$out" 'used multiple times'

for bad in 2 0 abc -1 0x10 ''; do
	out=$("$SRT" -s "$S" --control-fd "$bad" true 2>&1); rc=$?
	is "--control-fd '$bad' exits 1" "$rc" 1
	like "--control-fd '$bad' message" "$out" "argument '$bad' is invalid. must be an integer file descriptor >= 3"
done
out=$("$SRT" -s "$S" --control-fd 50 -c 'touch ran' 2>&1); rc=$?
is "--control-fd closed fd exits 1" "$rc" 1
like "--control-fd closed fd message" "$out" 'Error: --control-fd 50 is not usable: .*Refusing to run the command'
out=$("$SRT" -s "$S" --control-fd 7 -c 'touch ran' 2>&1 7>"$TESTDIR/wo"); rc=$?
is "--control-fd write-only fd exits 1" "$rc" 1
check "command did not run with a bad control fd" '[ ! -e ran ]'

out=$("$SRT" -s "$S" 2>&1); rc=$?
is "no command exits 1" "$rc" 1
like "no command message" "$out" '^Error: No command specified. Use -c <command> or provide command arguments.$'
out=$("$SRT" -d -s "$S" 2>&1); rc=$?
is "only -d: still no command, exit 1" "$rc" 1
for blank in '' ' ' '	
'; do
	out=$("$SRT" -s "$S" "$blank" 2>&1); rc=$?
	is "a blank single word is no command, exit 1 ('$blank')" "$rc" 1
	like "a blank single word: no command message" "$out" '^Error: No command specified'
done

out=$("$SRT" -s "$TESTDIR/missing.json" -c 'touch ran' 2>&1); rc=$?
is "missing -s file exits 1" "$rc" 1
like "missing -s file message" "$out" "Error: $TESTDIR/missing.json does not exist."
like "missing -s file refusal line" "$out" 'Refusing to run with the built-in defaults, which would drop the rules --settings asked for.'
check "command did not run with a missing -s file" '[ ! -e ran ]'

printf '{"network":{}}' > "$HOME/.srt-settings.json"
out=$("$SRT" -c 'touch ran' 2>&1); rc=$?
is "invalid default file exits 1" "$rc" 1
like "invalid default file message" "$out" 'does not hold a valid config'
rm -f "$HOME/.srt-settings.json"

# Running commands (the sandbox itself is covered by the fs/net/seccomp tests).
out=$("$SRT" -s "$S" printf '%s\n' 'a b' "it's"); rc=$?
is "positional words run" "$rc" 0
is "positional words keep their boundaries" "$out" "a b
it's"
out=$("$SRT" -s "$S" 'echo one; echo two'); rc=$?
is "one word is a shell string" "$out" "one
two"
out=$("$SRT" -s "$S" -c 'echo "$HOME" | tr a-z A-Z')
is "-c passes the string to the shell untouched" "$out" "$(echo "$HOME" | tr a-z A-Z)"
out=$("$SRT" -s "$S" ls -d /)
is "options end at the command: ls -d" "$out" "/"
"$SRT" -s "$S" -c 'exit 7'; rc=$?
is "exit status passes through" "$rc" 7
"$SRT" -s "$S" -c 'kill -TERM $$'; rc=$?
is "death by SIGTERM gives 143" "$rc" 143
"$SRT" -s "$S" -c 'kill -SEGV $$'; rc=$?
is "death by SIGSEGV gives 139" "$rc" 139
out=$(echo piped-in | "$SRT" -s "$S" cat)
is "stdin passes through" "$out" "piped-in"
out=$("$SRT" -s "$S" -c 'echo "$SANDBOX_RUNTIME"')
is "SANDBOX_RUNTIME=1 inside" "$out" 1
out=$("$SRT" -s "$S" -c 'exec 2>/dev/null; ls -l /proc/self/fd/9 | grep -c null' 9<"$S")
is "--control-fd number is /dev/null inside (not used: any other fd is inherited)" "$out" "0"
out=$("$SRT" -d -s "$S" echo 'a b' 2>&1 >/dev/null)
like "-d writes debug lines to stderr, the original's prefix" "$out" '^\[SandboxDebug\] '
like "-d names the original command" "$out" "\\[SandboxDebug\\] Original command: echo 'a b'"
out=$("$SRT" -d -s "$S" -c 'echo hi' 2>&1 >/dev/null)
like "-d -c names the command string" "$out" '\[SandboxDebug\] Command string mode \(-c\): echo hi'

out=$("$SRT" -d -s "$S" -c 'echo "$SRT_DEBUG"' 2>/dev/null)
is "-d output never reaches stdout; SRT_DEBUG set inside" "$out" "true"

# SIGTERM to srt is forwarded to the command, whose status comes back.
"$SRT" -s "$S" -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' &
pid=$!
sleep 1
kill -TERM $pid
wait $pid; rc=$?
is "SIGTERM is forwarded and the command's exit status returned" "$rc" 42

# bwrap cannot create its namespaces: one clear error naming cause and fix,
# nonzero exit, nothing run (user namespaces disabled in a namespace of our own).
out=$(unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" -s "$1" -c "touch ran"' "$SRT" "$S" 2>&1); rc=$?
is "bwrap namespace failure exits 1" "$rc" 1
like "bwrap namespace failure names the cause and the fix" "$out" 'could not create the sandbox.*max_user_namespaces is 0.*sysctl -w user.max_user_namespaces'
check "command did not run without namespaces" '[ ! -e ran ]'

# srt SIGKILLed mid-run: the next run removes what it left (socket
# directory, private TMPDIR, placeholders).
NS="$TESTDIR/net.json"
write_settings "$NS" '{"network":{"allowedDomains":["example.com"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}'
"$SRT" -s "$NS" -c 'sleep 30' >/dev/null 2>&1 &
kpid=$!
for _ in $(seq 100); do [ -n "$(ls -A "$TMPDIR")" ] && [ -e .bashrc ] && break; sleep 0.05; done
sleep 0.3
kill -KILL $kpid; wait $kpid 2>/dev/null
like "SIGKILLed srt left its TMPDIR (precondition)" "$(ls -A "$TMPDIR")" 'srt-tmp'
like "SIGKILLed srt left its socket directory (precondition)" "$(srt_net_dirs)" 'srt-net-'
"$SRT" -s "$NS" true
check "nothing of the killed sandbox survives it" '! pgrep -f "UNIX-CONNECT:$SRT_TEST_REGISTRY_DIR" >/dev/null'
is "the next run removed the killed run's TMPDIR" "$(ls -A "$TMPDIR")" ""
is "the next run removed the killed run's socket directory" "$(srt_net_dirs)" ""
check "the next run removed the killed run's placeholders" '[ ! -e .bashrc ] && [ ! -e .npmrc ]'

# Large plans: 2500 deny paths (~480 KB of bwrap words, far past one
# argument's 128 KiB) go through --args; past bwrap's 9000 words, a clear error.
mkdir -p "$TESTDIR/many"
python3 - "$TESTDIR" <<'PY'
import json, os, sys
t = sys.argv[1]
paths = []
for i in range(3000):
    p = "%s/many/f%05d-%s" % (t, i, "x" * 60)
    open(p, "w").close()
    paths.append(p)
for name, n in (("big.json", 2500), ("huge.json", 3000)):
    json.dump({"network": {"allowedDomains": [], "deniedDomains": []},
               "filesystem": {"denyRead": paths[:n], "allowWrite": [], "denyWrite": []}},
              open(os.path.join(t, name), "w"))
PY
out=$("$SRT" -s "$TESTDIR/big.json" -c "cat $TESTDIR/many/f00007-* >/dev/null 2>&1 || echo denied") ; rc=$?
is "2500 deny paths: runs" "$rc" 0
is "2500 deny paths: enforced" "$out" denied
out=$("$SRT" -s "$TESTDIR/huge.json" -c 'touch ran' 2>&1); rc=$?
is "more than 9000 bwrap words: exit 1" "$rc" 1
like "more than 9000 bwrap words: says so" "$out" "more than bubblewrap's limit of 9000"
rm -rf "$TESTDIR/many" "$TESTDIR/big.json" "$TESTDIR/huge.json"

out=$("$SRT" -s "$S" --dry-run -c 'echo hi')
rc=$?
is "--dry-run exits 0" "$rc" 0
like "--dry-run prints the settings" "$out" '"allowedDomains"'
like "--dry-run prints the bwrap argv" "$out" '^--unshare-net$'
check "--dry-run ran nothing and left nothing" '[ -z "$(ls -A "$TESTDIR" | grep -v -e home -e s.json -e net.json -e wo -e tmp -e registry)" ] && [ -z "$(ls -A "$TMPDIR")" ]'

done_testing
