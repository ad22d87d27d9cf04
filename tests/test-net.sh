#!/bin/sh
# Network behaviour end to end through the real srt (issue 5): a loopback
# HTTP upstream this test starts, names mapped to 127.0.0.1 through
# SRT_TEST_HOSTS_FILE, and checks on both sides (what the sandboxed
# command saw, and whether the upstream was reached at all).
# test-net-user.sh runs this same file as srtuser.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools bwrap socat curl python3 bash ss

B=${SRT_TEST_BUILDDIR:?}
D=$TESTDIR
PROBE="python3 $SRT_TEST_SRCDIR/test-net-probe.py"
PIDS=""
stop_all() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_testdir; }
trap stop_all EXIT
echo "# running as $(id -un)"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

"$B/net-upstream" 0 "$D/hits" > "$D/port" & PIDS="$PIDS $!"
wait_file "$D/port" || { echo "Bail out! net-upstream did not start"; exit 1; }
P=$(cat "$D/port")
: > "$D/hits"

# The host's own non-loopback address, with a listener of ours on it.
HOSTIP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.' | grep -v '^127\.' | head -1)
[ -n "$HOSTIP" ] || { echo "Bail out! no non-loopback IPv4 address on this host"; exit 1; }
$PROBE listen "$HOSTIP" "$D/hostip.log" > "$D/hostip.port" & PIDS="$PIDS $!"
wait_file "$D/hostip.port" || { echo "Bail out! listener on $HOSTIP did not start"; exit 1; }
HP=$(cat "$D/hostip.port")

printf '127.0.0.1 ok.test blocked.test good.deny.test bad.deny.test\n' > "$D/hosts"
chmod 644 "$D/hosts"
export SRT_TEST_HOSTS_FILE="$D/hosts"

S='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
settings() { # FILE ALLOW-JSON DENY-JSON [EXTRA]
	printf '%s\n' "{\"network\":{\"allowedDomains\":$2,\"deniedDomains\":$3${4:+,$4}},$S}" > "$D/$1"
}
hits() { grep -c -- "$1" "$D/hits"; }
run() { "$SRT" -s "$D/$1" -c "$2" 2>&1; }
NP="--noproxy ''"

# Positive controls on the host: the upstream and the non-loopback listener answer directly.
like "host: upstream answers directly" "$(curl -s --noproxy '*' "http://127.0.0.1:$P/ctl")" 'hello from upstream /ctl'
is "host: listener on $HOSTIP reachable directly" "$($PROBE connect "$HOSTIP" "$HP")" connected
wait_file "$D/hostip.log"
: > "$D/hostip.log"

settings main.json "[\"127.0.0.1:$P\",\"ok.test\",\"*.deny.test\"]" '["bad.deny.test"]'

# --- allowed / blocked through the HTTP proxy ---
out=$(run main.json "curl -s -i $NP http://127.0.0.1:$P/a1")
like "allowed IP:port -> 200" "$out" '^HTTP/1.1 200'
like "allowed IP:port -> upstream body" "$out" 'hello from upstream /a1'
is "allowed IP:port reached the upstream once" "$(hits 'GET /a1 ')" 1
out=$(run main.json "curl -s -i http://ok.test:$P/a2")
like "allowed name -> 200" "$out" 'hello from upstream /a2'
like "allowed name: upstream saw the Host header" "$(cat "$D/hits")" "GET /a2 host=ok.test:$P"

out=$(run main.json "curl -s -i http://blocked.test:$P/b1")
like "blocked host -> 403" "$out" '^HTTP/1.1 403'
like "blocked host -> X-Proxy-Error: blocked-by-allowlist" "$out" 'X-Proxy-Error: blocked-by-allowlist'
like "blocked host -> body" "$out" 'Connection blocked by network allowlist'
is "blocked host never reached the upstream" "$(hits /b1)" 0

# --- CONNECT (HTTPS-style tunnels) ---
out=$(run main.json "curl -s -i -p http://blocked.test:$P/b2; echo rc=\$?")
like "blocked CONNECT -> 403 with the reason" "$out" '^HTTP/1.1 403 host is not on the allow list'
like "blocked CONNECT -> X-Proxy-Error" "$out" 'X-Proxy-Error: blocked-by-allowlist'
like "blocked CONNECT -> curl fails (56)" "$out" 'rc=56'
out=$(run main.json "curl -s -v --proxytunnel https://blocked.test:$P/b3 2>&1; echo rc=\$?")
like "blocked https:// CONNECT refused" "$out" 'CONNECT tunnel failed, response 403'
like "blocked https:// CONNECT -> curl fails (56)" "$out" 'rc=56'
is "blocked CONNECTs never reached the upstream" "$(hits /b[23])" 0
out=$(run main.json "curl -s -p http://ok.test:$P/c1")
like "allowed CONNECT tunnel" "$out" 'hello from upstream /c1'

