# Process, namespace, socket, terminal and descriptor escape attempts,
# shared by sandbox-proc.sh (root) and sandbox-proc-user.sh (srtuser).
# Source after libtest.sh and sandbox-lib.sh.  Rules under attack: the
# command's own PID namespace under a non-dumpable PID 1, the seccomp
# filter (no AF_UNIX/AF_VSOCK sockets, no datagram socketpair, no io_uring,
# no foreign arch, no namespaces, no mounts), read-only /proc/sys, srt's
# own descriptors and sockets out of reach, no terminal injection.

# A host process and a host Unix socket in a writable directory.
sleep 300 & HOSTPID=$!
SOCKD=$TESTDIR/sockd
mkdir -p "$SOCKD"
chmod 777 "$SOCKD"
HITS=$TESTDIR/hits
: > "$HITS"
socat UNIX-LISTEN:"$SOCKD/host.sock",fork,mode=777 SYSTEM:"echo hit >> $HITS" 2>/dev/null & SOCATPID=$!
for _ in $(seq 100); do [ -S "$SOCKD/host.sock" ] && break; sleep 0.05; done
stop_host() { kill "$HOSTPID" "$SOCATPID" 2>/dev/null; wait 2>/dev/null; cleanup_testdir; }
trap stop_host EXIT
SK=$TESTDIR/sk.json
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s","%s"],"denyWrite":[],"denyRead":[]}}\n' \
	"$P" "$SOCKD" > "$SK"
check "host socket is listening" "[ -S '$SOCKD/host.sock' ]"

# --- controls ---
allowed "control: stream socketpair works" "$S" '$PROBE socketpair-stream'
out=$(echo ping | socat - UNIX-CONNECT:"$SOCKD/host.sock" 2>&1; sleep 0.2; cat "$HITS")
like "control: the host listener counts connections" "$out" hit
: > "$HITS"

# --- processes ---
out=$(sb "$S" 'ls /proc | grep -E "^[0-9]+$" | tr "\n" " "')
echo "# outcome: pids inside -> $out"
like "only the command's own processes are visible (PID 1 = helper)" "$out" '^1 2 [0-9 ]*$'
escape "kill a host process by pid" "$S" "\$PROBE kill $HOSTPID"
check "the host process is alive" "kill -0 $HOSTPID"
escape "see a host process in /proc" "$S" "ls /proc/$HOSTPID"
escape "ptrace PTRACE_ATTACH pid 1 (the helper)" "$S" '$PROBE ptrace-attach 1'
escape "ptrace PTRACE_SEIZE pid 1" "$S" '$PROBE ptrace-seize 1'
escape "process_vm_readv of pid 1" "$S" '$PROBE vm-read 1'
escape "read /proc/1/mem" "$S" '$PROBE mem-read 1'
escape "steal pid 1's fd with pidfd_getfd" "$S" '$PROBE pidfd-getfd 1'
escape "read pid 1's environment" "$S" 'cat /proc/1/environ'
escape "read pid 1's fd targets" "$S" 'for f in /proc/1/fd/*; do readlink $f || exit 1; done'
escape "open pid 1's fds through /proc" "$S" 'for f in /proc/1/fd/*; do cat $f </dev/null >/dev/null || exit 1; done'
escape "read pid 1's memory maps" "$S" 'cat /proc/1/maps'
escape "walk pid 1's root" "$S" 'ls /proc/1/root/'
escape "ptrace a host process by pid" "$S" "\$PROBE ptrace-attach $HOSTPID"
# bwrap and the helper's stub are outside the command's PID namespace (as a
# socat bridge of an external proxy port would be): no pid inside names them.
out=$(sb "$S" 'cat /proc/[0-9]*/comm' 2>&1)
echo "# outcome: processes inside -> $(echo $out)"
like "processes inside: the command itself is seen (the test can fail)" "$out" '^cat$'
unlike "socat, bwrap and the helper's stub are not visible" "$out" '^(socat|bwrap)$'

# --- namespaces and mounts ---
escape "unshare(CLONE_NEWUSER)" "$S" '$PROBE unshare-user'
escape "unshare(CLONE_NEWNS)" "$S" '$PROBE unshare-mnt'
escape "clone(CLONE_NEWUSER)" "$S" '$PROBE clone-newuser'
escape "unshare -U (util-linux)" "$S" 'unshare -U true'
escape "setns into pid 1's mount namespace" "$S" '$PROBE setns /proc/1/ns/mnt'
escape "setns into own user namespace file" "$S" '$PROBE setns /proc/self/ns/user'
escape "mount a tmpfs" "$S" "\$PROBE mount-tmpfs '$P'"
escape "umount /proc" "$S" '$PROBE umount /proc'
escape "pivot_root" "$S" "\$PROBE pivot-root '$P'"
escape "open_tree(OPEN_TREE_CLONE)" "$S" '$PROBE open-tree /'
escape "fsopen" "$S" '$PROBE fsopen'

