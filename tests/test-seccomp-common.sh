# Body of test-seccomp.sh (as the calling user) and test-seccomp-user.sh (as an
# unprivileged user): apply-seccomp under the real bwrap, real kernel, with the
# bwrap flags srt uses (see the top of vendor/seccomp-src/apply-seccomp.c).
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools bwrap

H=${SRT_APPLY_SECCOMP:?}
P=$SRT_TEST_BUILDDIR/try-seccomp
SHARE=$SRT_TEST_BUILDDIR/../share/srt
ME=$(id -un)

# srt's bwrap flags around the helper; as root also CAP_SETFCAP (map uid 0 in
# the nested user ns) and CAP_SYS_ADMIN (private /proc, see the helper).
BW="--new-session --die-with-parent --ro-bind / / --dev /dev --bind $TESTDIR $TESTDIR
    --unshare-pid --unshare-user --cap-drop ALL"
ROOTCAPS=""
[ "$(id -u)" = 0 ] && ROOTCAPS="--cap-add CAP_SETFCAP --cap-add CAP_SYS_ADMIN"
# shellcheck disable=SC2086
sb() { timeout -k 5 120 bwrap $BW $ROOTCAPS --proc /proc -- "$@"; }
# A stand-in for the socat bridges: an unfiltered sibling in bwrap's PID ns.
with_bridge() { sb sh -c 'sleep 60 & "$0" "$@"' "$@"; }
line() { printf '%s\n' "$1" | grep -E "^$2=" | head -n1 | cut -d= -f2; }

echo "# running as $ME (uid $(id -u))"

# --- the filter srt would hash is the one generated at build time
case $(uname -m) in
x86_64 | aarch64)
	"$H" --export-bpf "$TESTDIR/f.bpf"
	ok "$ME: --export-bpf equals share/srt/seccomp-$(uname -m).bpf" \
		cmp "$TESTDIR/f.bpf" "$SHARE/seccomp-$(uname -m).bpf"
	"$H" --allow-unix-sockets --allow-nested-userns --export-bpf - > "$TESTDIR/g.bpf"
	ok "$ME: --export-bpf - with both allow flags matches its file" \
		cmp "$TESTDIR/g.bpf" "$SHARE/seccomp-$(uname -m)-allow-unix-sockets-allow-nested-userns.bpf"
	;;
*) echo "Bail out! unsupported arch $(uname -m)"; exit 1 ;;
esac

# --- default rules
out=$(with_bridge "$H" "$P" socket-unix socket-unix-hibits socket-vsock socket-inet socketpair socketpair-dgram \
	io-uring-setup io-uring-enter io-uring-register unshare-user unshare-mount clone-newuser \
	clone3 mount umount-proc ptrace-pid1 mem-pid1 environ-pid1 pids status 2>&1)
echo "$out" | sed 's/^/#   /'
is "$ME: socket(AF_UNIX) -> EPERM" "$(line "$out" socket-unix)" EPERM
is "$ME: socket(AF_UNIX with high bits) -> EPERM" "$(line "$out" socket-unix-hibits)" EPERM
is "$ME: socket(AF_VSOCK) -> EPERM" "$(line "$out" socket-vsock)" EPERM
is "$ME: socket(AF_INET) works" "$(line "$out" socket-inet)" OK
is "$ME: socketpair(AF_UNIX) works" "$(line "$out" socketpair)" OK
is "$ME: socketpair(AF_UNIX, SOCK_DGRAM) -> EPERM (a datagram end could reach host sockets)" "$(line "$out" socketpair-dgram)" EPERM
is "$ME: io_uring_setup -> EPERM" "$(line "$out" io-uring-setup)" EPERM
is "$ME: io_uring_enter -> EPERM" "$(line "$out" io-uring-enter)" EPERM
is "$ME: io_uring_register -> EPERM" "$(line "$out" io-uring-register)" EPERM
is "$ME: unshare(CLONE_NEWUSER) -> EPERM" "$(line "$out" unshare-user)" EPERM
is "$ME: unshare(CLONE_NEWNS) -> EPERM" "$(line "$out" unshare-mount)" EPERM
is "$ME: clone(CLONE_NEWUSER) -> EPERM" "$(line "$out" clone-newuser)" EPERM
is "$ME: clone3 -> ENOSYS" "$(line "$out" clone3)" ENOSYS
is "$ME: mount -> EPERM" "$(line "$out" mount)" EPERM
is "$ME: umount2(/proc) -> EPERM" "$(line "$out" umount-proc)" EPERM
is "$ME: /proc lists only the command's namespace (init + command)" "$(line "$out" pids)" "1,2"
is "$ME: ptrace(PTRACE_ATTACH, 1) -> EPERM" "$(line "$out" ptrace-pid1)" EPERM
like "$ME: /proc/1/mem is not readable" "$(line "$out" mem-pid1)" '^(EACCES|EPERM)$'
like "$ME: /proc/1/environ is not readable" "$(line "$out" environ-pid1)" '^(EACCES|EPERM)$'
like "$ME: no-new-privs set" "$out" 'NoNewPrivs:[[:space:]]+1'
like "$ME: seccomp filter mode" "$out" 'Seccomp:[[:space:]]+2'