# --- deny beats allow ---
out=$(run main.json "curl -s -i http://bad.deny.test:$P/x1; curl -s -i -p http://bad.deny.test:$P/x2")
like "deny beats allow (*.deny.test allowed, bad.deny.test denied): 403" "$out" '^HTTP/1.1 403'
like "deny beats allow: CONNECT reason" "$out" '403 host is on the deny list'
is "denied host never reached the upstream" "$(hits '/x[12]')" 0
out=$(run main.json "curl -s http://good.deny.test:$P/x3")
like "sibling of the denied host still allowed" "$out" 'hello from upstream /x3'
settings denyall.json "[\"127.0.0.1:$P\",\"ok.test\"]" '["*"]'
out=$(run denyall.json "curl -s -i $NP http://127.0.0.1:$P/x4; curl -s -i http://ok.test:$P/x5")
unlike "deniedDomains [\"*\"] beats every allow entry" "$out" '200 OK'
is "deny-all: upstream untouched" "$(hits '/x[45]')" 0

# --- IP literals and shorthands (raw CONNECT lines to the in-sandbox bridge) ---
connect_line() { echo "$PROBE raw 3128 'CONNECT $1:$P HTTP/1.1\\r\\nHost: $1:$P\\r\\n\\r\\n'"; }
forms="127.0.0.1 127.1 2130706433 0x7f.1 0177.0.0.1 [::ffff:127.0.0.1]"
cmds=""
set -f # [::ffff:...] is no glob
for f in $forms; do cmds="$cmds echo '$f' \$($(connect_line "$f"));"; done
re() { printf '%s' "$1" | sed 's/[].[]/\\&/g'; }
settings names.json '["ok.test"]' '[]'
out=$(run names.json "$cmds")
for f in $forms; do
	like "IP form $f refused when no address is allow-listed" "$out" "^$(re "$f") HTTP/1.1 403"
done
out=$(run main.json "$cmds")
for f in $forms; do
	like "IP form $f allowed by the entry 127.0.0.1:$P" "$out" "^$(re "$f") HTTP/1.1 200"
done
settings short.json '["127.1","0x7f.1"]' '[]'
out=$(run short.json "$cmds")
for f in $forms; do
	like "IP form $f refused: entries 127.1/0x7f.1 are not canonicalised" "$out" "^$(re "$f") HTTP/1.1 403"
done
out=$(run names.json "curl -s -i $NP http://127.1:$P/i1; curl -s -i $NP http://2130706433:$P/i2; curl -s -i $NP http://0x7f.1:$P/i3")
set +f
is "curl to IP shorthands refused (3 x 403)" "$(printf '%s\n' "$out" | grep -c '^HTTP/1.1 403')" 3
is "IP shorthands never reached the upstream" "$(hits '/i[123]')" 0

# --- direct connections around the proxy ---
out=$(run main.json "curl -s --max-time 5 --noproxy '*' http://127.0.0.1:$P/d1; echo rc=\$?")
like "curl --noproxy '*' fails to connect (7)" "$out" 'rc=7'
out=$(run main.json "exec 3<>/dev/tcp/127.0.0.1/$P && echo connected || echo refused")
like "bash /dev/tcp to the upstream port fails" "$out" '^refused'
out=$(run main.json "$PROBE connect 127.0.0.1 $P")
like "python socket to 127.0.0.1:$P fails" "$out" '^error ECONNREFUSED'
out=$(run main.json "$PROBE connect $HOSTIP $HP")
like "python socket to the host address $HOSTIP fails" "$out" '^error (ENETUNREACH|EHOSTUNREACH|ECONNREFUSED)'
out=$(run main.json "$PROBE connect ::1 $P")
like "python socket to [::1] fails" "$out" '^error '
is "direct connections never reached the upstream" "$(hits /d1)" 0
is "direct connection never reached $HOSTIP" "$(wc -l < "$D/hostip.log")" 0