# --- /proc/sys and friends (global-uid checks only: root must not reach them) ---
escape "write a sysctl (kernel.domainname, same value)" "$S" \
	'v=$(cat /proc/sys/kernel/domainname) && echo "$v" > /proc/sys/kernel/domainname'
escape "write vm.drop_caches" "$S" 'echo 1 > /proc/sys/vm/drop_caches'
escape "write kernel.core_pattern (same value)" "$S" \
	'v=$(cat /proc/sys/kernel/core_pattern) && printf "%s\n" "$v" > /proc/sys/kernel/core_pattern'
escape "write an IRQ affinity (same value)" "$S" \
	'v=$(cat /proc/irq/default_smp_affinity) && echo "$v" > /proc/irq/default_smp_affinity'
escape "umount the /proc/sys cover" "$S" '$PROBE umount /proc/sys'
escape "set the hostname (same value)" "$S" 'hostname "$(hostname)"'
escape "write a sysfs file (same value)" "$S" \
	'f=/sys/kernel/mm/transparent_hugepage/enabled; v=$(sed "s/.*\[\(.*\)\].*/\1/" $f) && echo "$v" > $f'
escape "move into another cgroup" "$S" 'for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs; do [ -e "$f" ] || continue; echo $$ > "$f" && exit 0; done; exit 1'
escape "a setuid-root program (mount) gains nothing" "$S" "mount -t tmpfs none '$P'"
out=$(sb "$S" 'cat /proc/sys/user/max_user_namespaces')
is "max_user_namespaces is 0 inside" "$out" 0

# --- sockets ---
escape "socket(AF_UNIX, SOCK_STREAM)" "$S" '$PROBE socket-unix'
escape "socket(AF_UNIX, SOCK_DGRAM)" "$S" '$PROBE socket-unix-dgram'
escape "socket(AF_VSOCK)" "$S" '$PROBE socket-vsock'
escape "socketpair(AF_UNIX, SOCK_DGRAM)" "$S" '$PROBE socketpair-dgram'
escape "io_uring_setup (then IORING_OP_SOCKET AF_UNIX)" "$S" '$PROBE io-uring'
escape "io_uring_register is filtered (EPERM, not EBADF)" "$S" \
	'out=$($PROBE io-uring-register); echo "$out"; [ "$out" != io-uring-register=EPERM ]'
escape "socketcall(AF_UNIX) through the 32-bit int 0x80 ABI" "$S" '$PROBE int80-socket'
escape "socket(AF_UNIX) through the x32 ABI" "$S" '$PROBE x32-socket'
escape "connect to a host Unix socket in an allowWrite dir" "$SK" "\$PROBE connect-unix '$SOCKD/host.sock'"
escape "socat to a host Unix socket in an allowWrite dir" "$SK" "echo ping | socat - UNIX-CONNECT:'$SOCKD/host.sock'"
is "the host socket saw no connection" "$(cat "$HITS")" ""
# srt's own proxy sockets (in its registry, hidden; their directory bound read-only).
out=$(sb "$S" "find '$SRT_TEST_REGISTRY_DIR' /tmp -type s 2>/dev/null; for s in \$(find '$SRT_TEST_REGISTRY_DIR' -type s 2>/dev/null); do \$PROBE connect-unix \$s; done; \$PROBE connect-unix \"\$(echo \$HTTP_PROXY | sed 's/.*@//')\"" 2>&1)
echo "# outcome: srt's sockets from inside -> $(echo $out)"
unlike "srt's proxy sockets: none reachable" "$out" 'connect-unix=OK'

# --- the control fd ---
ctl_run() { # shell command; srt gets a pipe as --control-fd 5 and no other fd >= 3
	printf '' | python3 -c '
import os, sys
os.dup2(0, 5); os.close(0); os.open("/dev/null", os.O_RDONLY)
os.closerange(3, 5); os.closerange(6, 1024)
os.execvp(sys.argv[1], sys.argv[1:])' "$SRT" -s "$S" --control-fd 5 -c "$1"
}
out=$(cd "$P" && ctl_run 'readlink /proc/self/fd/5; ls /proc/self/fd | tr "\n" " "' 2>&1)
echo "# outcome: control fd inside -> $(echo $out)"
like "control fd: fd 5 inside is /dev/null" "$out" '^/dev/null'
out=$(cd "$P" && ctl_run '$PROBE write-fds "{\"network\":{\"allowedDomains\":[\"*\"],\"deniedDomains\":[]}}"' 2>&1)
echo "# outcome: config line to every inherited fd -> $out"
is "control fd: no inherited fd takes a config line" "$out" "write-fds=NONE"

# --- the terminal ---
out=$(cd "$P" && python3 "$SRT_TEST_SRCDIR/escape/sandbox-pty.py" "$SRT" -s "$S" -c '$PROBE tiocsti 0; $PROBE steal-tty 0; exit 0' 2>&1)
echo "# outcome: terminal -> $(echo $out)"
like "TIOCSTI into the controlling terminal fails" "$out" 'tiocsti=E'
like "setsid + TIOCSCTTY + TIOCSTI fails" "$out" 'steal-tty=E'
like "nothing was injected into the terminal's input" "$out" 'injected=none'

