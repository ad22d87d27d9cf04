# Shared setup of the network escape attempts (tests/escape/net-*.sh):
# a loopback HTTP upstream on 127.0.0.1 and ::1 (one port) that logs every
# connection and request to $UP_LOG, names mapped through
# SRT_TEST_HOSTS_FILE, and helpers.  Every attempt runs a real srt (bwrap,
# the helper's listeners, the proxies) and must fail with the specific refusal while
# the upstream log stays empty.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools bwrap socat python3 bash curl

D=$TESTDIR
PEER="python3 $SRT_TEST_SRCDIR/escape/net-peer.py"
PIDS=""
stop_all() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_testdir; }
trap stop_all EXIT
echo "# running as $(id -un)"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

UP_LOG=$D/upstream.log
: > "$UP_LOG"
chmod 666 "$UP_LOG"
$PEER upstream "$UP_LOG" > "$D/port" & PIDS="$PIDS $!"
wait_file "$D/port" || { echo "Bail out! upstream did not start"; exit 1; }
P=$(cat "$D/port")

# Names: ok.test is the one allowed name; the rest map to addresses the
# resolved-address guard must refuse.
cat > "$D/hosts" <<HOSTS
127.0.0.1 ok.test other.test loop.test
169.254.169.254 metadata.test
::1 loop6.test
0.0.0.0 zero.test
::ffff:127.0.0.1 mapped.test
HOSTS
chmod 644 "$D/hosts"
export SRT_TEST_HOSTS_FILE="$D/hosts"

S='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
settings() { # FILE ALLOW-JSON DENY-JSON [EXTRA]
	printf '%s\n' "{\"network\":{\"allowedDomains\":$2,\"deniedDomains\":$3${4:+,$4}},$S}" > "$D/$1"
}
run() { "$SRT" -s "$D/$1" -c "$2" 2>&1; }

# up_untouched NAME: the upstream saw no connection since the last reset.
up_untouched() {
	if [ -s "$UP_LOG" ]; then
		_report 1 "$1: upstream untouched"
		sed 's/^/#   upstream: /' "$UP_LOG"
	else
		_report 0 "$1: upstream untouched"
	fi
	: > "$UP_LOG"
}
up_reset() { : > "$UP_LOG"; }

# Positive control: the upstream answers on both addresses from the host.
is "host: upstream answers on 127.0.0.1" "$($PEER connect 127.0.0.1 "$P")" connected
is "host: upstream answers on ::1" "$($PEER connect ::1 "$P")" connected
# The upstream logs after its accept, which may come after our connect returned.
for _ in $(seq 100); do grep -q 'conn ::1' "$UP_LOG" && break; sleep 0.02; done
like "host: the upstream logged both" "$(cat "$UP_LOG")" 'conn ::1'
up_reset
