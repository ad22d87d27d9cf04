#!/bin/sh
# srt with signed receipts on vs off, through the real sandbox and proxy:
#   bulk:     a $SIZE-byte download from a loopback server (bytes/s);
#   requests: $REQS small HTTP requests in one curl (requests/s), each one a
#             proxy decision and so a network receipt.
# Best of $RUNS runs each; prints the on/off ratios (target >= 0.90).
#   bench/receipts-throughput.sh BUILDDIR   (after `make check` built the helpers)
set -eu
BD=$(cd "${1:?builddir}" && pwd)
SRT=${SRT:-$BD/src/srt}
SIZE=${SIZE:-268435456}
REQS=${REQS:-500}
RUNS=${RUNS:-3}
D=$(mktemp -d /tmp/srt-bench-receipts.XXXXXX)
PIDS=""
# (set -e holds in the trap too: a process already gone must not stop the rm)
trap 'for p in $PIDS; do kill $p 2>/dev/null || true; done; rm -rf "$D"' EXIT
"$BD/tests/net-upstream" 0 > "$D/port" & PIDS="$PIDS $!"
while [ ! -s "$D/port" ]; do sleep 0.05; done
P=$(cat "$D/port")
printf '%s\n' '{"network":{"allowedDomains":["127.0.0.1"],"deniedDomains":[]},
 "filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}}' > "$D/s.json"
"$SRT" keygen "$D/key" >/dev/null
URLS=$(seq "$REQS" | sed "s|.*|http://127.0.0.1:$P/r&|" | tr '\n' ' ')

best() { # CMD... -> highest number printed over RUNS runs
	for _ in $(seq "$RUNS"); do "$@" || echo 0; done | sort -g | tail -1
}
bulk() { # SRT-OPTIONS... -> bytes/s
	"$SRT" "$@" -s "$D/s.json" -c "curl -s -o /dev/null -w '%{speed_download}\n' --noproxy '' http://127.0.0.1:$P/bytes/$SIZE"
}
reqs() { # SRT-OPTIONS... -> requests/s
	t0=$(date +%s.%N)
	"$SRT" "$@" -s "$D/s.json" -c "curl -s -o /dev/null --noproxy '' $URLS" >/dev/null
	t1=$(date +%s.%N)
	python3 -c "import sys; print($REQS / ($t1 - $t0))"
}
ON="--receipts $D/receipts --receipt-key $D/key"
bulk_off=$(best bulk)
bulk_on=$(best bulk $ON)
req_off=$(best reqs)
req_on=$(best reqs $ON)
"$SRT" verify "$D/receipts" --pubkey "$D/key.pub"
python3 - "$bulk_off" "$bulk_on" "$req_off" "$req_on" "$REQS" <<'PY'
import sys
bo, bn, ro, rn = map(float, sys.argv[1:5])
print(f"bulk:     off {bo / 1048576:8.1f} MiB/s   on {bn / 1048576:8.1f} MiB/s   ratio {bn / bo:.3f}")
print(f"requests: off {ro:8.1f} req/s     on {rn:8.1f} req/s     ratio {rn / ro:.3f}  ({sys.argv[5]} per run)")
PY
