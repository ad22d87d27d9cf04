#!/bin/sh
# Throughput of a 256 MiB download from a loopback server:
#   direct on the host;
#   inside the sandbox through `$SRT` (real bwrap, socat bridge, helper,
#   srt's HTTP proxy), plain HTTP and CONNECT;
#   the original srt 0.0.83 the same way, when present;
#   srt's proxy alone on the host (proxy-driver behind a socat bridge).
# Best of $RUNS rounds each (default 5).
#   bench/net-throughput.sh BUILDDIR   (after `make check` built the helpers)
# SRT (default BUILDDIR/src/srt); SRT_ORIGINAL (default
# /opt/srt-original/package/dist/cli.js when it exists; "" to skip).
set -eu
BD=$(cd "${1:?builddir}" && pwd)
B=$BD/tests
SRT=${SRT:-$BD/src/srt}
SRT_ORIGINAL=${SRT_ORIGINAL-/opt/srt-original/package/dist/cli.js}
[ -f "$SRT_ORIGINAL" ] || SRT_ORIGINAL=
SIZE=${SIZE:-268435456}
RUNS=${RUNS:-5}
D=$(mktemp -d /tmp/srt-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$D"' EXIT
"$B/net-upstream" 0 > "$D/port" & PIDS="$PIDS $!"
while [ ! -s "$D/port" ]; do sleep 0.05; done
P=$(cat "$D/port")
URL="http://127.0.0.1:$P/bytes/$SIZE"
printf '%s\n' '{"network":{"allowedDomains":["127.0.0.1"],"deniedDomains":[]},
 "filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' > "$D/s.json"

# The machine's speed drifts between runs (other load, a VM's neighbours):
# the cases take turns in each round, and each keeps its best round.
CURL="curl -s -o /dev/null -w '%{speed_download}\\n'"
one() { "$@" 2>/dev/null || echo 0; }
direct=0 ours=0 ours_c=0 orig=0 orig_c=0
max() { python3 -c "print(max($1, $2))"; }
for _ in $(seq "$RUNS"); do
	direct=$(max "$direct" "$(one sh -c "$CURL --noproxy '*' $URL")")
	# Inside the sandbox NO_PROXY lists 127.0.0.1: --noproxy '' sends it through the proxy.
	ours=$(max "$ours" "$(one "$SRT" -s "$D/s.json" -c "$CURL --noproxy '' $URL")")
	ours_c=$(max "$ours_c" "$(one "$SRT" -s "$D/s.json" -c "$CURL --noproxy '' -p $URL")")
	if [ -n "$SRT_ORIGINAL" ]; then
		orig=$(max "$orig" "$(one node "$SRT_ORIGINAL" -s "$D/s.json" -c "$CURL --noproxy '' $URL")")
		orig_c=$(max "$orig_c" "$(one node "$SRT_ORIGINAL" -s "$D/s.json" -c "$CURL --noproxy '' -p $URL")")
	fi
done

# srt's proxy alone, on the host, behind one socat hop (as the bridge).
"$B/proxy-driver" "$D/s.json" "$D/h.sock" "$D/k.sock" > "$D/drv.out" & PIDS="$PIDS $!"
while [ ! -S "$D/h.sock" ]; do sleep 0.05; done
BP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat -b 262144 TCP-LISTEN:$BP,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$D/h.sock" & PIDS="$PIDS $!"
while ! curl -s -o /dev/null --proxy "http://127.0.0.1:$BP" "http://127.0.0.1:$P/x"; do sleep 0.05; done
host_p=0 host_c=0
for _ in $(seq "$RUNS"); do
	host_p=$(max "$host_p" "$(one sh -c "$CURL --proxy http://127.0.0.1:$BP $URL")")
	host_c=$(max "$host_c" "$(one sh -c "$CURL --proxy http://127.0.0.1:$BP -p $URL")")
done

python3 - "$SIZE" "$RUNS" "$direct" "$ours" "$ours_c" "$orig" "$orig_c" "$host_p" "$host_c" <<'PY'
import sys
size, runs = int(sys.argv[1]), int(sys.argv[2])
d, o, oc, g, gc, hp, hc = map(float, sys.argv[3:])
m = lambda v: v / 1048576
pct = lambda v: f"{100 * v / d:5.1f}% of direct" if d else ""
x = lambda a, b: f"{a / b:5.2f}x original" if b else "original not run"
print(f"{size >> 20} MiB download through the HTTP proxy, best of {runs}:")
print(f"  direct on the host          {m(d):8.0f} MiB/s")
print(f"  srt, in sandbox (plain)     {m(o):8.0f} MiB/s  {pct(o)}  {x(o, g)}")
print(f"  srt, in sandbox (CONNECT)   {m(oc):8.0f} MiB/s  {pct(oc)}  {x(oc, gc)}")
if g:
    print(f"  original, in sandbox (plain)   {m(g):5.0f} MiB/s  {pct(g)}")
    print(f"  original, in sandbox (CONNECT) {m(gc):5.0f} MiB/s  {pct(gc)}")
print(f"  srt proxy on host (plain)   {m(hp):8.0f} MiB/s  {pct(hp)}  (proxy-driver + socat -b 256K)")
print(f"  srt proxy on host (CONNECT) {m(hc):8.0f} MiB/s  {pct(hc)}")
PY
