#!/bin/sh
# The network plan end to end through srt itself: srt builds the plan, runs
# its proxies on the plan's sockets and the command inside bwrap
# --unshare-net behind the in-sandbox socat bridge.  test-net.sh has the
# full list of network cases; this one keeps the plan's own checks and an
# external proxy that is srt's own proxy (proxy-driver) behind socat.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools bwrap socat curl python3

B=${SRT_TEST_BUILDDIR:?}
D=$TESTDIR
PIDS=""
stop_all() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_testdir; }
trap stop_all EXIT

"$B/net-upstream" 0 "$D/hits" > "$D/port" & PIDS="$PIDS $!"
for _ in $(seq 50); do [ -s "$D/port" ] && break; sleep 0.05; done
P=$(cat "$D/port")
S='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
printf '%s\n' "{\"network\":{\"allowedDomains\":[\"127.0.0.1:$P\"],\"deniedDomains\":[]},$S}" > "$D/s.json"
run() { "$SRT" -s "$D/s.json" -c "$1"; }
# With external ports srt runs host bridges; bound the wait so a hang is a
# failure, not a stuck test, and leave none of our bridges behind.
run_bounded() {
	"$SRT" -s "$D/s.json" -c "$1" > "$D/run.out" 2>&1 &
	rp=$!
	for _ in $(seq 150); do kill -0 "$rp" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$rp" 2>/dev/null
	wait "$rp" 2>/dev/null
	for bp in $(pgrep -f "UNIX-LISTEN:$TESTDIR/" 2>/dev/null); do kill -KILL "$bp" 2>/dev/null; done
	rm -rf $(srt_net_dirs)
	cat "$D/run.out"
}
NP="--noproxy ''"

out=$(run "curl -s -i $NP http://127.0.0.1:$P/e2e1")
like "sandbox: allowed host 200 through HTTP_PROXY" "$out" 'hello from upstream /e2e1'
out=$(run "curl -s -i $NP http://blocked.test:$P/e2e2")
like "sandbox: blocked host 403" "$out" '^HTTP/1.1 403'
out=$(run "curl -s -i $NP -p http://blocked.test:$P/e2e3")
like "sandbox: blocked CONNECT 403" "$out" '403 host is not on the allow list'
out=$(run "curl -s $NP -p http://127.0.0.1:$P/e2e4")
like "sandbox: CONNECT tunnel" "$out" 'hello from upstream /e2e4'
out=$(run "curl -s $NP --proxy socks5h://localhost:1080 http://127.0.0.1:$P/e2e5")
like "sandbox: SOCKS5 on 1080" "$out" 'hello from upstream /e2e5'
out=$(run "curl -s --max-time 5 --noproxy '*' http://127.0.0.1:$P/e2e6; echo rc=\$?")
like "sandbox: direct connection around the proxy fails" "$out" 'rc=7'
is "sandbox: direct connection never reached upstream" "$(grep -c /e2e6 "$D/hits")" 0
out=$(run 'echo "$HTTP_PROXY $https_proxy $ALL_PROXY $FTP_PROXY $RSYNC_PROXY"')
is "sandbox: proxy environment" "$out" "http://localhost:3128 http://localhost:3128 http://localhost:3128 socks5h://localhost:1080 localhost:1080"
run "true"
check "socket directory removed after the run" '[ -z "$(srt_net_dirs)" ]'

# No network settings: allowedDomains [] = nothing gets out.
printf '%s\n' "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},$S}" > "$D/s.json"
out=$(run "curl -s -i $NP http://127.0.0.1:$P/none1 | head -1; curl -s --max-time 5 --noproxy '*' http://127.0.0.1:$P/none2; echo rc=\$?")
like "no allowed domains: 403" "$out" '^HTTP/1.1 403'
like "no allowed domains: direct fails" "$out" 'rc=7'
is "no allowed domains: upstream untouched" "$(grep -c /none "$D/hits")" 0

# External proxy ports: an "external" proxy on TCP (proxy-driver behind socat).
printf '%s\n' "{\"network\":{\"allowedDomains\":[\"127.0.0.1\"],\"deniedDomains\":[]},$S}" > "$D/ext.json"
"$B/proxy-driver" "$D/ext.json" "$D/ext-http.sock" "$D/ext-socks.sock" "$D/ext.events" > "$D/ext.out" 2>&1 & PIDS="$PIDS $!"
EH=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ES=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for _ in $(seq 100); do grep -q ready "$D/ext.out" && break; sleep 0.02; done
socat TCP-LISTEN:"$EH",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$D/ext-http.sock" >/dev/null 2>&1 & PIDS="$PIDS $!"
socat TCP-LISTEN:"$ES",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$D/ext-socks.sock" >/dev/null 2>&1 & PIDS="$PIDS $!"
python3 -c 'import socket,sys,time
for p in sys.argv[1:]:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", int(p))).close(); break
        except OSError: time.sleep(0.02)' "$EH" "$ES"
printf '%s\n' "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[],\"httpProxyPort\":$EH,\"socksProxyPort\":$ES},$S}" > "$D/s.json"
out=$(run_bounded "curl -s $NP http://127.0.0.1:$P/ext1; curl -s $NP --proxy socks5h://localhost:1080 http://127.0.0.1:$P/ext2")
like "external httpProxyPort used" "$out" 'hello from upstream /ext1'
like "external socksProxyPort used" "$out" 'hello from upstream /ext2'
like "external proxy saw the requests" "$(cat "$D/ext.events")" "allow socks5 127.0.0.1 $P"
done_testing
