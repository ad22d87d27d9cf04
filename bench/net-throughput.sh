#!/bin/sh
# Throughput of a 256 MiB download from a loopback server:
#   direct on the host;
#   inside the sandbox through `$SRT` (real bwrap, the helper's listener,
#   srt's HTTP proxy accepting on it), plain HTTP and CONNECT;
#   the original srt 0.0.83 the same way, when present;
#   srt's proxy alone on the host (proxy-driver behind a socat bridge);
#   one bare relay process on the host (socat TCP -> TCP, copying through
#   user space): what a plain relay between two loopback TCP connections
#   gets on this machine, for comparison.
# Best of $RUNS rounds each (default 5), and the median over the rounds of
# each case's share of the same round's direct download (the machine's
# speed drifts between rounds; the share drifts less).
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
# (set -e holds in the trap too: a process already gone must not stop the rm)
trap 'for p in $PIDS; do kill $p 2>/dev/null || true; done; rm -rf "$D"' EXIT
"$B/net-upstream" 0 > "$D/port" & PIDS="$PIDS $!"
while [ ! -s "$D/port" ]; do sleep 0.05; done
P=$(cat "$D/port")
URL="http://127.0.0.1:$P/bytes/$SIZE"
printf '%s\n' '{"network":{"allowedDomains":["127.0.0.1"],"deniedDomains":[]},
 "filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' > "$D/s.json"

# Every case runs once per round, in turn; each round's figures go on one
# line of $D/rounds: direct, ours, ours_c, orig, orig_c, host_p, host_c, hop.
CURL="curl -s -o /dev/null -w '%{speed_download}\\n'"
one() { "$@" 2>/dev/null || echo 0; }

# srt's proxy alone, on the host, behind one socat hop (as the bridge), and
# a bare relay from a TCP port straight to the server.
"$B/proxy-driver" "$D/s.json" "$D/h.sock" "$D/k.sock" > "$D/drv.out" & PIDS="$PIDS $!"
while [ ! -S "$D/h.sock" ]; do sleep 0.05; done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BP=$(free_port)
socat -b 262144 TCP-LISTEN:$BP,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$D/h.sock" & PIDS="$PIDS $!"
HP=$(free_port)
socat -b 1048576 TCP-LISTEN:$HP,bind=127.0.0.1,fork,reuseaddr TCP:127.0.0.1:$P & PIDS="$PIDS $!"
while ! curl -s -o /dev/null --proxy "http://127.0.0.1:$BP" "http://127.0.0.1:$P/x"; do sleep 0.05; done
while ! curl -s -o /dev/null "http://127.0.0.1:$HP/x"; do sleep 0.05; done

: > "$D/rounds"
for _ in $(seq "$RUNS"); do
	direct=$(one sh -c "$CURL --noproxy '*' $URL")
	# Inside the sandbox NO_PROXY lists 127.0.0.1: --noproxy '' sends it through the proxy.
	ours=$(one "$SRT" -s "$D/s.json" -c "$CURL --noproxy '' $URL")
	ours_c=$(one "$SRT" -s "$D/s.json" -c "$CURL --noproxy '' -p $URL")
	orig=0 orig_c=0
	if [ -n "$SRT_ORIGINAL" ]; then
		orig=$(one node "$SRT_ORIGINAL" -s "$D/s.json" -c "$CURL --noproxy '' $URL")
		orig_c=$(one node "$SRT_ORIGINAL" -s "$D/s.json" -c "$CURL --noproxy '' -p $URL")
	fi
	host_p=$(one sh -c "$CURL --proxy http://127.0.0.1:$BP $URL")
	host_c=$(one sh -c "$CURL --proxy http://127.0.0.1:$BP -p $URL")
	hop=$(one sh -c "$CURL http://127.0.0.1:$HP/bytes/$SIZE")
	echo "$direct $ours $ours_c $orig $orig_c $host_p $host_c $hop" >> "$D/rounds"
done

python3 - "$SIZE" "$RUNS" "$D/rounds" <<'PY'
import statistics, sys
size, runs = int(sys.argv[1]), int(sys.argv[2])
rounds = [list(map(float, l.split())) for l in open(sys.argv[3])]
names = ["direct", "ours", "ours_c", "orig", "orig_c", "host_p", "host_c", "hop"]
best = {n: max(r[i] for r in rounds) for i, n in enumerate(names)}
share = {n: statistics.median(100 * r[i] / r[0] for r in rounds if r[0]) for i, n in enumerate(names)}
m = lambda v: v / 1048576
d = best["direct"]
def line(label, n, extra=""):
    v = best[n]
    print(f"  {label:<32} {m(v):6.0f} MiB/s  {100 * v / d if d else 0:5.1f}% of best direct,"
          f" median share {share[n]:5.1f}%{extra}")
x = lambda a, b: f"  {best[a] / best[b]:4.2f}x original" if best[b] else ""
print(f"{size >> 20} MiB download through the HTTP proxy, {runs} rounds (best, and the median of each round's share of direct):")
print(f"  {'direct on the host':<32} {m(d):6.0f} MiB/s")
line("srt, in sandbox (plain)", "ours", x("ours", "orig"))
line("srt, in sandbox (CONNECT)", "ours_c", x("ours_c", "orig_c"))
if best["orig"]:
    line("original, in sandbox (plain)", "orig")
    line("original, in sandbox (CONNECT)", "orig_c")
line("srt proxy on host (plain)", "host_p", "  (proxy-driver + socat -b 256K)")
line("srt proxy on host (CONNECT)", "host_c")
line("one bare relay (socat TCP->TCP)", "hop", "  (a plain copying relay)")
PY