# The same without the helper shows what it hides: bwrap's init and the bridge.
out=$(with_bridge "$P" pids)
unlike "$ME: (control) without the helper, bwrap's processes are visible" "$(line "$out" pids)" '^1,2$'

# --- allowAllUnixSockets
out=$(with_bridge "$H" --allow-unix-sockets --debug "$P" socket-unix socketpair-dgram io-uring-setup unshare-user 2>&1)
is "$ME: --allow-unix-sockets: socket(AF_UNIX) works" "$(line "$out" socket-unix)" OK
is "$ME: --allow-unix-sockets: socketpair(SOCK_DGRAM) works" "$(line "$out" socketpair-dgram)" OK
is "$ME: --allow-unix-sockets: io_uring still EPERM" "$(line "$out" io-uring-setup)" EPERM
is "$ME: --allow-unix-sockets: unshare(CLONE_NEWUSER) still EPERM" "$(line "$out" unshare-user)" EPERM
like "$ME: --allow-unix-sockets says so in debug" "$out" 'allowAllUnixSockets'

# --- allowNestedUserNamespaces
out=$(with_bridge "$H" --allow-nested-userns "$P" socket-unix clone-newuser pids 2>&1)
is "$ME: --allow-nested-userns: clone(CLONE_NEWUSER) works" "$(line "$out" clone-newuser)" OK
is "$ME: --allow-nested-userns: socket(AF_UNIX) still EPERM" "$(line "$out" socket-unix)" EPERM
is "$ME: --allow-nested-userns: /proc still private" "$(line "$out" pids)" "1,2"
out=$(with_bridge "$H" --allow-nested-userns sh -c 'unshare -U true && echo nested-ok' 2>&1)
like "$ME: --allow-nested-userns: unshare -U works" "$out" 'nested-ok'
out=$(with_bridge "$H" sh -c 'cat /proc/sys/user/max_user_namespaces' 2>&1)
is "$ME: default: max_user_namespaces is 0 inside" "$out" 0

