#!/bin/sh
# Violation events end to end with the real srt: every refused connection
# (HTTP, CONNECT, SOCKS5; allow list and deny list) is one event with time,
# host, port, protocol, reason and rule; -d shows it on stderr,
# --violations FILE appends it as a JSON line; ignoreViolations ("*" and
# command-substring keys, patterns matched against "deny network-outbound
# host:port (reason)") filters both, also when replaced over --control-fd;
# the command's stdout stays byte-exact.  As root and as srtuser.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools curl python3 socat

B=${SRT_TEST_BUILDDIR:?}
D=$TESTDIR
UPID=""
stop_all() { [ -n "$UPID" ] && kill "$UPID" 2>/dev/null; wait 2>/dev/null; cleanup_testdir; }
trap stop_all EXIT

"$B/net-upstream" 0 "$D/hits" > "$D/port" & UPID=$!
for _ in $(seq 100); do [ -s "$D/port" ] && break; sleep 0.05; done
P=$(cat "$D/port")
FS='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
NET="\"allowedDomains\":[\"127.0.0.1:$P\",\"evil.test\"],\"deniedDomains\":[\"evil.test\"],\"deniedDomainReasons\":{\"evil.test\":\"evil is denied\"}"
settings() { # FILE [IGNORE_JSON]
	if [ -n "${2:-}" ]; then
		write_settings "$1" "{\"network\":{$NET},$FS,\"ignoreViolations\":$2}"
	else
		write_settings "$1" "{\"network\":{$NET},$FS}"
	fi
	chmod 644 "$1"
}
settings "$D/plain.json"

# The command: known stdout bytes (no trailing newline, a NUL, high bytes)
# around four refused connections and one allowed one, all curl output
# thrown away.
CURL="curl -s -o /dev/null --max-time 10 --noproxy ''"
CMD="printf 'start\\000\\377\\n'; \
$CURL http://127.0.0.1:$P/allowed; \
$CURL http://blocked.test:$P/b1; \
$CURL -p http://tunnel.test:$P/t1; \
$CURL -x socks5h://localhost:1080 http://socks.test:$P/s1; \
$CURL http://evil.test:$P/e1; \
printf 'end'"
printf 'start\000\377\nend' > "$D/expected.out"

# check_events TAG FILE WANT_HOSTS: each line a complete event; hosts in order.
check_events() {
	res=$(python3 - "$2" "$P" "$3" <<'EOF'
import json, sys, datetime
path, port, want = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
problems = []
events = []
try:
    raw = open(path, "rb").read()
except OSError as e:
    print("unreadable " + str(e)); sys.exit()
if raw and not raw.endswith(b"\n"):
    problems.append("no final newline")
for n, line in enumerate(raw.decode().splitlines(), 1):
    try:
        ev = json.loads(line)
    except ValueError:
        problems.append("line %d not JSON" % n); continue
    events.append(ev)
    for k, t in (("time", str), ("host", str), ("port", int), ("protocol", str), ("reason", str),
                 ("line", str), ("command", str)):
        if not isinstance(ev.get(k), t):
            problems.append("line %d: %s missing or not %s" % (n, k, t.__name__))
    if "rule" not in ev or not (ev["rule"] is None or isinstance(ev["rule"], str)):
        problems.append("line %d: rule missing" % n)
    try:
        datetime.datetime.strptime(ev["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    except (ValueError, KeyError, TypeError):
        problems.append("line %d: time %r not ISO 8601 UTC" % (n, ev.get("time")))
    if ev.get("port") != port:
        problems.append("line %d: port %r" % (n, ev.get("port")))
    want_line = "deny network-outbound %s:%s (%s)" % (ev.get("host"), ev.get("port"), ev.get("reason"))
    if ev.get("line") != want_line:
        problems.append("line %d: line %r" % (n, ev.get("line")))
hosts = [ev.get("host") for ev in events]
if hosts != want:
    problems.append("hosts %s, want %s" % (hosts, want))
print("; ".join(problems) or "ok")
EOF
)
	is "$1: events are complete JSON lines for $3" "$res" ok
}
# field FILE N KEY: KEY of the Nth event.
field() {
	python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2])-1]).get(sys.argv[3]))' "$1" "$2" "$3"
}

ALL="blocked.test tunnel.test socks.test evil.test"
run_case() { # TAG DIR PREFIX...: DIR holds the --violations file
	tag=$1 vdir=$2; shift 2
	v="$vdir/$tag.jsonl"
	"$@" "$SRT" -d -s "$D/plain.json" --violations "$v" -c "$CMD" > "$D/$tag.out" 2> "$D/$tag.err"
	is "$tag: exit 0" "$?" 0
	ok "$tag: stdout is exactly the command's bytes" cmp "$D/expected.out" "$D/$tag.out"
	check_events "$tag" "$v" "$ALL"
	is "$tag: HTTP event protocol" "$(field "$v" 1 protocol)" http
	is "$tag: CONNECT event protocol" "$(field "$v" 2 protocol)" connect
	is "$tag: SOCKS5 event protocol" "$(field "$v" 3 protocol)" socks5
	is "$tag: allow-list refusal reason" "$(field "$v" 1 reason)" "host is not on the allow list"
	is "$tag: allow-list refusal has no rule" "$(field "$v" 1 rule)" None
	is "$tag: deny-list refusal reason" "$(field "$v" 4 reason)" "evil is denied"
	is "$tag: deny-list refusal names its rule" "$(field "$v" 4 rule)" evil.test
	is "$tag: event carries the command" "$(field "$v" 1 command)" "$CMD"
	err=$(cat "$D/$tag.err")
	for h in $ALL; do
		like "$tag: -d shows the $h event" "$err" "deny network-outbound $h:$P \\(.*\\) \\[protocol [a-z0-9]+, rule [^,]+, at 20[0-9-]+T"
	done
	unlike "$tag: the allowed connection is no violation" "$(cat "$v")" '"host":"127.0.0.1"'
	ok "$tag: upstream got the allowed request" grep -q ' /allowed ' "$D/hits"
}

