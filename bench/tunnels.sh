#!/bin/sh
# 1,000 concurrent tunnels through srt, inside the sandbox (real bwrap,
# the helper's listener, srt's proxy): bench/tunnels.py opens N CONNECT tunnels through
# the in-sandbox HTTP proxy port to a loopback echo server and holds them.
# Prints how many worked, srt's descriptor count before / while held /
# after they closed, and srt's peak RSS; the same for the original srt
# when present (SRT_ORIGINAL, default /opt/srt-original/package/dist/cli.js).
#   bench/tunnels.sh BUILDDIR [N]
set -eu
BD=$(cd "${1:?builddir}" && pwd)
N=${2:-1000}
top=$(cd "$(dirname "$0")/.." && pwd)
SRT=${SRT:-$BD/src/srt}
SRT_ORIGINAL=${SRT_ORIGINAL-/opt/srt-original/package/dist/cli.js}
[ -f "$SRT_ORIGINAL" ] || SRT_ORIGINAL=
D=$(mktemp -d /tmp/srt-bench.XXXXXX)
chmod 755 "$D"
PIDS=""
# (set -e holds in the trap too: a process already gone must not stop the rm)
trap 'for p in $PIDS; do kill $p 2>/dev/null || true; done; rm -rf "$D"' EXIT
"$BD/tests/net-upstream" 0 > "$D/port" & PIDS="$PIDS $!"
while [ ! -s "$D/port" ]; do sleep 0.05; done
P=$(cat "$D/port")
cp "$top/bench/tunnels.py" "$D/"

wait_file() { # FILE
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1)); [ $i -lt 3000 ] || { echo "timed out waiting for $1" >&2; return 1; }
		sleep 0.02
	done
}
fds() { ls "/proc/$1/fd" | wc -l; }

run() { # LABEL CMD...  (CMD runs the sandbox; its pid hosts the proxies)
	label=$1; shift
	w=$D/$label; mkdir -p "$w"; chmod 777 "$w"
	printf '%s\n' "{\"network\":{\"allowedDomains\":[\"127.0.0.1\"],\"deniedDomains\":[]},
 \"filesystem\":{\"denyRead\":[],\"allowWrite\":[\"$w\"],\"denyWrite\":[]}}" > "$w/s.json"
	"$@" -s "$w/s.json" -c "python3 $D/tunnels.py $w 3128 $P $N" > "$w/out" 2>&1 &
	pid=$!; PIDS="$PIDS $pid"
	wait_file "$w/ready"
	before=$(fds $pid); touch "$w/go"
	wait_file "$w/held"
	during=$(fds $pid); result=$(cat "$w/held"); touch "$w/release"
	wait_file "$w/closed"
	sleep 1
	after=$(fds $pid)
	rss=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")
	touch "$w/exit"
	wait $pid || echo "$label: exit status $?"
	echo "$label: $N concurrent tunnels: $result; fds before=$before held=$during after=$after; peak RSS $rss"
}
echo "machine: $(nproc) cores, $(uname -r)"
run srt "$SRT"
[ -z "$SRT_ORIGINAL" ] || run original node "$SRT_ORIGINAL"
