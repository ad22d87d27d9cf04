#!/bin/sh
# The HTTP and SOCKS5 proxies outside the sandbox: tests/proxy-driver runs
# them on Unix sockets; curl reaches the HTTP one through a socat bridge
# (as the in-sandbox bridge does) and the SOCKS one directly; upstream is
# tests/net-upstream on loopback, whose hit log shows what got through.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools curl socat python3

B=${SRT_TEST_BUILDDIR:?}
D=$TESTDIR
PIDS=""
stop_all() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_testdir; }
trap stop_all EXIT

"$B/net-upstream" 0 "$D/hits" > "$D/port" & PIDS="$PIDS $!"
# A second upstream (P2): names in the hosts file resolve to 127.0.0.1, and
# only 127.0.0.1:$P is allow-listed as an address, so the guard must stop
# upstream.test:$P2.
"$B/net-upstream" 0 "$D/hits" > "$D/port2" & PIDS="$PIDS $!"
for _ in $(seq 50); do [ -s "$D/port" ] && [ -s "$D/port2" ] && break; sleep 0.05; done
P=$(cat "$D/port")
P2=$(cat "$D/port2")

# Names the tests resolve: all on loopback (SRT_TEST_HOSTS_FILE is read only when set).
printf '127.0.0.1 upstream.test guarded.test evil.test x.upstream.test\n' > "$D/hosts"
export SRT_TEST_HOSTS_FILE="$D/hosts"

start_proxy() { # NAME SETTINGS_JSON
	printf '%s\n' "$2" > "$D/$1.json"
	"$B/proxy-driver" "$D/$1.json" "$D/$1-http.sock" "$D/$1-socks.sock" "$D/$1.events" > "$D/$1.out" 2> "$D/$1.err" &
	eval "PID_$1=$!"; PIDS="$PIDS $!"
	for _ in $(seq 100); do grep -q ready "$D/$1.out" 2>/dev/null && return 0; sleep 0.02; done
	echo "# proxy $1 did not start: $(cat "$D/$1.err")"; return 1
}
bridge() { # NAME: BRIDGE_PORT = TCP port of a socat bridge to NAME's HTTP socket
	BRIDGE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	socat TCP-LISTEN:"$BRIDGE_PORT",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$D/$1-http.sock" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	python3 -c 'import socket,sys,time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close(); break
    except OSError: time.sleep(0.02)' "$BRIDGE_PORT"
}
hits() { grep -c "$1" "$D/hits" 2>/dev/null || true; }

S='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
start_proxy a "{\"network\":{\"allowedDomains\":[\"127.0.0.1:$P\",\"upstream.test\",\"*.upstream.test\",\"both.test\",\"evil.test\"],\"deniedDomains\":[\"both.test\",\"evil.test\"],\"deniedDomainReasons\":{\"evil.test\":\"evil is denied\"}},$S}"
bridge a; BA=$BRIDGE_PORT
C="curl -s --max-time 10 --proxy http://127.0.0.1:$BA"

# --- plain HTTP ---
out=$($C -i "http://127.0.0.1:$P/allowed1")
like "allowed host: 200" "$out" '^HTTP/1.1 200'
like "allowed host: upstream body" "$out" 'hello from upstream /allowed1'
is "allowed host: upstream hit once" "$(hits /allowed1)" 1

out=$($C -i "http://blocked.test:$P/blocked1")
like "blocked host: 403 Forbidden" "$out" '^HTTP/1.1 403 Forbidden'
like "blocked host: X-Proxy-Error" "$out" 'X-Proxy-Error: blocked-by-allowlist'
like "blocked host: body" "$out" 'Connection blocked by network allowlist'
is "blocked host: no upstream hit" "$(hits /blocked1)" 0

out=$($C -i "http://both.test:$P/both")
like "deny beats allow" "$out" '^HTTP/1.1 403'
out=$($C -i -p "http://evil.test:$P/evil")
like "deniedDomainReasons in CONNECT status" "$out" '^HTTP/1.1 403 evil is denied'