run_case root "$D"
# Without -d: the file only; nothing about violations on stderr.
"$SRT" -s "$D/plain.json" --violations "$D/root.jsonl" -c "$CMD" > "$D/quiet.out" 2> "$D/quiet.err"
ok "quiet: stdout byte-exact" cmp "$D/expected.out" "$D/quiet.out"
is "quiet: stderr empty" "$(cat "$D/quiet.err")" ""
check_events "quiet: file appended" "$D/root.jsonl" "$ALL $ALL"
# -d alone: stderr lines, no file needed.
"$SRT" -d -s "$D/plain.json" -c "$CMD" > "$D/donly.out" 2> "$D/donly.err"
ok "-d only: stdout byte-exact" cmp "$D/expected.out" "$D/donly.out"
is "-d only: four violation lines" "$(grep -c 'deny network-outbound' "$D/donly.err")" 4

if [ "$(id -u)" = 0 ]; then
	id srtuser >/dev/null 2>&1 || useradd -m srtuser
	chmod 755 "$D"
	mkdir -m 777 "$D/u"
	run_case user "$D/u" runuser -u srtuser --
	is "user: the file belongs to srtuser" "$(stat -c %U "$D/u/user.jsonl")" srtuser
fi

# --- ignoreViolations ---
ignore_case() { # TAG IGNORE_JSON WANT_HOSTS
	settings "$D/$1.json" "$2"
	"$SRT" -d -s "$D/$1.json" --violations "$D/$1.jsonl" -c "$CMD" > "$D/$1.out" 2> "$D/$1.err"
	ok "$1: stdout byte-exact" cmp "$D/expected.out" "$D/$1.out"
	check_events "$1" "$D/$1.jsonl" "$3"
	got=$(grep 'deny network-outbound' "$D/$1.err" | sed 's/.*outbound \([^:]*\):.*/\1/' | tr '\n' ' ')
	is "$1: -d lines filtered the same way" "${got% }" "$3"
}
ignore_case ign-star '{"*":["blocked.test"]}' "tunnel.test socks.test evil.test"
ignore_case ign-cmd '{"curl":["socks.test:"]}' "blocked.test tunnel.test evil.test"
ignore_case ign-othercmd '{"no-such-command":["socks.test"]}' "$ALL"
ignore_case ign-reason '{"*":["(host is not on the allow list)"]}' "evil.test"
ignore_case ign-full '{"*":["deny network-outbound evil.test:'"$P"' (evil is denied)"]}' "blocked.test tunnel.test socks.test"
ignore_case ign-nomatch '{"*":["deny network-inbound"]}' "$ALL"
ignore_case ign-all '{"*":["deny network-outbound"]}' ""
check "ign-all: the file exists and is empty" '[ -f "$D/ign-all.jsonl" ] && [ ! -s "$D/ign-all.jsonl" ]'

# --- live ignoreViolations over --control-fd ---
# The command refuses blocked.test once, waits for a line on stdin (sent
# after srt reports the update), then tries blocked.test and tunnel.test.
mkfifo "$D/ctl"
exec 8<>"$D/ctl"
LIVE="{\"network\":{$NET},$FS,\"ignoreViolations\":{\"*\":[\"blocked.test\"]}}"
{
	for _ in $(seq 200); do grep -q "deny network-outbound blocked.test" "$D/live.err" 2>/dev/null && break; sleep 0.05; done
	printf '%s\n' "$LIVE" >&8
	for _ in $(seq 200); do grep -q "Config updated from control fd" "$D/live.err" 2>/dev/null && break; sleep 0.05; done
	echo go
} | "$SRT" -d -s "$D/plain.json" --control-fd 8 --violations "$D/live.jsonl" \
	-c "$CURL http://blocked.test:$P/l1; read x; $CURL http://blocked.test:$P/l2; $CURL http://tunnel.test:$P/l3" \
	> "$D/live.out" 2> "$D/live.err"
exec 8>&-
is "live: update applied" "$(grep -c 'Config updated from control fd' "$D/live.err")" 1
check_events "live: ignoreViolations replaced over the control fd" "$D/live.jsonl" "blocked.test tunnel.test"

# --- bad --violations path ---
out=$("$SRT" -s "$D/plain.json" --violations "$D/no/such/dir/v.jsonl" -c "touch '$D/ran'" 2>&1); rc=$?
is "unwritable --violations path: exit 1" "$rc" 1
like "unwritable --violations path: message" "$out" "--violations $D/no/such/dir/v.jsonl: No such file or directory"
check "unwritable --violations path: command not run" '[ ! -e "$D/ran" ]'

done_testing