# --- exit status and signals pass through
sb "$H" "$P" exit:42; is "$ME: exit status 42 passes through" "$?" 42
sb "$H" "$P" exit:0; is "$ME: exit status 0 passes through" "$?" 0
sb "$H" "$P" raise:9; is "$ME: death by SIGKILL -> 137" "$?" 137
sb "$H" "$P" raise:11 2>/dev/null; is "$ME: death by SIGSEGV -> 139" "$?" 139
for sig in TERM:143 HUP:129 USR1:138 INT:130 QUIT:131; do
	name=${sig%:*} want=${sig#*:}
	rm -f "$TESTDIR/ready"
	got=$(sb sh -c '"$1" "$2" "wait:$3" & p=$!
		i=0; while [ ! -s "$3" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
		kill -'"$name"' $p; wait $p; echo $?' sh "$H" "$P" "$TESTDIR/ready")
	is "$ME: SIG$name is forwarded to the command (status $want)" "$got" "$want"
done
out=$(sb sh -c 'trap "" INT; "$1" sh -c "kill -INT \$\$; echo survived"' sh "$H")
like "$ME: an ignored SIGINT stays ignored for the command" "$out" survived

# --- environment and errors
out=$(SRT_ALLOW_NESTED_USERNS=1 sb "$H" sh -c 'echo "v=${SRT_ALLOW_NESTED_USERNS-unset}"')
is "$ME: SRT_ALLOW_NESTED_USERNS is not passed to the command" "$out" v=unset
sb "$H" /nonexistent/program 2>/dev/null; is "$ME: missing program -> 127" "$?" 127
"$H" >/dev/null 2>&1; is "$ME: no program -> usage, exit 2" "$?" 2
"$H" --export-bpf a --export-bpf b true >/dev/null 2>&1
is "$ME: repeated --export-bpf is refused" "$?" 2

# An unreadable (mode 0111) helper is non-dumpable at exec; it must still write its maps.
cp "$H" "$TESTDIR/h0111" && chmod 0111 "$TESTDIR/h0111"
out=$(sb "$TESTDIR/h0111" "$P" pids socket-unix 2>&1)
is "$ME: mode-0111 helper: private /proc" "$(line "$out" pids)" "1,2"
is "$ME: mode-0111 helper: socket(AF_UNIX) -> EPERM" "$(line "$out" socket-unix)" EPERM

# --- --wait-listen: the worker waits for the bridges' TCP listeners (own netns).
# shellcheck disable=SC2086
sbn() { timeout -k 5 120 bwrap $BW $ROOTCAPS --unshare-net --proc /proc -- "$@"; }
# l HEXPORT: how many LISTEN lines /proc/net/tcp{,6} show for it, inside.
LDEF='l() { cat /proc/net/tcp /proc/net/tcp6 | grep -ciE "^ *[0-9]+: [0-9A-F]+:$1 [0-9A-F]+:0000 0A "; }'
late_socat() { # delay args...: a listener that starts late
	command -v socat >/dev/null || { echo "Bail out! socat missing"; exit 1; }
	printf '(sleep %s; exec socat %s EXEC:true) </dev/null >/dev/null 2>&1 & ' "$@"
}
# --bridge: the helper starts each bridge itself, before its own setup, with
# no capability left and its stdio on /dev/null.  A stand-in socat records
# what it got and then listens (so the worker's wait ends).
cat > "$TESTDIR/fake-socat" <<EOF
#!/bin/sh
port=\${3#*LISTEN:}; port=\${port%%,*}
fds=\$(for fd in 0 1 2; do printf 'fd=%s\n' "\$(readlink /proc/\$\$/fd/\$fd)"; done)
{ printf 'argv=%s|%s|%s|%s|%s\n%s\n' "\$1" "\$2" "\$3" "\$4" "\$5" "\$fds"
  grep -E '^Cap(Prm|Eff|Amb)' /proc/self/status
} > "$TESTDIR/bridge-\$port.txt"
exec socat TCP-LISTEN:\$port,reuseaddr,fork EXEC:true
EOF
chmod 755 "$TESTDIR/fake-socat"
out=$(sbn "$H" --socat "$TESTDIR/fake-socat" --bridge 3128:/run/x/http.sock --bridge 1080:/run/x/socks.sock \
	-- sh -c "$LDEF; echo \"\$(l 0C38) \$(l 0438)\"" 2>&1)
is "$ME: --bridge: both bridges listen when the command starts" "$out" "1 1"
b3128=$(cat "$TESTDIR/bridge-3128.txt" 2>/dev/null)
like "$ME: --bridge: socat gets -b 262144, a dual-stack listener and the socket" "$b3128" \
	'^argv=-b\|262144\|TCP6-LISTEN:3128,ipv6only=0,reuseaddr,fork,backlog=4096\|UNIX-CONNECT:/run/x/http.sock'
like "$ME: --bridge: the second bridge gets its own socket" "$(cat "$TESTDIR/bridge-1080.txt" 2>/dev/null)" \
	'UNIX-CONNECT:/run/x/socks.sock'
like "$ME: --bridge: a bridge has capability sets" "$b3128" 'CapEff'
unlike "$ME: --bridge: ... all of them empty" "$b3128" 'Cap(Prm|Eff|Amb):[[:space:]]*0*[1-9a-f]'
is "$ME: --bridge: stdin, stdout and stderr on /dev/null" "$(printf '%s\n' "$b3128" | grep -c '^fd=/dev/null$')" 3
out=$(sbn "$H" --socat /nonexistent/socat --bridge 3128:/run/x/http.sock --wait-timeout 300 -- true 2>&1)
like "$ME: --bridge: a socat that cannot start is named" "$out" 'cannot start the network bridge /nonexistent/socat'
out=$(sbn sh -c "$(late_socat 0.3 TCP4-LISTEN:3128,bind=127.0.0.1,reuseaddr,fork) exec \"\$@\"" sh \
	"$H" --wait-listen 3128 -- sh -c "$LDEF; l 0C38" 2>&1)
is "$ME: --wait-listen: the command starts after a late IPv4 listener is up" "$out" 1
out=$(sbn sh -c "$(late_socat 0.2 TCP6-LISTEN:3128,ipv6only=0,reuseaddr,fork; late_socat 0.4 TCP4-LISTEN:1080,bind=127.0.0.1,reuseaddr,fork) exec \"\$@\"" sh \
	"$H" --debug --wait-listen 3128,1080 -- sh -c "$LDEF; echo \"\$(l 0C38) \$(l 0438)\"" 2>&1)
like "$ME: --wait-listen 3128,1080: both listen (IPv6 and IPv4) when the command starts" "$out" '^1 1$'
like "$ME: --wait-listen: debug says how long it waited" "$out" 'worker: waited [0-9]+ us for the listeners \(sock_diag\)'
out=$(sbn "$H" --wait-listen 3128 --wait-timeout 200 "$P" socket-unix exit:7 2>&1)
st=$?
is "$ME: --wait-listen timeout: the command still runs (its status passes through)" "$st" 7
like "$ME: --wait-listen timeout: a clear warning" "$out" 'apply-seccomp: warning: nothing listens on TCP port\(s\) 3128 after 200 ms'
is "$ME: --wait-listen timeout: the filter is still on" "$(line "$out" socket-unix)" EPERM
# --- --proxy-listeners: the helper makes the listeners, hands them over and
# keeps no copy; the command's first connect works (the kernel queues it
# until srt accepts) and the command holds neither a listener nor the channel.
PEER="python3 $SRT_TEST_SRCDIR/listeners-peer.py"
CONNECT='for p in 3128 1080; do exec 3<>/dev/tcp/127.0.0.1/$p && echo $p >&3; exec 3>&-; done; echo sockets:$(ls -l /proc/$$/fd | grep -c socket:)'
out=$($PEER 3128,1080 timeout -k 5 120 bwrap $BW $ROOTCAPS --unshare-net --proc /proc -- "$H" --proxy-listeners @FD@:3128,1080 -- bash -c "$CONNECT" 2>&1)
is "$ME: --proxy-listeners: one message naming both ports" "$(line "$out" payload)" "3128,1080"
is "$ME: --proxy-listeners: two descriptors" "$(line "$out" fds)" 2
is "$ME: --proxy-listeners: 3128 is a listening TCP socket on its port" "$(line "$out" listener-3128)" "listening tcp port 3128"
is "$ME: --proxy-listeners: 1080 too" "$(line "$out" listener-1080)" "listening tcp port 1080"
is "$ME: --proxy-listeners: the command's connection to 3128 reached srt's side" "$(line "$out" accepted-3128)" 3128
is "$ME: --proxy-listeners: ... and to 1080" "$(line "$out" accepted-1080)" 1080
is "$ME: --proxy-listeners: the command holds no socket" "$(printf '%s\n' "$out" | sed -n 's/^out=sockets://p')" 0
is "$ME: --proxy-listeners: the command's status passes through" "$(line "$out" status)" 0
# A port already taken inside: the helper refuses, nothing runs.
out=$($PEER 3128 timeout -k 5 120 bwrap $BW $ROOTCAPS --unshare-net --proc /proc -- sh -c 'python3 -c "import socket,time,sys; s=socket.socket(); s.bind((\"127.0.0.1\",3128)); s.listen(); print(\"taken\", flush=True); sys.stdout.close(); time.sleep(30)" & until [ -n "$(ss -Htln sport = :3128 2>/dev/null)" ]; do sleep 0.05; done; exec "$@"' sh "$H" --proxy-listeners @FD@:3128 -- sh -c 'echo command-ran' 2>&1)
like "$ME: --proxy-listeners: a taken port is named" "$out" "out=apply-seccomp: the sandbox's proxy listener on TCP port 3128: Address already in use"
is "$ME: --proxy-listeners: ... nothing handed over" "$(line "$out" payload)" "none (end of file)"
is "$ME: --proxy-listeners: ... exit 1" "$(line "$out" status)" 1
unlike "$ME: --proxy-listeners: ... the command did not run" "$out" 'command-ran'
for bad in "--wait-listen 0" "--wait-listen 70000" "--wait-listen 1,x" "--wait-listen ''" \
	"--wait-listen 1,2,3,4,5,6,7,8,9" "--wait-listen 1 --wait-listen 2" "--wait-timeout -1" \
	"--wait-timeout 9999999" "--socat /bin/socat" "--bridge 1:/x" "--socat x --bridge 1:/x" \
	"--socat /s --bridge 1:x" "--socat /s --bridge 0:/x" "--socat /s --bridge 1:/a,b" \
	"--socat /s --bridge 1:/a --export-bpf -" "--proxy-listeners x" "--proxy-listeners 3:" \
	"--proxy-listeners :3128" "--proxy-listeners 3:0" "--proxy-listeners 3:1,2,3,4,5" \
	"--proxy-listeners 3:1 --proxy-listeners 4:2" "--proxy-listeners 3:1 --export-bpf -"; do
	eval "\"\$H\" $bad true" >/dev/null 2>&1
	is "$ME: apply-seccomp $bad -> usage, exit 2" "$?" 2
done

# --- srt: the command's first network call never meets a bridge that is not
# listening yet (the helper waits for both ports): 50 runs in a row.
D=$TESTDIR/race
mkdir -p "$D" && chmod 755 "$D"
"$SRT_TEST_BUILDDIR/net-upstream" 0 "$D/hits" > "$D/port" &
UP=$!
for _ in $(seq 100); do [ -s "$D/port" ] && break; sleep 0.05; done
UPORT=$(cat "$D/port")
printf '%s\n' '{"network":{"allowedDomains":["localhost"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' > "$D/allow-localhost.json"
codes=""
for _ in $(seq 50); do
	codes="$codes$(cd "$D" && "$SRT" -s allow-localhost.json -c "curl --noproxy '' -s -o /dev/null -w '%{http_code}' http://localhost:$UPORT/race" 2>&1) "
done
kill "$UP" 2>/dev/null
wait "$UP" 2>/dev/null
is "$ME: srt: 50 runs in a row, the first request always gets through the bridge (all 200)" \
	"$(printf '%s' "$codes" | tr ' ' '\n' | grep -c '^200$')" 50
[ "$(printf '%s' "$codes" | tr ' ' '\n' | grep -c '^200$')" = 50 ] || echo "# codes: $codes"

# --- refuses to run without isolation
out=$(bwrap $BW $ROOTCAPS --disable-userns --proc /proc -- "$H" "$P" exit:0 socket-unix 2>&1)
st=$?
check "$ME: nested user ns impossible -> refused, nonzero" '[ "$st" != 0 ]'
like "$ME: ... with a clear message" "$out" 'apply-seccomp: .*refusing'
unlike "$ME: ... and the command never ran" "$out" 'socket-unix='
if [ "$(id -u)" = 0 ]; then
	# As root without CAP_SYS_ADMIN bwrap's /proc covers are locked: no private /proc.
	out=$(bwrap $BW --cap-add CAP_SETFCAP --proc /proc -- "$H" "$P" pids 2>&1)
	st=$?
	check "$ME: root without CAP_SYS_ADMIN -> refused, nonzero" '[ "$st" != 0 ]'
	like "$ME: ... says it cannot mount a private /proc" "$out" 'cannot mount a private /proc'
	unlike "$ME: ... and the command never ran" "$out" 'pids='
	# enableWeakerNestedSandbox's --bind /proc /proc also gives a private /proc.
	out=$(bwrap $BW --cap-add CAP_SETFCAP --bind /proc /proc -- "$H" "$P" pids 2>&1)
	is "$ME: --bind /proc /proc (weaker nested) still private /proc" "$(line "$out" pids)" "1,2"
fi

done_testing
