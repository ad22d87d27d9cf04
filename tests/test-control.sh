#!/bin/sh
# --control-fd end to end with the real srt: live network rules while the
# command runs (403 → 200 → 403), tunnels that outlive an update, invalid
# and blank lines, a line in several writes, "\r\n", end of input, read
# errors, the fd inside the sandbox; as root and as srtuser.
#
# A python driver (ctl-driver.py, below) runs srt with a pipe or socket as
# the control fd and steers an in-sandbox helper (inner.py) over stdin: each
# step ("curl URL", "open HOST:PORT", "ping WORD", "fd N") prints one line
# on stdout.  With -d the driver waits for srt's debug lines, so nothing
# depends on timing.  Upstream is tests/net-upstream on loopback.
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
export P
FS='"filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[]}'
DENY="{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},$FS}"
ALLOW="{\"network\":{\"allowedDomains\":[\"127.0.0.1:$P\"],\"deniedDomains\":[]},$FS}"
write_settings "$D/deny.json" "$DENY"
write_settings "$D/allow.json" "$ALLOW"
hits() { grep -c " $1 " "$D/hits" 2>/dev/null || true; }

# The in-sandbox helper.
cat > "$D/inner.py" <<'EOF'
import os, socket, subprocess, sys
tun = None
def proxy():
    hp = os.environ["HTTP_PROXY"].rsplit(":", 1)
    return ("127.0.0.1", int(hp[1]))
for line in sys.stdin:
    w = line.split()
    if not w:
        continue
    try:
        if w[0] == "curl":
            r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                                "--noproxy", "", w[1]], capture_output=True, text=True)
            out = r.stdout
        elif w[0] == "open":
            tun = socket.create_connection(proxy())
            tun.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (w[1], w[1])).encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = tun.recv(4096)
                if not chunk:
                    break
                head += chunk
            out = head.split(b"\r\n")[0].decode()
        elif w[0] == "ping":
            tun.sendall(b"ECHO " + w[1].encode() + b"\n")
            got = b""
            while not got.endswith(b"\n"):
                chunk = tun.recv(4096)
                if not chunk:
                    break
                got += chunk
            out = got.decode().strip() or "closed"
        elif w[0] == "fd":
            n = int(w[1])
            try:
                os.write(n, b"x")
                wr = "written"
            except OSError as e:
                wr = "write-" + (os.strerror(e.errno) if e.errno else "error")
            out = os.readlink("/proc/self/fd/%d" % n) + " " + wr
        elif w[0] == "quit":
            break
        else:
            out = "unknown step"
    except Exception as e:
        out = "error " + repr(e)
    print(out, flush=True)
EOF

cat > "$D/ctl-driver.py" <<'EOF'
# ctl-driver.py SCENARIO [PREFIX...]: run srt (under PREFIX, e.g. runuser)
# with a control channel, print "key<TAB>value" observations.
import json, os, socket, subprocess, sys, threading, time

scenario, prefix = sys.argv[1], sys.argv[2:]
D, P, SRT = os.environ["D"], os.environ["P"], os.environ["SRT"]
ALLOW, DENY = os.environ["ALLOW"], os.environ["DENY"]
URL = "http://127.0.0.1:%s/" % P
debug = scenario in ("live-debug", "reset-before", "reset-after")
out = {}

