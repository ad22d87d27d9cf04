#!/bin/sh
# Benchmark: filesystem plan building + ripgrep discovery of the mandatory
# denies on a generated tree of N files (default 100000), as srt does at
# start-up.  Prints the median wall time of R runs (default 5).
#   bench/fs-plan.sh [BUILDDIR] [N] [R]
# Needs the fs-run test driver: make -C BUILDDIR tests/fs-run
set -eu
B=${1:-.}
N=${2:-100000}
R=${3:-5}
RUN=$B/tests/fs-run
[ -x "$RUN" ] || { echo "build $RUN first (make tests/fs-run)" >&2; exit 1; }
T=$(mktemp -d /tmp/srt-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/home" "$T/proj"
# 100 top dirs x 10 subdirs x N/1000 files; a few dangerous files inside.
python3 - "$T/proj" "$N" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
per = max(1, n // 1000)
c = 0
for a in range(100):
    for b in range(10):
        d = os.path.join(root, "d%02d" % a, "s%d" % b)
        os.makedirs(d, exist_ok=True)
        for f in range(per):
            open(os.path.join(d, "f%d.txt" % f), "w").close()
            c += 1
    os.makedirs(os.path.join(root, "d%02d" % a, ".vscode"), exist_ok=True)
    open(os.path.join(root, "d%02d" % a, ".vscode", "settings.json"), "w").close()
    open(os.path.join(root, "d%02d" % a, ".bashrc"), "w").close()
print("# generated %d files" % c)
PY
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s"],"denyWrite":[],"denyRead":["%s/**/*.pem"]}}\n' "$T/proj" "$T/proj" > "$T/s.json"
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":{"allowWrite":["%s"],"denyWrite":[],"denyRead":[]}}\n' "$T/proj" > "$T/s0.json"
cd "$T/proj"
bench() { # label settings
	times=""
	for i in $(seq "$R"); do
		s=$(date +%s%N)
		HOME=$T/home "$RUN" --dry-run "$2" -- true > "$T/argv.txt"
		e=$(date +%s%N)
		times="$times $(( (e - s) / 1000000 ))"
	done
	words=$(wc -l < "$T/argv.txt")
	med=$(printf '%s\n' $times | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	echo "fs-plan ($1): $N files, $words bwrap words, runs(ms):$times, median ${med} ms"
}
bench "ripgrep discovery" "$T/s0.json"
bench "ripgrep + denyRead glob **/*.pem" "$T/s.json"
