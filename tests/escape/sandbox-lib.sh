# Shared by the sandbox-side escape tests (tests/escape/sandbox-*.sh).
# Source after libtest.sh.  Every attempt runs a real srt (real bwrap, rg,
# apply-seccomp) and is judged twice: the attempt must fail inside, and the
# host must be unchanged afterwards (every entry of the fixture: type,
# inode, mode, owner, size, content, link target; no new or missing names),
# with nothing left behind (no placeholder, no registry entry, no temp dir).
#
#   escape NAME SETTINGS 'shell command'   the command's status must be
#                                          nonzero; its last output line is
#                                          shown as "# outcome: ..."
#   allowed NAME SETTINGS 'shell command'  a control: must succeed
#   host_unchanged NAME                    the fixture vs the last baseline
require_tools bwrap rg python3 socat git unshare truncate

PROBE=${SRT_TEST_BUILDDIR:?}/escape/sandbox-probe
[ -x "$PROBE" ] || { echo "Bail out! $PROBE is not built"; exit 1; }
# The probe inside the sandbox: the build tree is visible read-only there.
export PROBE

W=$TESTDIR/w
P=$W/p          # project: the working directory, writable
OUT=$W/out      # a second writable root
OUTSIDE=$W/outside # not writable
ME=$(id -u)

# The project and its surroundings, rebuilt before every attempt so no
# attempt depends on another's outcome.
fixture() {
	rm -rf "$W"
	mkdir -p "$P/.git/hooks" "$P/.git/objects" "$P/.git/refs/heads" "$P/ro" "$P/secret/deep" "$P/sub/repo/.git/hooks" "$OUT" "$OUTSIDE"
	echo 'ref: refs/heads/main' > "$P/.git/HEAD"
	printf '[core]\n\trepositoryformatversion = 0\n' > "$P/.git/config"
	echo '#!/bin/sh' > "$P/.git/hooks/pre-commit"
	echo 'ref: refs/heads/main' > "$P/sub/repo/.git/HEAD"
	echo '[core]' > "$P/sub/repo/.git/config"
	echo bashrc > "$P/.bashrc"
	echo subrc > "$P/sub/.bashrc"
	echo ro > "$P/ro/f"
	echo secret > "$P/secret/s.txt"
	echo deep > "$P/secret/deep/d.txt"
	echo env-secret > "$P/.env"
	echo outside > "$OUTSIDE/o.txt"
	echo out > "$OUT/f"
	ln -s "$OUTSIDE/o.txt" "$P/link-out"
	ln -s "$P/.bashrc" "$P/link-bashrc"
	chmod 755 "$W" "$P" "$OUT" "$OUTSIDE"
}

# Settings: the project writable (plus OUT), ro/ and locked denyWrite,
# secret/ and .env denyRead.
S=$TESTDIR/s.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s","%s"],"denyWrite":["%s","%s"],"denyRead":["%s","%s"]}}\n' \
	"$P" "$OUT" "$P/ro" "$P/locked" "$P/secret" "$P/.env" > "$S"
# The parent of the project writable instead (so renaming the project
# itself is on the table), the command still started in the project.
SW=$TESTDIR/sw.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s"],"denyWrite":[],"denyRead":["%s"]}}\n' \
	"$W" "$P/.env" > "$SW"

# One line per entry below $W, sorted: path type inode mode uid size
# target-or-sha256.  Names starting with _ in the project or OUT are an
# attempt's scratch files and not compared.  Directories holding srt's mount points are included:
# a placeholder left behind shows up as a new line.
snapshot() {
	(cd "$W" && find . -mindepth 0 | grep -Ev '^\./(p|out)/_' | LC_ALL=C sort | while IFS= read -r f; do
		if [ -L "$f" ]; then x=$(readlink "$f")
		elif [ -f "$f" ]; then x=$(sha256sum < "$f" | cut -c1-16)
		else x=-; fi
		printf '%s %s\n' "$f" "$(stat -c '%F %i %a %u %s' "$f") $x"
	done)
}

leftovers() {
	ls -A "$TMPDIR"
	for d in "$SRT_TEST_REGISTRY_DIR"/srt-*; do
		[ -d "$d" ] && ls -A "$d" | grep -v '^lock$'
	done
}

# SB_WRAP: words run before srt (e.g. a seccomp filter around it).
SB_WRAP=
sb() { s=$1; shift; (cd "$P" && $SB_WRAP "$SRT" -s "$s" -c "$*"); }

baseline() { fixture; BASE=$(snapshot); }

# refusing SYSCALL CMD...: run CMD under a seccomp filter that makes the
# named system call (move_mount, keyctl, mount_setattr) fail with EPERM, as
# a container's profile would; REFUSE_ERRNO=38 makes it ENOSYS, as a kernel
# without it.
refusing() {
	python3 - "${REFUSE_ERRNO:-1}" "$@" <<'EOF'
import ctypes, os, struct, sys
nrs = {"x86_64": {"move_mount": 429, "keyctl": 250, "mount_setattr": 442},
       "aarch64": {"move_mount": 429, "keyctl": 219, "mount_setattr": 442}}
err = int(sys.argv.pop(1))
nr = nrs[os.uname().machine][sys.argv[1]]
libc = ctypes.CDLL(None, use_errno=True)
def insn(code, k, jt=0, jf=0): return struct.pack("HBBI", code, jt, jf, k)
prog = (insn(0x20, 0) +                 # ld [nr]
        insn(0x15, nr, 0, 1) +          # jeq nr
        insn(0x06, 0x00050000 | err) +  # ret ERRNO(err)
        insn(0x06, 0x7fff0000))         # ret ALLOW
buf = ctypes.create_string_buffer(prog)
class fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fp = fprog(len(prog) // 8, ctypes.addressof(buf))
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fp), 0, 0) != 0:
    sys.exit("seccomp: " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[2], sys.argv[2:])
EOF
}

host_unchanged() {
	now=$(snapshot)
	if [ "$now" = "$BASE" ]; then _report 0 "$1: host unchanged"; else
		_report 1 "$1: host unchanged"
		printf '%s\n' "$BASE" > "$TESTDIR/base.snap"
		printf '%s\n' "$now" > "$TESTDIR/now.snap"
		diff "$TESTDIR/base.snap" "$TESTDIR/now.snap" | sed 's/^/#   /'
	fi
	left=$(leftovers)
	if [ -z "$left" ]; then _report 0 "$1: nothing left behind"; else
		_report 1 "$1: nothing left behind"
		printf '%s\n' "$left" | sed 's/^/#   left: /'
	fi
}

# escape NAME SETTINGS CMD: a fresh fixture, the attempt (must exit
# nonzero), then the host checks.
escape() {
	name=$1 s=$2; shift 2
	baseline
	out=$(sb "$s" "$*" 2>&1); rc=$?
	last=$(printf '%s\n' "$out" | grep -v '^$' | tail -1)
	echo "# outcome: $name -> ${last:-(no output)} [status $rc]"
	if [ $rc -ne 0 ]; then _report 0 "$name: refused"; else
		_report 1 "$name: refused (the attempt succeeded)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	host_unchanged "$name"
}

# allowed NAME SETTINGS CMD: a control that must work (so the refusals
# above are the rules at work, not a broken sandbox).
allowed() {
	name=$1 s=$2; shift 2
	fixture
	ok "$name" sb "$s" "$*"
}
