# A minimal MCP host for tests/test-mcp.sh: starts a stdio server the way
# an MCP client does (the "command" and "args" of an .mcp.json entry, or a
# command line), speaks JSON-RPC over its stdin/stdout one request at a
# time, and prints "key<TAB>value" observations.
#   test-mcp-client.py full|readonly PROJECT OUTSIDE TRANSCRIPT (--mcp-json FILE NAME | -- ARGV...)
# full: initialize, tools/list, write inside PROJECT, write inside OUTSIDE,
# write PROJECT/.mcp.json, read back.  readonly: initialize, tools/list, list_allowed_directories
# (for a byte-for-byte comparison with the server run without srt).
# TRANSCRIPT receives every byte the server wrote on stdout.
import json
import os
import queue
import subprocess
import sys
import threading
import time

mode, project, outside, transcript = sys.argv[1:5]
rest = sys.argv[5:]
if rest[0] == "--mcp-json":
    entry = json.load(open(rest[1]))["mcpServers"][rest[2]]
    argv = [entry["command"]] + entry.get("args", [])
    env = dict(os.environ, **entry.get("env", {}))
else:
    argv, env = rest[1:], dict(os.environ)

out = {}
raw = bytearray()
lines = queue.Queue()
proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        env=env, bufsize=0)
stderr_chunks = []


def read_stdout():
    buf = b""
    while True:
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        raw.extend(chunk)
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            lines.put(line)
    if buf:
        lines.put(buf)
    lines.put(None)


def read_stderr():
    for chunk in iter(lambda: proc.stderr.read(65536), b""):
        stderr_chunks.append(chunk)


threading.Thread(target=read_stdout, daemon=True).start()
threading.Thread(target=read_stderr, daemon=True).start()
next_id = 0


def send(obj):
    proc.stdin.write((json.dumps(obj) + "\n").encode())
    proc.stdin.flush()


def request(method, params, timeout=60):
    """Send one request and wait for its answer with stdin still open: a
    wrapper that buffered stdin or stdout would stall here."""
    global next_id
    next_id += 1
    t0 = time.time()
    send({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params})
    while True:
        try:
            line = lines.get(timeout=max(0.1, timeout - (time.time() - t0)))
        except queue.Empty:
            raise SystemExit("timeout waiting for the answer to " + method)
        if line is None:
            raise SystemExit("server closed stdout before answering " + method)
        msg = json.loads(line)
        if msg.get("id") == next_id:
            out["ms_" + method.replace("/", "_")] = int((time.time() - t0) * 1000)
            return msg


def print_descendants(top):
    """pid, state, kernel wait channel and command of every process below
    TOP (on stderr): where a hung sandbox start-up waits."""
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open("/proc/%s/stat" % pid).read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, ValueError, IndexError):
            pass
    todo = [(top, 0)]
    while todo:
        pid, depth = todo.pop()
        try:
            state = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
            wchan = open("/proc/%d/wchan" % pid).read()
            cmd = open("/proc/%d/cmdline" % pid, "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        print("%s%d %s %s %s" % ("  " * depth, pid, state, wchan, cmd[:200]), file=sys.stderr)
        todo.extend((c, depth + 1) for c in sorted(children.get(pid, []), reverse=True))


def tool_text(resp):
    res = resp.get("result", {})
    return " ".join(c.get("text", "") for c in res.get("content", [])), bool(res.get("isError"))


try:
    init = request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                  "clientInfo": {"name": "srt-test", "version": "1"}})
    out["server"] = init["result"]["serverInfo"]["name"]
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    tools = [t["name"] for t in request("tools/list", {})["result"]["tools"]]
    out["has_write_file"] = "write_file" in tools
    out["has_read_text_file"] = "read_text_file" in tools
    if mode == "readonly":
        text, _ = tool_text(request("tools/call", {"name": "list_allowed_directories", "arguments": {}}))
        out["allowed"] = text.replace("\n", " ")
    else:
        text, err = tool_text(request("tools/call", {"name": "write_file", "arguments": {
            "path": os.path.join(project, "inside.txt"), "content": "written through srt\n"}}))
        out["write_inside"] = ("error " if err else "ok ") + text
        text, err = tool_text(request("tools/call", {"name": "write_file", "arguments": {
            "path": os.path.join(outside, "outside.txt"), "content": "must not land\n"}}))
        out["write_outside"] = ("error " if err else "ok ") + text
        # .mcp.json is one of srt's mandatory write denies, even inside allowWrite.
        text, err = tool_text(request("tools/call", {"name": "write_file", "arguments": {
            "path": os.path.join(project, ".mcp.json"), "content": "{}\n"}}))
        out["write_mcp_json"] = ("error " if err else "ok ") + text
        text, err = tool_text(request("tools/call", {"name": "read_text_file", "arguments": {
            "path": os.path.join(project, "inside.txt")}}))
        out["read_back"] = ("error " if err else "ok ") + text.strip()
except SystemExit as e:
    # Still report what was seen, and the server's stderr: a hang must
    # leave enough behind to be understood from a CI log.
    out["error"] = str(e)
    print(e, file=sys.stderr)
    print("processes below the client at that moment:", file=sys.stderr)
    print_descendants(os.getpid())
finally:
    proc.stdin.close()
    try:
        out["rc"] = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out["rc"] = "timeout"
    time.sleep(0.1)

with open(transcript, "wb") as f:
    f.write(bytes(raw))
# Every stdout line must be a JSON-RPC 2.0 message from the server.
bad = []
for n, line in enumerate(bytes(raw).split(b"\n")):
    if line == b"" and n == len(bytes(raw).split(b"\n")) - 1:
        continue
    try:
        if json.loads(line).get("jsonrpc") != "2.0":
            bad.append(n)
    except ValueError:
        bad.append(n)
out["stdout_lines"] = bytes(raw).count(b"\n")
out["stdout_non_jsonrpc"] = len(bad)
out["stdout_ends_with_newline"] = bytes(raw).endswith(b"\n")
err_text = b"".join(stderr_chunks).decode(errors="replace")
with open(transcript + ".stderr", "w") as f:
    f.write(err_text)
out["stderr_debug_lines"] = sum(1 for l in err_text.splitlines() if l.startswith("[SandboxDebug]"))
for k, v in out.items():
    print("%s\t%s" % (k, str(v).replace("\n", " ")))
