# Signed receipts through srt itself: srt keygen, srt --receipts/--receipt-key
# (and the settings' "receipts" object), srt verify; start, network and exit
# receipts describe the run; tampering makes srt verify exit 1.
. "$SRT_TEST_SRCDIR/lib/libtest.sh"
require_tools curl openssl python3 bwrap socat
B=${SRT_TEST_BUILDDIR:?}
D=$TESTDIR
PIDS=""
stop_all() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_testdir; }
trap stop_all EXIT

# jq-like field access without jq: field LINE_NO PYTHON_EXPR (o = the receipt)
field() {
	python3 -c 'import json,sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
o = json.loads(lines[int(sys.argv[2]) - 1])
v = eval(sys.argv[3])
print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$R/receipts.jsonl" "$1" "$2"
}
nlines() { wc -l < "$R/receipts.jsonl" | tr -d ' '; }

K=$D/keys/receipts.key
R=$D/receipts
mkdir -p "$D/keys"

# --- keygen ---
ok "srt keygen" "$SRT" keygen "$K"
check "secret key mode 0600" '[ "$(stat -c %a "$K")" = 600 ]'
out=$(openssl pkey -pubin -in "$K.pub" -noout -text 2>&1)
like "FILE.pub is a PEM Ed25519 public key openssl reads" "$out" 'ED25519 Public-Key'
fails "srt keygen refuses to overwrite" "$SRT" keygen "$K"

"$B/net-upstream" 0 "$D/hits" > "$D/port" & PIDS="$PIDS $!"
for _ in $(seq 50); do [ -s "$D/port" ] && break; sleep 0.05; done
P=$(cat "$D/port")
S='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
printf '{"network":{"allowedDomains":["127.0.0.1"],"deniedDomains":[]},%s}\n' "$S" > "$D/s.json"

# --- a run with flags ---
ok "run with --receipts" "$SRT" --receipts "$R" --receipt-key "$K" -s "$D/s.json" -c 'true'
is "start and exit receipts" "$(nlines)" 2
is "start receipt" "$(field 1 'o["event"]["type"], o["event"]["command"], o["seq"]')" "start true 1"
check "start: hashes of settings, bwrap argv, seccomp filter" \
	'[ "$(field 1 "len(o[\"event\"][\"settings_sha256\"]), len(o[\"event\"][\"bwrap_argv_sha256\"]), len(o[\"event\"][\"seccomp_sha256\"] or \"\")")" = "64 64 64" ]'
like "start: the mandatory-deny list" "$(field 1 'o["event"]["mandatory_deny"]')" '^\[.*\]$'
is "exit receipt" "$(field 2 'o["event"]["type"], o["event"]["status"], o["event"]["signal"]')" "exit 0 0"

# --- network receipts, exit status, chain continued ---
"$SRT" --receipts "$R" --receipt-key "$K" -s "$D/s.json" -c \
	"curl -s -o /dev/null --noproxy '' http://127.0.0.1:$P/ok; curl -s -o /dev/null --noproxy '' http://denied.test/x; exit 3"
is "srt exits with the command's status" "$?" 3
types=$(python3 -c 'import json,sys
print(" ".join(json.loads(l)["event"]["type"] for l in open(sys.argv[1])))' "$R/receipts.jsonl")
like "second run: start, network..., exit" "$types" '^start exit start (network )+exit$'
net=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)["event"]
    if e["type"] == "network":
        print(e["host"], e["port"], e["verdict"], e["rule"])' "$R/receipts.jsonl")
like "allowed connection recorded" "$net" "^127\\.0\\.0\\.1 $P allow 127\\.0\\.0\\.1$"
like "denied connection recorded" "$net" "^denied\\.test 80 deny "
n=$(nlines)
is "exit status 3 recorded" "$(field "$n" 'o["event"]["status"]')" 3

# --- the settings object ---
printf '{"network":{"allowedDomains":[],"deniedDomains":[]},%s,"receipts":{"dir":"%s","key":"%s"}}\n' \
	"$S" "$R" "$K" > "$D/s2.json"
