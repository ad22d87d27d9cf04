#!/bin/sh
# Startup cost of `srt true` with the network on (proxies, bridges, helper),
# median of N runs, and srt's own peak RSS.  When the original srt is
# unpacked (npm pack @anthropic-ai/sandbox-runtime; set SRT_ORIGINAL to its
# dist/cli.js), it is measured in the same run for comparison.
#   bench/startup.sh [N]          (default 50)
set -eu
N=${1:-50}
top=$(cd "$(dirname "$0")/.." && pwd)
SRT=${SRT:-$top/src/srt}
work=$(mktemp -d /tmp/srt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > settings.json <<'JSON'
{"network":{"allowedDomains":["example.com"],"deniedDomains":[]},
 "filesystem":{"denyRead":["~/.ssh"],"allowWrite":["."],"denyWrite":[]}}
JSON

measure() { # label cmd...
	python3 - "$N" "$@" <<'PY'
import subprocess, sys, time, statistics
n = int(sys.argv[1]); label = sys.argv[2]; cmd = sys.argv[3:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm caches
times = []
for _ in range(n):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
    if r.returncode != 0:
        sys.exit(f"{label}: exit {r.returncode}")
times.sort()
print(f"{label}: median {statistics.median(times):.1f} ms  p10 {times[len(times)//10]:.1f}  p90 {times[len(times)*9//10]:.1f}  (n={n})")
PY
}

echo "machine: $(nproc) cores, $(uname -r)"
measure "srt true (network on)" "$SRT" -s settings.json true
rss=$("$SRT" -d -s settings.json true 2>&1 | sed -n 's/.*srt peak RSS \([0-9]*\) KiB.*/\1/p')
echo "srt own peak RSS: ${rss:-?} KiB"
if [ -n "${SRT_ORIGINAL:-}" ] && [ -f "$SRT_ORIGINAL" ]; then
	measure "original srt true" node "$SRT_ORIGINAL" -s settings.json true
	/usr/bin/env time -f "original peak RSS: %M KiB" node "$SRT_ORIGINAL" -s settings.json true 2>&1 >/dev/null | tail -1 || true
fi