# --- devices and handles ---
escape "mknod a block device" "$S" '$PROBE mknod-blk _blk 8 0'
H=$("$PROBE" handle-of "$P/.env" 2>/dev/null | tail -1)
escape "open_by_handle_at a host file" "$S" "\$PROBE handle-read / '$H'"

# --- the caller's session keyring (not namespaced) ---
out=$("$PROBE" key-session srt-escape-key hunter2 "$PROBE" key-read srt-escape-key 2>&1)
like "control: the key is readable in the caller's session" "$out" 'key-read=OK'
out=$(cd "$P" && "$PROBE" key-session srt-escape-key hunter2 "$SRT" -s "$S" -c '$PROBE key-read srt-escape-key' 2>&1); rc=$?
echo "# outcome: read a key of the caller's session keyring -> $(echo $out) [status $rc]"
check "read a key of the caller's session keyring: refused" "[ $rc -ne 0 ]"
unlike "the key's secret is not shown inside" "$out" hunter2
# keyctl refused altogether around srt (as a container's seccomp profile
# does): the command runs (it cannot reach any keyring either).
out=$(cd "$P" && refusing keyctl "$SRT" -s "$S" -c 'echo RAN; $PROBE key-read srt-escape-key' 2>&1)
like "keyctl refused around srt (container profile): the command still runs" "$out" '^RAN'
unlike "keyctl refused around srt: no key is readable inside" "$out" 'key-read=OK'

# --- signals to everything ---
escape "kill -9 -1 reaches no host process" "$S" 'kill -9 -1; exit 1'
check "the host process survived kill -9 -1" "kill -0 $HOSTPID"

# --- devices ---
escape "write the kernel log device" "$S" '[ -c /dev/kmsg ] && echo srt-escape > /dev/kmsg'
fixture
BASE=$(snapshot)
out=$(sb "$S" 'echo x > /dev/shm/srt-escape-shm; echo x > /dev/srt-escape-dev' 2>&1)
check "/dev/shm and /dev inside are private" "[ ! -e /dev/shm/srt-escape-shm ] && [ ! -e /dev/srt-escape-dev ]"
rm -f /dev/shm/srt-escape-shm /dev/srt-escape-dev

# --- allowNestedUserNamespaces: the command may make namespaces, but every
# mount it inherits is locked (cannot be unmounted or made writable) ---
SN=$TESTDIR/sn.json
sed 's/}$/,"allowNestedUserNamespaces":true}/' "$S" > "$SN"
allowed "control: allowNestedUserNamespaces lets unshare -Urm work" "$SN" 'unshare -Urm true'
escape "nested userns: unmount a protected file's bind" "$SN" "unshare -Urm \$PROBE umount '$P/.bashrc'"
escape "nested userns: remount a denyWrite bind read-write" "$SN" "unshare -Urm \$PROBE remount-rw '$P/ro'"
escape "nested userns: unmount the write root (uncover what is under it)" "$SN" "unshare -Urm \$PROBE umount '$P'"
escape "nested userns: unmount the /proc/sys cover" "$SN" 'unshare -Urm $PROBE umount /proc/sys'
escape "nested userns: remount /proc/sys read-write" "$SN" 'unshare -Urm $PROBE remount-rw /proc/sys'
escape "nested userns: unmount the denyRead mask, then read" "$SN" \
	"unshare -Urm sh -c '\$PROBE umount $P/.env; cat $P/.env'"
escape "nested userns: unmount the denyRead tmpfs, then read" "$SN" \
	"unshare -Urm sh -c '\$PROBE umount $P/secret; cat $P/secret/s.txt'"
escape "nested userns: unmount a placeholder, then create the file" "$SN" \
	"unshare -Urm sh -c '\$PROBE umount $P/.npmrc; echo x > $P/.npmrc'"
escape "nested userns: a tmpfs over a denyWrite dir does not reach the host" "$SN" \
	"unshare -Urm sh -c '\$PROBE mount-tmpfs $P/ro && echo x > $P/ro/f'; cat '$P/ro/f' | grep -qx x"

# --- enableWeakerNestedSandbox (bwrap binds the host's /proc): the helper's
# private /proc still hides the host and keeps /proc/sys read-only ---
SWN=$TESTDIR/swn.json
sed 's/}$/,"enableWeakerNestedSandbox":true}/' "$S" > "$SWN"
escape "weaker nested: write a sysctl (same value)" "$SWN" \
	'v=$(cat /proc/sys/kernel/domainname) && echo "$v" > /proc/sys/kernel/domainname'
escape "weaker nested: see a host process" "$SWN" "ls /proc/$HOSTPID"
escape "weaker nested: ptrace pid 1" "$SWN" '$PROBE ptrace-attach 1'