# --- SOCKS5 ---
out=$(run main.json "curl -s --socks5-hostname localhost:1080 http://ok.test:$P/s1; echo rc=\$?")
like "SOCKS5 (hostname) allowed" "$out" 'hello from upstream /s1'
out=$(run main.json "curl -s --noproxy '' --socks5 localhost:1080 http://127.0.0.1:$P/s2")
like "SOCKS5 (IPv4) allowed" "$out" 'hello from upstream /s2'
out=$(run main.json "curl -s --socks5-hostname localhost:1080 http://blocked.test:$P/s3; echo rc=\$?")
like "SOCKS5 refused for a blocked host" "$out" 'rc=(97|7)$'
out=$(run main.json "curl -s --socks5-hostname localhost:1080 http://bad.deny.test:$P/s4; echo rc=\$?")
like "SOCKS5 refused for a denied host" "$out" 'rc=(97|7)$'
is "refused SOCKS never reached the upstream" "$(hits '/s[34]')" 0

# --- the sandbox's proxy listeners: made by the helper, accepted by srt ---
# They exist before the command starts (its very first connect works), on
# IPv4 and IPv6 loopback; the command can neither take the ports over nor
# see a socket of srt's; and no bridge process runs for srt's own proxies.
out=$(run main.json "$PROBE connect 127.0.0.1 3128; $PROBE connect ::1 3128; $PROBE connect 127.0.0.1 1080; $PROBE connect ::1 1080")
is "listeners: 3128 and 1080 accept from the command's first instant, IPv4 and IPv6" "$(echo $out)" "connected connected connected connected"
out=$(run main.json "curl -s $NP --proxy 'http://[::1]:3128' http://127.0.0.1:$P/v6; curl -s $NP --proxy 'socks5h://[::1]:1080' http://127.0.0.1:$P/v6s")
like "listeners: the HTTP proxy over IPv6 loopback" "$out" 'hello from upstream /v6'
like "listeners: the SOCKS proxy over IPv6 loopback" "$out" 'hello from upstream /v6s'
out=$(run main.json "$PROBE bind 3128; $PROBE bind 1080")
is "listeners: the command cannot take 3128 or 1080 over (IPv4, IPv6, SO_REUSEPORT)" "$(echo $out)" "error EADDRINUSE error EADDRINUSE error EADDRINUSE error EADDRINUSE"
# srt's end of a sandbox connection uses reno, whatever the host's default
# (a pacing one such as BBR cost the relay 5-10% of its speed).
out=$(run main.json "$PROBE cc 3128; $PROBE cc 1080")
is "listeners: srt's sockets on 3128 and 1080 use reno" "$(echo $out)" "reno reno"
out=$(run main.json 'ls -l /proc/$$/fd/ | grep -c socket:')
is "listeners: the command holds no socket (neither a listener nor the channel they came on)" "$out" 0
descendant_comms() { # PID: the command names of every process below it
	python3 - "$1" <<'PY'
import os, sys
kids = {}
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        st = open("/proc/%s/stat" % p).read().rsplit(")", 1)
        kids.setdefault(int(st[1].split()[1]), []).append((int(p), st[0].split("(", 1)[1]))
    except (OSError, IndexError, ValueError):
        pass
todo, out = [int(sys.argv[1])], []
while todo:
    for pid, comm in kids.get(todo.pop(), []):
        out.append(comm)
        todo.append(pid)
print(" ".join(sorted(out)))
PY
}
"$SRT" -s "$D/main.json" -c "sleep 30.5" > /dev/null 2>&1 &
lp=$!
for _ in $(seq 100); do descendant_comms $lp | grep -q sleep && break; sleep 0.05; done
comms=$(descendant_comms $lp)
echo "# processes of a run: $comms"
like "listeners: the run's command is up (the test can see its processes)" "$comms" 'sleep'
unlike "listeners: no socat bridge runs for srt's own proxies" "$comms" 'socat'
kill -TERM $lp; wait $lp 2>/dev/null

