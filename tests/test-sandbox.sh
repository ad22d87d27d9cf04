#!/bin/sh
# The in-sandbox chain through srt itself, as root and as an unprivileged
# user: the command runs under apply-seccomp in its own PID namespace,
# cannot see or trace the bridges, cannot make Unix sockets or user
# namespaces; seccomp.applyPath and allowAllUnixSockets are honoured.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools bwrap socat rg python3

cd "$TESTDIR"
chmod 755 "$TESTDIR" "$HOME"
NET='"network":{"allowedDomains":["example.com"],"deniedDomains":[]}'
FS='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
printf '{%s,%s}\n' "$NET" "$FS" > base.json
printf '{"network":{"allowedDomains":["example.com"],"deniedDomains":[],"allowAllUnixSockets":true},%s}\n' "$FS" > unix.json
cp "$SRT_APPLY_SECCOMP" "$TESTDIR/my-helper"
printf '{%s,%s,"seccomp":{"applyPath":"%s"}}\n' "$NET" "$FS" "$TESTDIR/my-helper" > apply.json
printf '{%s,%s,"seccomp":{"applyPath":"%s"}}\n' "$NET" "$FS" "$TESTDIR/missing-helper" > noapply.json
# A helper with another command line (as the npm package's): runs its
# arguments as the command.
printf '#!/bin/sh\nexec "$@"\n' > "$TESTDIR/other-helper"
chmod 755 "$TESTDIR/other-helper"
printf '{%s,%s,"seccomp":{"applyPath":"%s"}}\n' "$NET" "$FS" "$TESTDIR/other-helper" > otherapply.json
# An older apply-seccomp of srt's: it has --late-mounts but no --proxy-listeners.
printf '#!/bin/sh\n[ "$1" = --help ] && { echo "usage: apply-seccomp [--late-mounts DATA,READY]"; exit 0; }\nexec "$@"\n' > "$TESTDIR/old-helper"
chmod 755 "$TESTDIR/old-helper"
printf '{%s,%s,"seccomp":{"applyPath":"%s"}}\n' "$NET" "$FS" "$TESTDIR/old-helper" > oldapply.json
chmod 644 ./*.json

PROBE='
import ctypes, errno, os, socket
def attempt(f):
    try:
        f(); return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
print("unix=" + attempt(lambda: socket.socket(socket.AF_UNIX)))
print("pair=" + attempt(lambda: socket.socketpair()))
print("dgrampair=" + attempt(lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)))
libc = ctypes.CDLL(None, use_errno=True)
r = libc.unshare(0x10000000)
print("userns=" + ("OK" if r == 0 else errno.errorcode[ctypes.get_errno()]))
r = libc.ptrace(16, 1, None, None)
print("ptrace1=" + ("OK" if r == 0 else errno.errorcode[ctypes.get_errno()]))
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print("pids=" + ",".join(map(str, pids)))
print("mypid=%d" % os.getpid())
comms = [open("/proc/%d/comm" % p).read().strip() for p in pids if os.path.exists("/proc/%d/comm" % p)]
print("comms=" + ",".join(comms))
print("status=" + ",".join(l.split()[1] for l in open("/proc/self/status") if l.startswith(("NoNewPrivs", "Seccomp:"))))
'
printf '%s\n' "$PROBE" > probe.py
chmod 644 probe.py

as() { # user cmd...: run as that user (root: directly)
	if [ "$1" = root ]; then shift; "$@"; else u=$1; shift; runuser -u "$u" -- "$@"; fi
}
val() { printf '%s\n' "$1" | sed -n "s/^$2=//p"; }

users=root
if [ "$(id -u)" = 0 ]; then
	id srtuser >/dev/null 2>&1 || useradd -m srtuser
	users="root srtuser"
fi
for u in $users; do
	out=$(as "$u" "$SRT" -s base.json python3 probe.py 2>&1)
	is "$u: socket(AF_UNIX) refused" "$(val "$out" unix)" EPERM
	is "$u: socketpair allowed" "$(val "$out" pair)" OK
	is "$u: datagram socketpair refused (it could be pointed at host sockets)" "$(val "$out" dgrampair)" EPERM
	is "$u: unshare(CLONE_NEWUSER) refused" "$(val "$out" userns)" EPERM
	is "$u: PID 1 cannot be ptraced" "$(val "$out" ptrace1)" EPERM
	like "$u: /proc holds only the command's namespace (PID 1, the shell, the probe)" "$(val "$out" pids)" '^1,2(,[0-9])?$'
	unlike "$u: no socat or bwrap visible" "$(val "$out" comms)" 'socat|bwrap'
	is "$u: no_new_privs and seccomp filter mode" "$(val "$out" status)" "1,2"

	out=$(as "$u" "$SRT" -s unix.json python3 probe.py 2>&1)
	is "$u: allowAllUnixSockets lifts the AF_UNIX rule" "$(val "$out" unix)" OK
	is "$u: allowAllUnixSockets keeps the userns rule" "$(val "$out" userns)" EPERM

	out=$(as "$u" "$SRT" -s apply.json python3 probe.py 2>&1)
	is "$u: seccomp.applyPath helper is used" "$(val "$out" unix)" EPERM
	out=$(as "$u" "$SRT" -d -s apply.json true 2>&1)
	like "$u: seccomp.applyPath named in the plan" "$(as "$u" "$SRT" --dry-run -s apply.json true)" "^$TESTDIR/my-helper$"
	out=$(as "$u" "$SRT" -d -s noapply.json python3 probe.py 2>&1); rc=$?
	is "$u: missing seccomp.applyPath: the installed helper is used (as the original)" "$rc" 0
	is "$u: missing seccomp.applyPath: Unix sockets still blocked" "$(val "$out" unix)" EPERM
	like "$u: missing seccomp.applyPath: -d says so" "$out" 'missing-helper does not exist: using the installed helper'
	out=$(as "$u" "$SRT" -s otherapply.json -c 'touch ran' 2>&1); rc=$?
	is "$u: seccomp.applyPath not srt's helper refuses to run" "$rc" 1
	like "$u: seccomp.applyPath not srt's helper is named" "$out" "other-helper is not srt's apply-seccomp"
	check "$u: nothing ran under another helper" '[ ! -e ran ]'
	out=$(as "$u" "$SRT" -s oldapply.json -c 'touch ran' 2>&1); rc=$?
	is "$u: an older srt helper (no --proxy-listeners) refuses to run" "$rc" 1
	like "$u: ... and is named" "$out" "old-helper is not srt's apply-seccomp"
	check "$u: nothing ran under the older helper" '[ ! -e ran ]'

	out=$(as "$u" "$SRT" -s base.json -c 'kill -INT $$; echo not-reached' 2>&1); rc=$?
	is "$u: death by SIGINT gives 130" "$rc" 130
done

# Receipts: the sandbox can neither read the signing key nor touch the trail,
# even when both lie inside a writable directory.
mkdir -p "$TESTDIR/rw"
printf '{%s,"filesystem":{"denyRead":[],"allowWrite":["%s"],"denyWrite":[]}}\n' "$NET" "$TESTDIR/rw" > rw.json
"$SRT" keygen "$TESTDIR/rw/key" >/dev/null
out=$(cd "$TESTDIR/rw" && "$SRT" -s ../rw.json --receipts trail --receipt-key key \
	-c 'cat key; echo forged >> trail/receipts.jsonl; rm -f trail/receipts.jsonl; echo done' 2>&1)
unlike "receipts: the key is not readable inside" "$out" 'PRIVATE KEY'
like "receipts: the command ran" "$out" 'done'
out=$("$SRT" verify "$TESTDIR/rw/trail" --pubkey "$TESTDIR/rw/key.pub" 2>&1); rc=$?
is "receipts: the trail is intact after the command tried to change it" "$rc" 0
like "receipts: start and exit recorded" "$out" '^2 receipts verified'

done_testing