# --- CONNECT ---
out=$($C -i -p "http://127.0.0.1:$P/tunnel1")
like "CONNECT allowed: 200 established" "$out" 'HTTP/1.1 200 Connection Established'
like "CONNECT allowed: upstream answered" "$out" 'hello from upstream /tunnel1'
out=$($C -i -p "http://blocked.test:$P/tunnel2")
like "CONNECT blocked: 403 with reason" "$out" '^HTTP/1.1 403 host is not on the allow list'
like "CONNECT blocked: X-Proxy-Error" "$out" 'X-Proxy-Error: blocked-by-allowlist'
is "CONNECT blocked: no upstream hit" "$(hits /tunnel2)" 0

# --- IP literals and shorthands ---
for h in 127.1 2130706433 0x7f.1 0x7f.0.0.1 '[::ffff:127.0.0.1]'; do
	out=$($C -i "http://$h:$P/short")
	like "shorthand $h folds to the allowed 127.0.0.1:$P" "$out" '^HTTP/1.1 200'
done
for h in 127.0.0.2 127.2 '[::1]' 2130706434 10.0.0.1; do
	out=$($C -i "http://$h:$P/lit")
	like "literal $h not on the list: 403" "$out" '^HTTP/1.1 403'
done
out=$($C -i "http://127.0.0.1:1/otherport")
like "allowed literal on another port: 403" "$out" '^HTTP/1.1 403'
is "literals: no upstream hit" "$(hits /lit)" 0

# --- resolved-address guard ---
out=$($C -i "http://upstream.test:$P2/guard1")
like "guard: allowed name resolving to loopback refused" "$out" '^HTTP/1.1 403'
like "guard: X-Proxy-Error blocked-by-sandbox-runtime" "$out" 'X-Proxy-Error: blocked-by-sandbox-runtime'
like "guard: body names the class" "$out" 'Connection to upstream.test blocked: resolved to a loopback address'
out=$($C -i -p "http://upstream.test:$P2/guard2")
like "guard: CONNECT status phrase" "$out" '^HTTP/1.1 403 resolved to a loopback address'
is "guard: no upstream hit" "$(hits /guard)" 0

# --- SOCKS5 ---
SX="curl -s --max-time 10 --proxy socks5h://localhost$D/a-socks.sock"
out=$($SX -i "http://127.0.0.1:$P/socks1")
like "SOCKS allowed: 200" "$out" 'hello from upstream /socks1'
$SX "http://blocked.test:$P/socks2" >/dev/null; rc=$?
is "SOCKS refused: curl reports connection not allowed (97)" "$rc" 97
is "SOCKS refused: no upstream hit" "$(hits /socks2)" 0
$SX "http://upstream.test:$P2/socks3" >/dev/null; rc=$?
is "SOCKS guard refusal (97)" "$rc" 97
out=$(curl -s --max-time 10 --proxy "socks5://localhost$D/a-socks.sock" -i "http://127.0.0.1:$P/socks4")
like "SOCKS with IPv4 address type" "$out" 'hello from upstream /socks4'
out=$(curl -s --max-time 10 --proxy "socks5h://user:pw@localhost$D/a-socks.sock" -i "http://127.0.0.1:$P/socks5")
like "SOCKS username/password (RFC 1929)" "$out" 'hello from upstream /socks5'