# A TCP client that gives up while its request is with upstream frees its
# connection and the upstream one: srt's descriptors come back within
# seconds (a TCP peer's close shows only as EOF, as a half-close does).
$PROBE silent 127.0.0.1 "$D/silent.log" > "$D/silent.port" & PIDS="$PIDS $!"
wait_file "$D/silent.port" || { echo "Bail out! silent upstream did not start"; exit 1; }
SP=$(cat "$D/silent.port")
settings silent.json "[\"127.0.0.1:$SP\"]" '[]'
"$SRT" -s "$D/silent.json" -c "$PROBE abandon 3128 http://127.0.0.1:$SP/never; sleep 30" > "$D/abandon.out" 2>&1 &
ap=$!
for _ in $(seq 100); do grep -q conn "$D/silent.log" 2>/dev/null && break; sleep 0.05; done
open_fds=$(ls /proc/$ap/fd | wc -l)
for _ in $(seq 100); do grep -q closed "$D/abandon.out" && break; sleep 0.05; done
for _ in $(seq 60); do [ "$(ls /proc/$ap/fd | wc -l)" -le $((open_fds - 2)) ] && break; sleep 0.1; done
like "abandoned request: the client's request reached the silent upstream" "$(cat "$D/silent.log")" 'conn'
is "abandoned request: srt let go of the client and the upstream connection" "$(ls /proc/$ap/fd | wc -l)" $((open_fds - 2))
for _ in $(seq 30); do grep -q closed "$D/silent.log" && break; sleep 0.1; done
like "abandoned request: the upstream saw its connection closed" "$(cat "$D/silent.log")" 'closed'
kill -TERM $ap; wait $ap 2>/dev/null

# Half-closed TCP clients (shut their write side after the request): the
# answer still comes, a slow body whole (2.5 s between its parts), and a
# CONNECT tunnel carries the upstream's answer after the client's FIN.
$PROBE slow 127.0.0.1 > "$D/slow.port" & PIDS="$PIDS $!"
wait_file "$D/slow.port" || { echo "Bail out! slow upstream did not start"; exit 1; }
WP=$(cat "$D/slow.port")
settings half.json "[\"127.0.0.1:$P\",\"127.0.0.1:$WP\"]" '[]'
out=$(run half.json "$PROBE half 3128 'GET http://127.0.0.1:$P/half HTTP/1.1\r\nHost: x\r\n\r\n'")
like "half-closed client: the answer arrives" "$out" 'hello from upstream /half'
out=$(run half.json "$PROBE half 3128 'GET http://127.0.0.1:$WP/slow HTTP/1.1\r\nHost: x\r\n\r\n'")
like "half-closed client: a slow body arrives whole" "$out" 'first second'
out=$(run half.json "$PROBE half 3128 'CONNECT 127.0.0.1:$P HTTP/1.1\r\nHost: x\r\n\r\nGET /half-tunnel HTTP/1.0\r\n\r\n'")
like "half-closed client: a tunnel carries the answer after the FIN" "$out" 'hello from upstream /half-tunnel'

# --- resolved-address guard ---
out=$(run names.json "curl -s -i http://ok.test:$P/g1; curl -s -i -p http://ok.test:$P/g2; curl -s --socks5-hostname localhost:1080 http://ok.test:$P/g3; echo rc=\$?")
like "guard: name resolving to 127.0.0.1 refused (HTTP)" "$out" 'resolved to a loopback address'
like "guard: CONNECT refused with the reason" "$out" '^HTTP/1.1 403 resolved to a loopback address'
like "guard: SOCKS refused" "$out" 'rc=(97|7)$'
is "guard: upstream untouched" "$(hits '/g[123]')" 0
settings guard2.json '["ok.test","127.0.0.1"]' '[]'
out=$(run guard2.json "curl -s http://ok.test:$P/g4")
like "guard: allowed when 127.0.0.1 is allow-listed as an address" "$out" 'hello from upstream /g4'

# --- no network settings: nothing gets out ---
out=$("$SRT" -c "curl -s -i $NP http://127.0.0.1:$P/n1; curl -s -i http://ok.test:$P/n2; curl -s --max-time 5 --noproxy '*' http://127.0.0.1:$P/n3; echo rc=\$?" 2>&1)
like "no settings file: HTTP refused with 403" "$out" '^HTTP/1.1 403'
unlike "no settings file: nothing allowed" "$out" 'hello from upstream'
like "no settings file: direct connection fails" "$out" 'rc=7'
settings empty.json '[]' '[]'
out=$(run empty.json "curl -s -i $NP http://127.0.0.1:$P/n4; curl -s --socks5-hostname localhost:1080 http://ok.test:$P/n5; echo rc=\$?")
like "allowedDomains []: 403" "$out" '^HTTP/1.1 403'
like "allowedDomains []: SOCKS refused" "$out" 'rc=(97|7)$'
is "no network settings: upstream untouched" "$(hits '/n[1-5]')" 0

