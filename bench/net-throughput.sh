#!/bin/sh
# Throughput: a 256 MiB download from a loopback server, direct vs through
# srt's HTTP proxy (proxy-driver behind a socat bridge, as inside the
# sandbox) vs inside bwrap through the full network plan (netplan-run).
# Also 1,000 concurrent tunnels: success count, fds before/after, peak RSS.
# Usage: bench/net-throughput.sh BUILDDIR   (after make check-programs)
set -eu
B=${1:?builddir}/tests
SIZE=${SIZE:-268435456}
D=$(mktemp -d /tmp/srt-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$D"' EXIT
"$B/net-upstream" 0 > "$D/port" & PIDS="$PIDS $!"
sleep 0.2; P=$(cat "$D/port")
S='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
printf '%s\n' "{\"network\":{\"allowedDomains\":[\"127.0.0.1\"],\"deniedDomains\":[]},$S}" > "$D/s.json"
"$B/proxy-driver" "$D/s.json" "$D/h.sock" "$D/k.sock" > "$D/drv.out" & DRV=$!; PIDS="$PIDS $DRV"
sleep 0.2
BP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat TCP-LISTEN:$BP,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$D/h.sock" & PIDS="$PIDS $!"
sleep 0.2
speed() { curl -s -o /dev/null -w '%{speed_download}' "$@"; }
best() { b=0; for _ in 1 2 3; do v=$(speed "$@"); b=$(python3 -c "print(max($b,$v))"); done; echo "$b"; }
direct=$(best --noproxy '*' "http://127.0.0.1:$P/bytes/$SIZE")
viaproxy=$(best --proxy "http://127.0.0.1:$BP" "http://127.0.0.1:$P/bytes/$SIZE")
viaconnect=$(best --proxy "http://127.0.0.1:$BP" -p "http://127.0.0.1:$P/bytes/$SIZE")
insandbox=$(for _ in 1 2 3; do "$B/netplan-run" "$D/s.json" /dev/null curl -s --noproxy '' -o /dev/null -w '%{speed_download}\n' "http://127.0.0.1:$P/bytes/$SIZE"; done | sort -g | tail -1)
python3 - "$direct" "$viaproxy" "$viaconnect" "$insandbox" <<'PY'
import sys
d, p, c, s = map(float, sys.argv[1:])
m = lambda v: v / 1048576
print(f"256 MiB download, best of 3:")
print(f"  direct             {m(d):8.0f} MiB/s")
print(f"  HTTP proxy (plain) {m(p):8.0f} MiB/s  {100*p/d:5.1f}% of direct")
print(f"  HTTP CONNECT       {m(c):8.0f} MiB/s  {100*c/d:5.1f}% of direct")
print(f"  inside bwrap       {m(s):8.0f} MiB/s  {100*s/d:5.1f}% of direct (netplan-run: socat bridge + proxy)")
PY
before=$(ls /proc/$DRV/fd | wc -l)
"$B/proxy-load" "$D/h.sock" 127.0.0.1 "$P" 1000 500 > "$D/load.out" & L=$!
sleep 0.3; during=$(ls /proc/$DRV/fd | wc -l)
wait $L || true
sleep 0.5
after=$(ls /proc/$DRV/fd | wc -l)
echo "1000 concurrent tunnels: $(cat "$D/load.out"); proxy fds before=$before during=$during after=$after; proxy peak RSS $(grep VmHWM /proc/$DRV/status | awk '{print $2" "$3}')"