# --- raw protocol edge cases (python3 speaks to the Unix sockets) ---
raw() { python3 "$SRT_TEST_SRCDIR/proxy-raw.py" "$@"; }
out=$(raw http "$D/a-http.sock" 'garbage\r\n\r\n')
like "malformed request line: 400" "$out" '^HTTP/1.1 400'
out=$(raw http "$D/a-http.sock" 'GET /origin-form HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
like "origin-form request: 400" "$out" '^HTTP/1.1 400'
out=$(raw http "$D/a-http.sock" "GET http://127.0.0.1:$P/x HTTP/1.1\r\nX: $(python3 -c 'print("a"*70000)')\r\n\r\n")
like "oversized head: 431" "$out" '^HTTP/1.1 431'
out=$(raw http "$D/a-http.sock" "GET http://127.0.0.1:$P/x HTTP/1.1\r\n folded: bad\r\n\r\n")
like "obsolete line folding: 400" "$out" '^HTTP/1.1 400'
out=$(raw http "$D/a-http.sock" "CONNECT 127.0.0.1:0 HTTP/1.1\r\n\r\n")
like "CONNECT port 0: 400" "$out" '^HTTP/1.1 400'
# An empty label ends a DNS query's name early: "evil.test..x.upstream.test"
# would be looked up as evil.test; refused before any lookup.
out=$(raw http "$D/a-http.sock" "CONNECT x.upstream.test:$P HTTP/1.1\r\n\r\n")
like "control: CONNECT to a name under *.upstream.test: 200" "$out" '^HTTP/1.1 200'
out=$(raw http "$D/a-http.sock" "CONNECT evil.test..x.upstream.test:$P HTTP/1.1\r\n\r\n")
like "CONNECT to a name with an empty label: refused" "$out" '^HTTP/1.1 4'
out=$(raw http "$D/a-http.sock" "GET http://.upstream.test:$P/emptylabel HTTP/1.1\r\n\r\n")
like "GET to a name with an empty first label: refused" "$out" '^HTTP/1.1 4'
is "names with empty labels: no upstream hit" "$(hits /emptylabel)" 0
out=$(raw http "$D/a-http.sock" "GET http://127.0.0.1:$P/ka1 HTTP/1.1\r\nHost: x\r\n\r\nGET http://blocked.test:$P/ka2 HTTP/1.1\r\nHost: x\r\n\r\nGET http://127.0.0.1:$P/ka3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
is "keep-alive: each request judged on its own" "$(printf '%s' "$out" | grep -o '^HTTP/1.1 [0-9]*' | tr '\n' ' ')" "HTTP/1.1 200 HTTP/1.1 403 HTTP/1.1 200 "
is "keep-alive: blocked request never reached upstream" "$(hits /ka2)" 0
out=$(raw http "$D/a-http.sock" "GET http://127.0.0.1:$P/hostfix HTTP/1.1\r\nHost: evil.example\r\n\r\n")
like "Host header rebuilt from the URL" "$(grep /hostfix "$D/hits")" "host=127.0.0.1:$P"
out=$(raw socks-bind "$D/a-socks.sock")
is "SOCKS BIND: reply 7" "$out" "05 07"
out=$(raw socks-udp "$D/a-socks.sock")
is "SOCKS UDP ASSOCIATE: reply 7" "$out" "05 07"
out=$(raw socks-ipv6 "$D/a-socks.sock" "$P")
is "SOCKS IPv6 ::1 not allowed: reply 2" "$out" "05 02"
out=$(raw socks-host "$D/a-socks.sock" 'bad\x1b[31m\x07host' "$P")
is "SOCKS host with control bytes: reply 2" "$out" "05 02"
like "SOCKS host with control bytes: reported escaped" "$(cat "$D/a.events")" 'deny socks5 bad\\x1b\[31m\\x07host '
check "SOCKS host with control bytes: no raw ESC reaches the report" "! grep -q \"$(printf '\033')\" '$D/a.events'"

# --- response framing and request head hygiene: a hostile upstream (proxy-raw.py upstream) ---
python3 "$SRT_TEST_SRCDIR/proxy-raw.py" upstream "$D/eport" "$D/elog" & PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$D/eport" ] && break; sleep 0.05; done
EP=$(cat "$D/eport")
start_proxy f "{\"network\":{\"allowedDomains\":[\"127.0.0.1\"],\"deniedDomains\":[]},$S}"
FS=$D/f-http.sock
nresp() { printf '%s' "$1" | grep -o 'HTTP/1.1 [0-9]' | wc -l; }
elog() { awk -v p="$1" '$2 ~ p {on=1} on {print} /^--$/ {on=0}' "$D/elog"; }
out=$(raw http "$FS" "GET http://127.0.0.1:$EP/inject HTTP/1.1\r\nHost: x\r\n\r\nGET http://127.0.0.1:$P/next1 HTTP/1.1\r\nHost: x\r\n\r\n")
like "framing: the announced 5 body bytes reach the client" "$out" 'hello'
unlike "framing: a second response in the same write never reaches the client" "$out" 'injected'
is "framing: the client connection ends after an overrunning response" "$(nresp "$out")" 1
out=$(raw http "$FS" "GET http://127.0.0.1:$EP/inject-late HTTP/1.1\r\nHost: x\r\n\r\nGET http://127.0.0.1:$P/next2 HTTP/1.1\r\nHost: x\r\n\r\n")
unlike "framing: a late second response never reaches the client" "$out" 'injected'
like "framing: the pipelined request to another host gets its own answer" "$out" 'hello from upstream /next2'
out=$(raw http "$FS" "GET http://127.0.0.1:$EP/short HTTP/1.1\r\nHost: x\r\n\r\nGET http://127.0.0.1:$P/next3 HTTP/1.1\r\nHost: x\r\n\r\n")
is "framing: a body cut short ends the client connection" "$(nresp "$out")" 1
out=$(raw http "$FS" "GET http://127.0.0.1:$EP/chunked HTTP/1.1\r\nHost: x\r\n\r\nGET http://127.0.0.1:$P/next4 HTTP/1.1\r\nHost: x\r\n\r\n")
like "framing: a chunked response says Connection: close" "$out" 'Connection: close'
unlike "framing: no keep-alive after a chunked response" "$out" 'keep-alive'
is "framing: the connection ends after a chunked response" "$(nresp "$out")" 1
out=$(raw http "$FS" "POST http://127.0.0.1:$EP/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n")
like "chunked request: answered" "$out" '^HTTP/1.1 200'
like "chunked request: the answer says Connection: close" "$out" 'Connection: close'
is "chunked request: Transfer-Encoding forwarded once" "$(elog /te | grep -ci '^transfer-encoding')" 1
out=$(raw http "$FS" "POST http://127.0.0.1:$EP/cl2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab")
like "repeated equal Content-Length: answered" "$out" '^HTTP/1.1 200'
is "repeated equal Content-Length: forwarded once" "$(elog /cl2 | grep -ci '^content-length')" 1
out=$(raw http "$FS" "POST http://127.0.0.1:$EP/cl3 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc")
like "conflicting Content-Length: 400" "$out" '^HTTP/1.1 400'
out=$(raw http "$FS" "POST http://127.0.0.1:$EP/te2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
like "Transfer-Encoding other than chunked: 400" "$out" '^HTTP/1.1 400'
out=$(raw http "$FS" "GET http://127.0.0.1:$EP/nul HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n")
like "NUL byte in the head: 400" "$out" '^HTTP/1.1 400'
is "hygiene: refused requests never reached upstream" "$(grep -c -e /cl3 -e /te2 -e /nul "$D/elog")" 0

# --- pipelined denied requests from a client that does not read the answers ---
out=$(raw flood "$FS" "GET http://blocked.test/ HTTP/1.1\r\nHost: x\r\n\r\n" 8388608)
sent=${out%% *}
check "deny backlog: the proxy stops reading a client that does not read ($sent bytes taken)" "[ $sent -lt 2097152 ]"
like "deny backlog: every request sent is answered once the client reads" "$out" '^[0-9]+ ([0-9]+) \1$'

# --- a client that goes away while its request is with upstream ---
# Its reading is off then (pipelined bytes stay in the socket); a closed
# client must still free its descriptor and the upstream one at once, not
# after the 600 s idle timeout, before the response head or while the
# response body stalls, while a half-closed one gets its answer.
start_proxy g "{\"network\":{\"allowedDomains\":[\"127.0.0.1\"],\"deniedDomains\":[]},$S}"
out=$(raw abandon "$D/g-http.sock" "$PID_g" "$D/elog" "$EP")
like "client gone: the four requests were waiting upstream, 8 descriptors ($out)" "$out" '^during 8 '
like "client gone: the proxy's descriptors back to the baseline ($out)" "$out" ' after 0 '
like "client gone: the four upstream connections closed ($out)" "$out" ' upstream-closed 4$'
out=$(raw half "$D/g-http.sock" "GET http://127.0.0.1:$EP/delay HTTP/1.1\r\nHost: x\r\n\r\nGET http://127.0.0.1:$EP/after-delay HTTP/1.1\r\nHost: x\r\n\r\n")
like "half-closed client: the delayed answer arrives" "$out" '^lateHTTP/1.1 200'
is "half-closed client: its pipelined request is answered too" "$(nresp "$out")" 2
like "half-closed client: the pipelined answer" "$out" '^ok$'

# --- localhost does not reach a denied address ---
# (::1 is denied as well: the resolver may give localhost both)
start_proxy l "{\"network\":{\"allowedDomains\":[\"localhost\"],\"deniedDomains\":[\"127.0.0.1:$P\"],\"deniedResolvedAddresses\":[\"::1\"]},$S}"
out=$(raw http "$D/l-http.sock" "GET http://localhost:$P/lhdeny HTTP/1.1\r\nHost: x\r\n\r\n")
like "localhost resolving to a denied literal: 403" "$out" '^HTTP/1.1 403'
like "localhost resolving to a denied literal: resolved to a denied address" "$out" 'resolved to a denied address'
is "localhost resolving to a denied literal: no upstream hit" "$(hits /lhdeny)" 0
start_proxy l2 "{\"network\":{\"allowedDomains\":[\"localhost\"],\"deniedDomains\":[],\"deniedResolvedAddresses\":[\"127.0.0.0/8\",\"::1\"]},$S}"
out=$(raw http "$D/l2-http.sock" "GET http://localhost:$P/lhdeny2 HTTP/1.1\r\nHost: x\r\n\r\n")
like "localhost resolving into deniedResolvedAddresses: 403" "$out" '^HTTP/1.1 403'
is "localhost resolving into deniedResolvedAddresses: no upstream hit" "$(hits /lhdeny2)" 0

# --- out of descriptors: the accept loop pauses instead of spinning ---
require_tools prlimit
start_proxy e "{\"network\":{\"allowedDomains\":[\"127.0.0.1\"],\"deniedDomains\":[]},$S}"
prlimit --pid "$PID_e" --nofile=48:48
python3 -c 'import socket,sys,time
ss=[]
for _ in range(100):
    s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); ss.append(s)
time.sleep(3)' "$D/e-http.sock" & HOLDE=$!
sleep 0.8
cpu() { awk '{print $14 + $15}' /proc/"$1"/stat; }
t0=$(cpu "$PID_e"); sleep 1; t1=$(cpu "$PID_e")
check "EMFILE: the proxy does not spin on accept ($((t1 - t0)) ticks in 1 s)" "[ $((t1 - t0)) -lt 20 ]"
wait "$HOLDE"
sleep 0.3
out=$(raw http "$D/e-http.sock" "GET http://127.0.0.1:$P/emfile HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
like "EMFILE: accepting again once descriptors are free" "$out" 'hello from upstream /emfile'

# --- live update (proxy_set_network) ---
out=$($C -i "http://127.0.0.1:$P2/live")
like "before live update: 403" "$out" '^HTTP/1.1 403'
printf '%s\n' "{\"network\":{\"allowedDomains\":[\"127.0.0.1:$P\",\"127.0.0.1:$P2\"],\"deniedDomains\":[]},$S}" > "$D/a.json"
kill -USR1 "$PID_a"
for _ in $(seq 50); do grep -q reloaded "$D/a.out" && break; sleep 0.05; done
out=$($C -i "http://127.0.0.1:$P2/live")
like "live update: newly allowed literal reaches upstream" "$out" 'hello from upstream /live'
out=$($C -i "http://both.test:$P/live2")
like "live update: still 403 for the rest" "$out" '^HTTP/1.1 403'
kill -USR2 "$PID_a"
for _ in $(seq 50); do grep -q 'reload failed' "$D/a.out" && break; sleep 0.05; done
like "live update the proxy cannot compile: proxy_set_network says so" "$(cat "$D/a.out")" 'reload failed'
out=$($C -i "http://127.0.0.1:$P2/live3")
like "live update the proxy cannot compile: previous rules still in force" "$out" 'hello from upstream /live3'

# --- mitmProxy routing and parentProxy: proxy b is the mitm / parent ---
start_proxy m "{\"network\":{\"allowedDomains\":[\"127.0.0.1\",\"mitm.test\",\"upstream.test\"],\"deniedDomains\":[]},$S}"
bridge m; BM=$BRIDGE_PORT
start_proxy c "{\"network\":{\"allowedDomains\":[\"mitm.test\",\"parent.test\",\"127.0.0.1\"],\"deniedDomains\":[],\"mitmProxy\":{\"socketPath\":\"$D/m-http.sock\",\"domains\":[\"mitm.test\"]},\"parentProxy\":{\"http\":\"http://127.0.0.1:$BM\",\"https\":\"http://127.0.0.1:$BM\",\"noProxy\":\"127.0.0.1\"}},$S}"
bridge c; BC=$BRIDGE_PORT
out=$($C --proxy "http://127.0.0.1:$BM" -i "http://upstream.test:$P2/guard3")
like "guard: a name resolving to an allow-listed address is dialled" "$out" 'hello from upstream /guard3'
$C --proxy "http://127.0.0.1:$BC" -i "http://mitm.test:$P/m1" > /dev/null
like "mitmProxy: request for its domain went to the mitm socket" "$(cat "$D/m.events" 2>/dev/null)" "allow http mitm.test $P"
$C --proxy "http://127.0.0.1:$BC" -p -i "http://mitm.test:$P/m2" > /dev/null
like "mitmProxy: CONNECT for its domain went to the mitm socket" "$(cat "$D/m.events" 2>/dev/null)" "allow connect mitm.test $P"
$C --proxy "http://127.0.0.1:$BC" -i "http://parent.test:$P/p1" > /dev/null
like "parentProxy: other domains go to the parent" "$(cat "$D/m.events" 2>/dev/null)" "deny http parent.test $P"
out=$($C --proxy "http://127.0.0.1:$BC" -i "http://127.0.0.1:$P/noproxy")
like "parentProxy: noProxy host dialled directly" "$out" 'hello from upstream /noproxy'
# parentProxy is fixed at start-up: a live update without it changes nothing there.
printf '%s\n' "{\"network\":{\"allowedDomains\":[\"mitm.test\",\"parent.test\",\"127.0.0.1\"],\"deniedDomains\":[]},$S}" > "$D/c.json"
kill -USR1 "$PID_c"
for _ in $(seq 50); do grep -q reloaded "$D/c.out" && break; sleep 0.05; done
$C --proxy "http://127.0.0.1:$BC" -i "http://parent.test:$P/p2" > /dev/null
is "parentProxy: still used after a live update without it" "$(grep -c 'deny http parent.test' "$D/m.events")" 2

# --- 1,000 concurrent tunnels, no descriptor leak ---
nfd() { ls /proc/"$1"/fd | wc -l; }
before=$(nfd "$PID_a")
out=$("$B/proxy-load" "$D/a-http.sock" 127.0.0.1 "$P" 1000 300 2>&1)
is "1000 concurrent tunnels all echo" "$out" "ok=1000 fail=0 max_open=1000"
for _ in $(seq 50); do [ "$(nfd "$PID_a")" -le "$before" ] && break; sleep 0.1; done
is "no descriptor leak after 1000 tunnels" "$(nfd "$PID_a")" "$before"

# A tunnel still open when the proxy is freed: proxy_free closes it.
n0=$(wc -l < "$D/a.events")
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\n" % sys.argv[2].encode())
time.sleep(30)' "$D/a-http.sock" "$P" & HOLD=$!; PIDS="$PIDS $HOLD"
for _ in $(seq 50); do [ "$(wc -l < "$D/a.events")" -gt "$n0" ] && break; sleep 0.05; done
sleep 0.2 # the dial finishes
kill "$PID_a"; wait "$PID_a" 2>/dev/null
like "proxy_free closes open tunnels" "$(cat "$D/a.out")" 'relays=0'
kill "$HOLD" 2>/dev/null
check "socket files removed on exit" "[ ! -e '$D/a-http.sock' ] && [ ! -e '$D/a-socks.sock' ]"
done_testing