class Run:
    def __init__(self, ctl_fd, cmd_words):
        argv = prefix + [SRT] + (["-d"] if debug else []) + ["-s", D + "/deny.json",
                                                              "--control-fd", str(ctl_fd)] + cmd_words
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, pass_fds=(ctl_fd,))
        self.err = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read_err(self):
        for line in self.p.stderr:
            with self.cv:
                self.err.append(line.decode(errors="replace").rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.err.append(None)  # EOF mark
            self.cv.notify_all()

    def count(self, text):
        return sum(1 for l in self.err if l is not None and text in l)

    def wait_for(self, text, n=1, timeout=20):
        end = time.time() + timeout
        with self.cv:
            while self.count(text) < n:
                left = end - time.time()
                if left <= 0 or (self.err and self.err[-1] is None):
                    return False
                self.cv.wait(left)
        return True

    def step(self, s):
        self.p.stdin.write((s + "\n").encode())
        self.p.stdin.flush()
        return self.p.stdout.readline().decode().strip()

    def finish(self, timeout=20):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = "timeout"
        self.wait_for("\0never", timeout=5)  # until stderr EOF
        return rc

def poll_status(run, path, want, timeout=20):
    end = time.time() + timeout
    got = run.step("curl " + URL + path)
    while got != want and time.time() < end:
        time.sleep(0.1)
        got = run.step("curl " + URL + path)
    return got

def emit():
    for k, v in out.items():
        print("%s\t%s" % (k, v))

if scenario in ("live-debug", "live-quiet"):
    r, w = os.pipe()
    run = Run(r, ["python3", D + "/inner.py"])
    os.close(r)
    out["fd"] = r
    updated = "Config updated from control fd"
    def send(data):
        os.write(w, data.encode())
    def applied(n, path, want):
        # With -d srt says when a line is in force; without, poll.
        if debug:
            out["wait_update_%d" % n] = run.wait_for(updated, n)
            return run.step("curl " + URL + path)
        return poll_status(run, path, want)

    out["first"] = run.step("curl " + URL + "a1")
    send(ALLOW + "\n")
    out["after_allow"] = applied(1, "a2", "200")
    out["open"] = run.step("open 127.0.0.1:" + P)
    out["ping1"] = run.step("ping one")
    send(DENY + "\n")
    out["after_deny"] = applied(2, "a3", "403")
    out["ping2"] = run.step("ping two")  # the tunnel outlives the update
    send("not json\n")
    send('{"network":{"allowedDomains":["127.0.0.1:%s"],"deniedDomains":[]}}\n' % P)  # no filesystem
    out["invalid_seen"] = run.wait_for("Invalid config on control fd", 2)
    out["after_invalid"] = run.step("curl " + URL + "a4")
    send("\n   \n\r\n\t\n")
    line = ALLOW + "\r\n"
    third = len(line) // 3
    for part in (line[:third], line[third:2 * third], line[2 * third:]):
        send(part)
        time.sleep(0.2)
    out["after_split"] = applied(3, "a5", "200")
    out["fd_inside"] = run.step("fd %d" % r)
    os.close(w)  # end of input: the last rules stay
    if debug:
        out["eof_seen"] = run.wait_for("end of input")
    else:
        time.sleep(0.5)
    out["after_eof"] = run.step("curl " + URL + "a6")
    out["stdin_after_eof"] = run.step("nonsense")
    run.step("quit")
    out["rc"] = run.finish()
    out["invalid_lines"] = run.count("Invalid config on control fd")
    out["updates"] = run.count(updated)
    out["listening"] = run.count("Listening for config updates on fd %d" % r)
    out["echoed_bad_line"] = run.count("not json")
    out["exact_message"] = run.count("Invalid config on control fd %d: ignored, previous config still in force" % r)
    # Without -d the two rejections are all srt says.
    out["other_stderr"] = json.dumps([l for l in run.err if l is not None and not l.startswith("[SandboxDebug]")
                                      and "Invalid config on control fd" not in l])
elif scenario in ("reset-before", "reset-after"):
    a, b = socket.socketpair()
    run = Run(a.fileno(), ["python3", D + "/inner.py"] if scenario == "reset-after" else ["sleep", "30"])
    out["fd"] = a.fileno()
    t0 = time.time()
    out["listening"] = run.wait_for("Listening for config updates on fd %d" % a.fileno())
    if scenario == "reset-after":
        b.sendall((ALLOW + "\n").encode())
        out["updated"] = run.wait_for("Config updated from control fd")
    # Unread data in b's queue when b closes: the reader of a gets ECONNRESET.
    a.sendall(b"unread")
    a.close()
    b.close()
    out["error_seen"] = run.wait_for("control fd", 1 if scenario == "reset-before" else 2)
    if scenario == "reset-after":
        run.wait_for("Error reading control fd")
        out["after_error"] = run.step("curl " + URL + "r1")
        run.step("quit")
    out["rc"] = run.finish()
    out["seconds"] = int(time.time() - t0)
    out["stderr"] = json.dumps([l for l in run.err if l is not None and not l.startswith("[SandboxDebug]")])
emit()
EOF

# get FILE KEY
get() { awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' "$1"; }

export D SRT ALLOW DENY
live() { # TAG DEBUG|QUIET PREFIX...
	tag=$1 mode=$2; shift 2
	f="$D/$tag.out"
	python3 "$D/ctl-driver.py" "live-$mode" "$@" > "$f" 2> "$D/$tag.err"
	fdn=$(get "$f" fd)
	is "$tag: refused before any update (403)" "$(get "$f" first)" 403
	is "$tag: allowed after an update (200)" "$(get "$f" after_allow)" 200
	like "$tag: CONNECT tunnel opened while allowed" "$(get "$f" open)" '^HTTP/1.1 200'
	is "$tag: tunnel carries data" "$(get "$f" ping1)" "ECHO one"
	is "$tag: refused again after the next update (403)" "$(get "$f" after_deny)" 403
	is "$tag: the open tunnel keeps running across the update" "$(get "$f" ping2)" "ECHO two"
	is "$tag: invalid lines change nothing (still 403)" "$(get "$f" after_invalid)" 403
	is "$tag: line split over three writes, CRLF ending, applies (200)" "$(get "$f" after_split)" 200
	is "$tag: control fd is /dev/null inside and not writable" "$(get "$f" fd_inside)" "/dev/null write-Bad file descriptor"
	is "$tag: end of input keeps the last rules (200)" "$(get "$f" after_eof)" 200
	is "$tag: stdin still reaches the command after EOF on the control fd" "$(get "$f" stdin_after_eof)" "unknown step"
	is "$tag: exit status is the command's" "$(get "$f" rc)" 0
	is "$tag: one message per invalid line, none for blank lines" "$(get "$f" invalid_lines)" 2
	is "$tag: exact rejection message" "$(get "$f" exact_message)" 2
	is "$tag: nothing else on stderr" "$(get "$f" other_stderr)" "[]"
	if [ "$mode" = debug ]; then
		is "$tag: debug 'Listening for config updates on fd $fdn'" "$(get "$f" listening)" 1
		is "$tag: debug 'Config updated from control fd' per valid line" "$(get "$f" updates)" 3
		is "$tag: debug shows the rejected line" "$(get "$f" echoed_bad_line)" 1
		is "$tag: srt reported end of input" "$(get "$f" eof_seen)" True
	else
		is "$tag: no debug lines without -d" "$(get "$f" updates)$(get "$f" listening)" 00
		is "$tag: rejected line text not echoed without -d" "$(get "$f" echoed_bad_line)" 0
	fi
	[ -s "$D/$tag.err" ] && sed 's/^/# driver: /' "$D/$tag.err"
}

: > "$D/hits"
live root-debug debug
is "root-debug: upstream saw only the allowed requests" "$(hits /a1)$(hits /a2)$(hits /a3)$(hits /a4)$(hits /a5)$(hits /a6)" 010011
live root-quiet quiet

id srtuser >/dev/null 2>&1 || useradd -m srtuser
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$D"
	chmod 644 "$D"/*.json "$D"/*.py
	live user-debug debug runuser -u srtuser --
	live user-quiet quiet runuser -u srtuser --
fi

# --- read errors on a socket control fd (ECONNRESET) ---
f="$D/reset-before.out"
python3 "$D/ctl-driver.py" reset-before > "$f" 2> "$D/rb.err"
is "read error before the first update: exit 1" "$(get "$f" rc)" 1
like "read error before the first update: message" "$(get "$f" stderr)" "Error: control fd $(get "$f" fd) failed before delivering an update: Connection reset by peer. Refusing to run the command without the control channel it asks for."
check "read error before the first update: command stopped (not the 30 s sleep)" "[ $(get "$f" seconds) -lt 15 ]"
f="$D/reset-after.out"
python3 "$D/ctl-driver.py" reset-after > "$f" 2> "$D/ra.err"
like "read error after an update: message" "$(get "$f" stderr)" "Error reading control fd $(get "$f" fd): Connection reset by peer. The control channel is closed; no further updates will be applied."
is "read error after an update: command keeps the last rules (200)" "$(get "$f" after_error)" 200
is "read error after an update: command continues, exit 0" "$(get "$f" rc)" 0

# --- plain shell cases ---
cd "$D" || exit 1
ok "no --control-fd: command runs" "$SRT" -s deny.json -c true

# A FIFO the parent keeps open for writing must not hold srt after the command.
mkfifo "$D/fifo"
start=$(date +%s)
out=$(exec 8<>"$D/fifo"; timeout 30 "$SRT" -s deny.json --control-fd 8 -c 'echo done' 2>&1); rc=$?
end=$(date +%s)
is "parent-held FIFO: command output" "$out" done
is "parent-held FIFO: exit 0" "$rc" 0
check "parent-held FIFO: srt exits with the command (< 10 s)" "[ $((end - start)) -lt 10 ]"

# Regular file: read to the end, its last valid line is in force.
printf '%s\n\n%s\n' "$DENY" "$ALLOW" > "$D/lines.txt"
out=$("$SRT" -d -s deny.json --control-fd 7 -c "curl -s -o /dev/null -w '%{http_code}' --max-time 10 --noproxy '' ${P:+http://127.0.0.1:$P/file1}" 7< "$D/lines.txt" 2> "$D/file.err")
is "regular-file fd: its config applies (200)" "$out" 200
is "regular-file fd: both lines applied" "$(grep -c 'Config updated from control fd' "$D/file.err")" 2
# Limits: a line over 1 MiB and a line with a NUL byte are refused (one
# message each, however many reads the long line takes); the next applies.
python3 - "$D/long.txt" "$DENY" "$ALLOW" <<'EOF'
import sys
path, deny, allow = sys.argv[1:]
with open(path, "w") as f:
    f.write('{"network":{"allowedDomains":[],"deniedDomains":[' + '"a.example",' * 200000 + '"b.example"]}}\n')
    f.write(allow[:-1] + "\0" + allow[-1] + "\n")
    f.write(allow + "\n")
EOF
out=$("$SRT" -d -s deny.json --control-fd 7 -c "curl -s -o /dev/null -w '%{http_code}' --max-time 10 --noproxy '' http://127.0.0.1:$P/long1" 7< "$D/long.txt" 2> "$D/long.err")
is "oversized and NUL lines: two rejections" "$(grep -c '^Invalid config on control fd 7: ignored, previous config still in force$' "$D/long.err")" 2
is "oversized and NUL lines: the valid line after them applies" "$(grep -c 'Config updated from control fd' "$D/long.err"):$out" "1:200"
out=$("$SRT" -s deny.json --control-fd 7 -c 'echo ran' 7</dev/null 2>&1); rc=$?
is "/dev/null as control fd: runs (end of input at once)" "$out:$rc" "ran:0"

# Stdin passthrough with a control fd.
out=$(printf 'line one\nline two\n' | (exec 8<>"$D/fifo"; "$SRT" -s deny.json --control-fd 8 -c 'cat; echo end'))
is "stdin reaches the command with a control fd" "$out" "$(printf 'line one\nline two\nend')"

# Refused arguments and unusable fds: exit 1, command not run.
for bad in abc 2 -1; do
	out=$("$SRT" -s deny.json --control-fd "$bad" -c 'touch ran' 2>&1); rc=$?
	is "--control-fd $bad: exit 1" "$rc" 1
	like "--control-fd $bad: message" "$out" "^error: option '--control-fd <fd>' argument '$bad' is invalid. must be an integer file descriptor >= 3 \\(0-2 are stdin, stdout and stderr\\).$"
done
out=$("$SRT" -s deny.json --control-fd 200 -c 'touch ran' 2>&1); rc=$?
is "closed fd 200: exit 1" "$rc" 1
like "closed fd 200: message" "$out" '^Error: --control-fd 200 is not usable: .*Refusing to run the command without the control channel it asks for.$'
out=$("$SRT" -s deny.json --control-fd 7 -c 'touch ran' 7> "$D/wo" 2>&1); rc=$?
is "write-only fd: exit 1" "$rc" 1
like "write-only fd: message" "$out" '^Error: --control-fd 7 is not usable: '
check "command not run with an unusable control fd" '[ ! -e "$D/ran" ]'

# The fd as seen by a shell inside (upstream's check: >&20 fails, 20 -> /dev/null).
# (dash has no two-digit redirections: bash opens fd 20.)
out=$(bash -c 'exec 20<>"$1"; shift; exec "$@"' sh "$D/fifo" "$SRT" -s deny.json --control-fd 20 -c 'ls -l /proc/self/fd/20; echo x >&20 && echo wrote' 2>&1)
like "fd 20 inside is /dev/null" "$out" '/proc/self/fd/20 -> /dev/null'
unlike "writing to fd 20 inside fails" "$out" '^wrote$'

done_testing