# --- the in-sandbox environment (spec 6, no per-command credentials) ---
NOPX='localhost,127.0.0.1,::1,169.254.0.0/16,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16'
want="SANDBOX_RUNTIME=1
NO_PROXY=$NOPX
no_proxy=$NOPX
HTTP_PROXY=http://localhost:3128
HTTPS_PROXY=http://localhost:3128
http_proxy=http://localhost:3128
https_proxy=http://localhost:3128
ALL_PROXY=http://localhost:3128
all_proxy=http://localhost:3128
GRPC_PROXY=http://localhost:3128
grpc_proxy=http://localhost:3128
DOCKER_HTTP_PROXY=http://localhost:3128
DOCKER_HTTPS_PROXY=http://localhost:3128
FTP_PROXY=socks5h://localhost:1080
ftp_proxy=socks5h://localhost:1080
RSYNC_PROXY=localhost:1080
GIT_SSH_COMMAND=ssh -o ControlMaster=no -o ControlPath=none -o ProxyCommand='socat - PROXY:localhost:%h:%p,proxyport=3128'
CLOUDSDK_PROXY_TYPE=http
CLOUDSDK_PROXY_ADDRESS=localhost
CLOUDSDK_PROXY_PORT=3128"
vars=$(printf '%s\n' "$want" | sed 's/=.*//' | tr '\n' ' ')
envcmd="for v in $vars; do printenv \$v >/dev/null && echo \"\$v=\$(printenv \$v)\"; done"
out=$(HTTP_PROXY=http://outside.invalid:1 no_proxy='*' ALL_PROXY=socks5://outside.invalid:2 run main.json "$envcmd")
is "environment inside: proxy variables (inherited values overridden)" "$out" "$want"
out=$(run main.json 'env')
unlike "environment: no credentials in proxy URLs" "$out" '_PROXY=[a-z0-9]+://[^ ]*@'
unlike "environment: no per-command credential variables" "$out" '^(GIT_CONFIG_PARAMETERS|CLOUDSDK_PROXY_USERNAME|CLOUDSDK_PROXY_PASSWORD)='
# GIT_SSH_COMMAND's ProxyCommand works: socat's PROXY address through the bridge.
out=$(run main.json "echo 'ECHO via git-ssh' | socat -t 5 - PROXY:localhost:ok.test:$P,proxyport=3128")
is "GIT_SSH_COMMAND-style socat PROXY tunnel (allowed host)" "$out" 'ECHO via git-ssh'
out=$(run main.json "echo 'ECHO no' | socat -t 5 - PROXY:localhost:blocked.test:$P,proxyport=3128; echo rc=\$?")
unlike "GIT_SSH_COMMAND-style socat PROXY tunnel (blocked host) refused" "$out" 'ECHO no'

# --- external proxy ports ---
$PROBE extproxy "$D/ext.log" > "$D/ext.ports" & PIDS="$PIDS $!"
wait_file "$D/ext.ports" || { echo "Bail out! external proxy did not start"; exit 1; }
read -r EH ES < "$D/ext.ports"
settings ext.json '[]' '[]' "\"httpProxyPort\":$EH,\"socksProxyPort\":$ES"
# Output to a file and a bounded wait: srt must not hang after the command.
"$SRT" -s "$D/ext.json" -c "curl -s http://elsewhere.test:$P/e1; curl -s --socks5-hostname localhost:1080 http://elsewhere.test:$P/e2; echo \$HTTP_PROXY" > "$D/ext.out" 2>&1 &
epid=$!
exited=no
for _ in $(seq 150); do kill -0 "$epid" 2>/dev/null || { exited=yes; break; }; sleep 0.1; done
[ "$exited" = yes ] || kill -KILL "$epid"
wait "$epid"
out=$(cat "$D/ext.out")
like "external httpProxyPort answers (srt's own would refuse)" "$out" "external http http://elsewhere.test:$P/e1"
like "external socksProxyPort answers" "$out" "external socks elsewhere.test:$P GET /e2"
like "external: HTTP_PROXY still points at the in-sandbox bridge" "$out" '^http://localhost:3128$'
like "external proxy logged both" "$(cat "$D/ext.log")" "socks elsewhere.test:$P"
is "external: srt's proxies did not reach the upstream" "$(hits '/e[12]')" 0
# The host-side socat bridges must not inherit srt's blocked signals, or
# net_plan_cleanup() would wait for them forever.
is "external ports: srt exits after the command" "$exited" yes
# Whatever happened, leave no bridge of ours behind (they name our TMPDIR).
for pid in $(pgrep -f "UNIX-LISTEN:$TESTDIR/" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
[ "$exited" = yes ] || rm -rf $(srt_net_dirs)
dry=$("$SRT" --dry-run -s "$D/ext.json" -c true 2>&1)
like "dry-run with external ports names them" "$dry" "$EH"
like "dry-run with external ports names the socks port" "$dry" "$ES"
like "dry-run with external ports: socat bridge inside for 3128" "$dry" 'sandbox bridge: .*socat TCP-LISTEN:3128 -> UNIX-CONNECT:.*/http\.sock'
like "dry-run with external ports: socat bridge inside for 1080" "$dry" 'sandbox bridge: .*socat TCP-LISTEN:1080 -> UNIX-CONNECT:.*/socks\.sock'
unlike "dry-run with external ports: no listener handed to srt" "$dry" '^--proxy-listeners$'
like "dry-run with external ports: the socket dir is bound in" "$dry" 'socket dir: .*bound into the sandbox'

# --- --dry-run prints the network plan and starts nothing ---
dry=$("$SRT" --dry-run -s "$D/main.json" -c "curl http://ok.test:$P/dry" 2>&1)
like "dry-run: network section" "$dry" '^# network'
like "dry-run: socket dir" "$dry" 'socket dir: .*/srt-net-'
like "dry-run: http proxy socket" "$dry" 'http proxy: srt on .*/http\.sock'
like "dry-run: socks proxy socket" "$dry" 'socks proxy: srt on .*/socks\.sock'
like "dry-run: sandbox listener 3128 for srt's HTTP proxy" "$dry" "sandbox listener: TCP localhost:3128, made by apply-seccomp, accepted by srt's HTTP proxy"
like "dry-run: sandbox listener 1080 for srt's SOCKS proxy" "$dry" "sandbox listener: TCP localhost:1080, made by apply-seccomp, accepted by srt's SOCKS proxy"
unlike "dry-run: no in-sandbox socat for srt's own proxies" "$dry" 'sandbox bridge:'
like "dry-run: the helper makes both listeners" "$dry" '^--proxy-listeners$'
like "dry-run: ... on 3128 and 1080" "$dry" '^<fd>:3128,1080$'
like "dry-run: the socket dir stays on the host" "$dry" 'socket dir: .*host side only'
like "dry-run: env HTTPS_PROXY" "$dry" '^    HTTPS_PROXY=http://localhost:3128$'
like "dry-run: env GIT_SSH_COMMAND" "$dry" '^    GIT_SSH_COMMAND=ssh -o ControlMaster=no'
like "dry-run: bwrap gets --unshare-net" "$dry" '^--unshare-net$'
is "dry-run: nothing ran" "$(hits /dry)" 0
is "dry-run: no socket dir left" "$(srt_net_dirs | grep -c srt-net-)" 0

# --- socket files and their directory are removed ---
sockdir() { srt_net_dirs; }
"$SRT" -s "$D/main.json" -c "sleep 30" > /dev/null 2>&1 &
spid=$!
for _ in $(seq 100); do [ -n "$(sockdir)" ] && [ -S "$(sockdir)/http.sock" ] && break; sleep 0.05; done
sd=$(sockdir)
check "while running: socket dir exists with both sockets" "[ -S '$sd/http.sock' ] && [ -S '$sd/socks.sock' ]"
is "while running: socket dir is mode 700" "$(stat -c %a "$sd" 2>/dev/null)" 700
is "while running: socket dir belongs to the user" "$(stat -c %U "$sd" 2>/dev/null)" "$(id -un)"
kill -TERM "$spid"
wait "$spid"; rc=$?
is "SIGTERM to srt: exit status 143" "$rc" 143
is "SIGTERM to srt: socket dir removed" "$(sockdir)" ""
run main.json 'kill -KILL $$' > /dev/null; rc=$?
is "command SIGKILLed: exit status 137" "$rc" 137
is "command SIGKILLed: socket dir removed" "$(sockdir)" ""
run main.json 'curl -s http://ok.test:'"$P"'/z1 >/dev/null; exit 3' > /dev/null; rc=$?
is "normal exit: status passed through" "$rc" 3
is "normal exit: socket dir removed" "$(sockdir)" ""
is "nothing at all left in TMPDIR" "$(ls -A "$TMPDIR")" ""

done_testing
