#!/bin/sh
# The relay on large transfers and half-close: 64 MiB of random bytes
# through plain HTTP (response body relay), CONNECT and SOCKS5 must arrive
# intact (the relay copies the first MiB and splices the rest), uploads
# too; each side's EOF is passed on while the other direction keeps going;
# no descriptor is left behind; the proxy runs as SCHED_BATCH only while
# relays splice bulk data, and never changes a policy it was started under.
# Proxy: tests/proxy-driver on Unix sockets,
# the HTTP one behind a socat bridge as inside the sandbox.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools curl socat python3 sha256sum chrt

B=${SRT_TEST_BUILDDIR:?}
D=$TESTDIR
PEER="python3 $SRT_TEST_SRCDIR/relay-peer.py"
PIDS=""
stop_all() { for p in $PIDS; do kill "$p" 2>/dev/null; kill -CONT "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_testdir; }
trap stop_all EXIT

head -c 67108864 /dev/urandom > "$D/data"
SUM=$(sha256sum < "$D/data" | cut -d' ' -f1)
mkdir "$D/res"
$PEER server "$D/port" "$D/data" "$D/res" & PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$D/port" ] && break; sleep 0.05; done
P=$(cat "$D/port")

printf '%s\n' '{"network":{"allowedDomains":["127.0.0.1"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' > "$D/s.json"
# Under SCHED_OTHER, for the policy checks below (chrt fails, and so does
# the first of them, if the harness runs where it may not switch to it).
chrt -o 0 "$B/proxy-driver" "$D/s.json" "$D/h.sock" "$D/k.sock" > "$D/drv.out" 2> "$D/drv.err" & DRV=$!
PIDS="$PIDS $DRV"
for _ in $(seq 100); do grep -q ready "$D/drv.out" 2>/dev/null && break; sleep 0.02; done
BP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat -b 262144 TCP-LISTEN:"$BP",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$D/h.sock" >/dev/null 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do curl -s -o /dev/null --proxy "http://127.0.0.1:$BP" "http://127.0.0.1:$P/" && break; sleep 0.05; done
fds_before=$(ls /proc/$DRV/fd | wc -l)

C="curl -s --max-time 60"
sum() { sha256sum < "$1" | cut -d' ' -f1; }

# --- downloads ---
$C -o "$D/plain" --proxy "http://127.0.0.1:$BP" "http://127.0.0.1:$P/data"
is "plain HTTP: 64 MiB response body intact" "$(sum "$D/plain")" "$SUM"
$C -o "$D/connect" -p --proxy "http://127.0.0.1:$BP" "http://127.0.0.1:$P/data"
is "CONNECT: 64 MiB download intact" "$(sum "$D/connect")" "$SUM"
$C -o "$D/socks" --proxy "socks5h://localhost$D/k.sock" "http://127.0.0.1:$P/data"
is "SOCKS5: 64 MiB download intact" "$(sum "$D/socks")" "$SUM"

# Keep-alive after a relayed body: the second request reuses the connection.
out=$($C -w '%{num_connects} ' -o "$D/ka1" -o "$D/ka2" --proxy "http://127.0.0.1:$BP" \
	"http://127.0.0.1:$P/ka1" "http://127.0.0.1:$P/ka2")
is "keep-alive: second large response on the same connection" "$out" "1 0 "
is "keep-alive: first body intact" "$(sum "$D/ka1")" "$SUM"
is "keep-alive: second body intact" "$(sum "$D/ka2")" "$SUM"

# A request body (POST, Content-Length) and then a response on the same connection.
head -c 8388608 /dev/urandom > "$D/up"
out=$($C --data-binary @"$D/up" -H 'Content-Type: application/octet-stream' --proxy "http://127.0.0.1:$BP" \
	"http://127.0.0.1:$P/post" "http://127.0.0.1:$P/after-post" -o /dev/null)
is "POST: 8 MiB request body intact" "$out" "$(sum "$D/up")"

# --- uploads and half-close ---
for kind in http socks; do
	sock=$D/h.sock; [ $kind = socks ] && sock=$D/k.sock
	out=$($PEER sink $kind "$sock" "$P" 16777216)
	sent=$(printf '%s\n' "$out" | sed -n 1p)
	got=$(printf '%s\n' "$out" | sed -n 2p)
	is "$kind: 16 MiB upload arrives intact after the client's EOF" "$got" "$sent"
	rm -f "$D/res/first"
	out=$($PEER first $kind "$sock" "$P")
	is "$kind: upstream's EOF reaches the client" "$out" "bye"
	for _ in $(seq 100); do [ -e "$D/res/first" ] && break; sleep 0.05; done
	is "$kind: client still sends after upstream's EOF" "$(cat "$D/res/first" 2>/dev/null)" "after"
done

# --- the proxy's scheduling policy: SCHED_BATCH only while bulk data moves ---
# A 16 MiB/s threshold: the slow transfers come from net-upstream's endless
# zeros at 64 MiB/s (curl --limit-rate), stopped once checked.
"$B/net-upstream" 0 > "$D/zport" & PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$D/zport" ] && break; sleep 0.05; done
ZEROS="http://127.0.0.1:$(cat "$D/zport")/bytes/68719476736"
policy() { chrt -p "$1" | sed -n 's/.*policy: //p'; }
wait_policy() { # pid policy: up to 10 s
	for _ in $(seq 200); do [ "$(policy "$1")" = "$2" ] && break; sleep 0.05; done
	policy "$1"
}
is "policy: SCHED_OTHER after the transfers above" "$(wait_policy $DRV SCHED_OTHER)" "SCHED_OTHER"
$C -o /dev/null --limit-rate 64M -p --proxy "http://127.0.0.1:$BP" "$ZEROS" & SLOW=$!; PIDS="$PIDS $SLOW"
is "policy: a bulk relay runs the proxy as SCHED_BATCH" "$(wait_policy $DRV SCHED_BATCH)" "SCHED_BATCH"
kill -STOP $SLOW
is "policy: SCHED_OTHER again while the tunnel stays open but idle" "$(wait_policy $DRV SCHED_OTHER)" "SCHED_OTHER"
kill -CONT $SLOW
is "policy: SCHED_BATCH again when the bulk data moves again" "$(wait_policy $DRV SCHED_BATCH)" "SCHED_BATCH"
kill $SLOW; wait $SLOW 2>/dev/null
is "policy: back to SCHED_OTHER when the bulk relay ends" "$(wait_policy $DRV SCHED_OTHER)" "SCHED_OTHER"
# A policy the user chose is left alone, during the relay and after it:
# SCHED_OTHER with the reset-on-fork flag, which srt would otherwise replace.
chrt -o -R 0 "$B/proxy-driver" "$D/s.json" "$D/h2.sock" "$D/k2.sock" > "$D/drv2.out" 2>&1 & DRV2=$!
PIDS="$PIDS $DRV2"
for _ in $(seq 100); do grep -q ready "$D/drv2.out" 2>/dev/null && break; sleep 0.02; done
is "policy: the second proxy runs as SCHED_OTHER|SCHED_RESET_ON_FORK" "$(policy $DRV2)" "SCHED_OTHER|SCHED_RESET_ON_FORK"
pipes() { ls -l /proc/$DRV2/fd | grep -c 'pipe:'; }
pipes0=$(pipes) # inherited ones
$C -o /dev/null --limit-rate 64M --proxy "socks5h://localhost$D/k2.sock" "$ZEROS" & SLOW=$!; PIDS="$PIDS $SLOW"
for _ in $(seq 100); do [ "$(pipes)" -gt "$pipes0" ] && break; sleep 0.05; done
is "policy: the second proxy's relay splices (its pipe is open)" "$(pipes)" "$((pipes0 + 2))"
sleep 0.6 # more than two of the policy's ticks at 64 MiB/s
is "policy: ... and it stays SCHED_OTHER|SCHED_RESET_ON_FORK during the relay" "$(policy $DRV2)" "SCHED_OTHER|SCHED_RESET_ON_FORK"
kill $SLOW; wait $SLOW 2>/dev/null

# --- nothing left behind ---
sleep 0.5
is "no descriptor left in the proxy" "$(ls /proc/$DRV/fd | wc -l)" "$fds_before"
ok "proxy still running" kill -0 "$DRV"
done_testing
