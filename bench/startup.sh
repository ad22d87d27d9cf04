#!/bin/sh
# Startup cost of `srt true` with the network on (proxies, bridges, helper),
# median of N runs, and srt's own peak RSS.  When the original srt is
# unpacked (npm pack @anthropic-ai/sandbox-runtime; SRT_ORIGINAL is its
# dist/cli.js, default /opt/srt-original/package/dist/cli.js), it is measured
# in the same run, interleaved with srt, and the speed-up is printed.
#   bench/startup.sh [N]          (default 50)
set -eu
N=${1:-50}
top=$(cd "$(dirname "$0")/.." && pwd)
SRT=${SRT:-$top/src/srt}
SRT_ORIGINAL=${SRT_ORIGINAL:-/opt/srt-original/package/dist/cli.js}
work=$(mktemp -d /tmp/srt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > settings.json <<'JSON'
{"network":{"allowedDomains":["example.com"],"deniedDomains":[]},
 "filesystem":{"denyRead":["~/.ssh"],"allowWrite":["."],"denyWrite":[]}}
JSON

# Runs the labelled commands round-robin (so load from elsewhere hits both
# alike) and prints median, p10, p90 per command, then the ratio of medians.
measure() { # N label cmd -- label cmd ...
	python3 - "$@" <<'PY'
import subprocess, sys, time, statistics
n = int(sys.argv[1]); args = sys.argv[2:]
runs = []
while args:
    label = args[0]
    cmd = args[1:args.index("--")] if "--" in args else args[1:]
    args = args[len(cmd) + 2:]
    runs.append((label, cmd, []))
for label, cmd, _ in runs:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm caches
for _ in range(n):
    for label, cmd, times in runs:
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            sys.exit(f"{label}: exit {r.returncode}")
med = []
for label, cmd, times in runs:
    times.sort()
    med.append(statistics.median(times))
    print(f"{label}: median {med[-1]:.1f} ms  p10 {times[len(times)//10]:.1f}  p90 {times[len(times)*9//10]:.1f}  (n={n})")
if len(med) == 2:
    print(f"speed-up (median): {med[1] / med[0]:.1f}x")
PY
}

echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -f "$SRT_ORIGINAL" ] && command -v node >/dev/null; then
	measure "$N" "srt true (network on)" "$SRT" -s settings.json true -- \
		"original srt 0.0.83 true" node "$SRT_ORIGINAL" -s settings.json true
else
	echo "(original srt not found at $SRT_ORIGINAL: measuring srt only)"
	measure "$N" "srt true (network on)" "$SRT" -s settings.json true
fi
rss=$("$SRT" -d -s settings.json true 2>&1 | sed -n 's/.*srt peak RSS \([0-9]*\) KiB.*/\1/p')
echo "srt own peak RSS: ${rss:-?} KiB"
if [ -f "$SRT_ORIGINAL" ] && command -v node >/dev/null; then
	/usr/bin/env time -f "original peak RSS: %M KiB" node "$SRT_ORIGINAL" -s settings.json true 2>&1 >/dev/null | tail -1 || true
fi