ok "run with settings.receipts" "$SRT" -s "$D/s2.json" -c 'true'
is "two more receipts" "$(nlines)" $((n + 2))

# --- a live update over --control-fd, a command killed by a signal ---
printf '{"network":{"allowedDomains":["x.org"],"deniedDomains":[]},%s}\n' "$S" > "$D/update.json"
"$SRT" --receipts "$R" --receipt-key "$K" -s "$D/s.json" --control-fd 3 -c 'sleep 0.5; kill -TERM $$' 3< "$D/update.json"
is "srt exits 128+15 for a command killed by SIGTERM" "$?" 143
n2=$(nlines)
is "start, control, exit" "$(field $((n2 - 2)) 'o["event"]["type"]') $(field $((n2 - 1)) 'o["event"]["type"]') $(field "$n2" 'o["event"]["type"]')" "start control exit"
like "control: SHA-256 of the applied settings" "$(field $((n2 - 1)) 'o["event"]["settings_sha256"]')" '^[0-9a-f]{64}$'
is "exit: status 143, signal 15" "$(field "$n2" 'o["event"]["status"], o["event"]["signal"]')" "143 15"

# --- several srt runs at once into one directory ---
par=""
for i in 1 2 3 4; do
	"$SRT" --receipts "$R" --receipt-key "$K" -s "$D/s.json" -c "echo run $i" > "$D/par$i.out" 2>&1 &
	par="$par $!"
done
for p in $par; do wait "$p"; done # not a bare wait: net-upstream runs in the background too
is "four parallel runs added eight receipts" "$(nlines)" $((n2 + 8))
n=$(nlines)

# --- verify ---
out=$("$SRT" verify "$R" --pubkey "$K.pub" 2>&1)
is "srt verify exits 0" "$?" 0
like "summary" "$out" "^$n receipts verified \\(seq 1 at .* … seq $n at .*\\)"
cp -r "$R" "$D/tampered"
sed -i '2s/"status":0/"status":1/' "$D/tampered/receipts.jsonl"
out=$("$SRT" verify "$D/tampered" --pubkey "$K.pub" 2>&1)
is "tampered: srt verify exits 1" "$?" 1
like "tampered: names the line" "$out" 'line 2 \(seq 2\): bad signature'
"$SRT" keygen "$D/keys/other" >/dev/null 2>&1
out=$("$SRT" verify "$R" --pubkey "$D/keys/other.pub" 2>&1)
is "wrong key: exit 1" "$?" 1
fails "a run refuses a chain signed by another key" "$SRT" --receipts "$R" --receipt-key "$D/keys/other" -s "$D/s.json" -c true
out=$("$SRT" --receipts "$D/r-other" --receipt-key "$D/nonexistent.key" -s "$D/s.json" -c 'echo SHOULD-NOT-RUN' 2>&1)
is "a missing key stops srt before the command runs (exit 1)" "$?" 1
unlike "and the command did not run" "$out" 'SHOULD-NOT-RUN'

# --- as an unprivileged user (when we are root) ---
if [ "$(id -u)" = 0 ]; then
	user=${SRT_TEST_USER:-srtuser}
	id "$user" >/dev/null 2>&1 || useradd -m "$user" || { echo "Bail out! cannot create $user"; exit 1; }
	if ! runuser -u "$user" -- test -x "$SRT"; then
		echo "Bail out! $SRT is not usable by $user: build in a world-readable directory (e.g. /tmp, mode 755)"
		exit 1
	fi
	U=$D/user
	mkdir -p "$U" && chown "$user" "$U"
	cp "$D/s.json" "$U/s.json" && chown "$user" "$U/s.json"
	asuser() { (cd "$U" && runuser -u "$user" -- env HOME="$U" "$@"); }
	ok "srt keygen as $user" asuser "$SRT" keygen "$U/k"
	ok "srt --receipts as $user" asuser "$SRT" --receipts "$U/r" --receipt-key "$U/k" -s "$U/s.json" -c true
	out=$(asuser "$SRT" verify "$U/r" --pubkey "$U/k.pub" 2>&1)
	like "srt verify as $user" "$out" '^2 receipts verified'
fi
done_testing
