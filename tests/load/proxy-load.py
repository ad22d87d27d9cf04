#!/usr/bin/env python3
"""Load and hostile clients against the real srt (TAP).

Starts srt (SRT) with a sandboxed agent (agent.py) that makes one normal
request through the in-sandbox bridge whenever asked, and a loopback
upstream of its own; then drives srt's HTTP proxy socket directly from the
host.  After each phase srt's own descriptors (/proc/PID/fd) must return to
the baseline exactly and its RSS stay under baseline + 4 MiB; a normal
request from inside the sandbox must succeed during and after each phase.
Phases: 1000 concurrent CONNECT tunnels; 200 slow heads (one byte per
second); oversized heads; half-closed clients; resets (mid-head, mid-tunnel,
mid-body); an upstream that never answers; an upstream that never accepts.
No timing assertions: timeouts only bound the waits."""
import asyncio
import glob
import json
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

N_TUNNELS = int(os.environ.get("SRT_LOAD_TUNNELS", "1000"))
N_SLOW = int(os.environ.get("SRT_LOAD_SLOW", "200"))
RSS_SLACK_KB = 4096

tap_n = 0
tap_failed = 0


def report(good, name, diag="", todo=None):
    """todo: a known bug (TAP TODO: reported, not counted as a failure)."""
    global tap_n, tap_failed
    tap_n += 1
    print("%s %d - %s%s" % ("ok" if good else "not ok", tap_n, name, " # TODO " + todo if todo else ""),
          flush=True)
    if not good:
        tap_failed += 0 if todo else 1
        for line in str(diag).splitlines():
            print("#   " + line, flush=True)


# --- the upstream: HTTP (/ answers, /silent never), echo, silent, never-accepting
async def http_conn(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].decode()
            length = 0
            for h in head.split(b"\r\n")[1:]:
                if h.lower().startswith(b"content-length:"):
                    length = int(h.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            if " /silent" in line:
                await asyncio.sleep(3600)
            body = b"ok " + line.split()[1].encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def echo_conn(reader, writer):
    try:
        while True:
            b = await reader.read(65536)
            if not b:
                break
            writer.write(b)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def silent_conn(reader, writer):
    try:
        await reader.read()  # until the peer goes; never a byte back
    except ConnectionError:
        pass
    writer.close()


class Upstream:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self.run, daemon=True).start()
        self.ready.wait(10)

    def run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.start())
        self.ready.set()
        self.loop.run_forever()

    async def start(self):
        s1 = await asyncio.start_server(http_conn, "127.0.0.1", 0, backlog=4096)
        s2 = await asyncio.start_server(echo_conn, "127.0.0.1", 0, backlog=4096)
        s3 = await asyncio.start_server(silent_conn, "127.0.0.1", 0, backlog=4096)
        self.http = s1.sockets[0].getsockname()[1]
        self.echo = s2.sockets[0].getsockname()[1]
        self.silent = s3.sockets[0].getsockname()[1]


def never_accepting():
    """A listener whose accept queue is full: further SYNs are dropped."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    fillers = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    time.sleep(0.2)
    probe = socket.socket()
    probe.settimeout(1)
    try:
        probe.connect(("127.0.0.1", port))
        hangs = False
    except (socket.timeout, OSError):
        hangs = True
    probe.close()
    return ls, fillers, port, hangs


# --- srt
def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def conn(path, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        b = s.recv(4096)
        if not b:
            break
        data += b
    return data


def read_all(s):
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not b:
            break
        data += b
    return data


def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def main():
    srt = os.environ["SRT"]
    here = os.path.dirname(os.path.abspath(__file__))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 3 * N_TUNNELS + 500
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
        print("Bail out! RLIMIT_NOFILE hard limit %d < %d" % (hard, need))
        return 1

    t = tempfile.mkdtemp(prefix="srt-load.")
    os.chmod(t, 0o755)
    env = dict(os.environ, HOME=t + "/home", TMPDIR=t + "/tmp", SRT_TEST_REGISTRY_DIR=t + "/reg")
    for d in ("home", "tmp", "reg", "req", "res"):
        os.mkdir(os.path.join(t, d))
    up = Upstream()
    settings = {"network": {"allowedDomains": ["127.0.0.1"], "deniedDomains": []},
                "filesystem": {"denyRead": [], "allowWrite": [t + "/res"], "denyWrite": []}}
    with open(t + "/s.json", "w") as f:
        json.dump(settings, f)
    agent = shutil.which("python3")
    proc = subprocess.Popen([srt, "-s", t + "/s.json", "--", agent, here + "/agent.py", t + "/req", t + "/res",
                             "http://127.0.0.1:%d" % up.http], env=env, cwd=t, stdin=subprocess.DEVNULL)
    pid = proc.pid
    nreq = [0]
    global RSS_SLACK_KB
    time.sleep(0.3)
    try:
        if "libasan" in open("/proc/%d/maps" % pid).read():
            RSS_SLACK_KB = 256 * 1024  # ASan's quarantine keeps freed memory
    except OSError:
        pass

    def inside(label):
        """One normal request from inside the sandbox through the bridge."""
        nreq[0] += 1
        n = nreq[0]
        open("%s/req/req-%d" % (t, n), "w").close()
        res = "%s/res/res-%d" % (t, n)
        deadline = time.time() + 30
        while time.time() < deadline and proc.poll() is None:
            if os.path.exists(res):
                got = open(res).read()
                report(got == "200 ok /req-%d" % n, "%s: a normal request from inside succeeds" % label, got)
                return
            time.sleep(0.05)
        report(False, "%s: a normal request from inside succeeds" % label, "no answer (srt %s)" % proc.poll())

    def settle(label, base_fds, base_rss, wait=20, todo=None):
        t0 = time.time()
        deadline = t0 + wait
        while time.time() < deadline and fds(pid) != base_fds:
            time.sleep(0.1)
        took = time.time() - t0
        now = fds(pid)
        report(now == base_fds, "%s: srt's descriptors back to the baseline (%d)" % (label, base_fds),
               "now %d" % now, todo)
        r = rss_kb(pid)
        report(r < base_rss + RSS_SLACK_KB, "%s: srt's RSS %d KiB < baseline %d KiB + 4 MiB" % (label, r, base_rss))
        print("# %s: after fds %d (in %.1f s) rss %d KiB" % (label, now, took, r), flush=True)
        inside(label + " (after)")

    try:
        socks = []
        deadline = time.time() + 20
        while time.time() < deadline and not socks:
            socks = glob.glob(t + "/reg/srt-*/srt-net-*/http.sock")
            time.sleep(0.05)
        report(len(socks) == 1, "srt's proxy socket found", socks)
        if len(socks) != 1:
            return 1
        hs = socks[0]
        inside("start")
        # Warm up the allocator with a few of each kind, then the baseline.
        for _ in range(3):
            s = conn(hs)
            s.sendall(b"GET http://127.0.0.1:%d/w HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % up.http)
            read_all(s)
            s.close()
        time.sleep(0.5)
        base_fds, base_rss = fds(pid), rss_kb(pid)
        print("# baseline: fds %d rss %d KiB" % (base_fds, base_rss), flush=True)

        # 1. concurrent CONNECT tunnels
        tun = []
        good = 0
        for i in range(N_TUNNELS):
            s = conn(hs)
            s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (up.echo, up.echo))
            tun.append(s)
        for s in tun:
            if read_head(s).startswith(b"HTTP/1.1 200"):
                good += 1
        report(good == N_TUNNELS, "tunnels: %d CONNECTs established at once" % N_TUNNELS, "%d good" % good)
        echoed = 0
        for i, s in enumerate(tun):
            msg = b"ping %d\n" % i
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                b = s.recv(100)
                if not b:
                    break
                got += b
            echoed += got == msg
        report(echoed == N_TUNNELS, "tunnels: every tunnel carries data both ways", "%d echoed" % echoed)
        peak_fds, peak_rss = fds(pid), rss_kb(pid)
        print("# tunnels: peak fds %d rss %d KiB" % (peak_fds, peak_rss), flush=True)
        report(peak_fds >= base_fds + 2 * N_TUNNELS, "tunnels: srt holds both ends of every tunnel (%d fds)" % peak_fds)
        inside("tunnels (during)")
        for s in tun:
            s.close()
        settle("tunnels", base_fds, base_rss)

        # 2. slow heads, one byte per second
        head = b"GET http://127.0.0.1:%d/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % up.http
        slow = [conn(hs) for _ in range(N_SLOW)]
        for k in range(3):
            for s in slow:
                s.sendall(head[k:k + 1])
            time.sleep(1)
        print("# slow: peak fds %d rss %d KiB" % (fds(pid), rss_kb(pid)), flush=True)
        inside("slow heads (during)")
        s = conn(hs)
        s.sendall(b"GET http://127.0.0.1:%d/host HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % up.http)
        report(read_all(s).endswith(b"ok /host"), "slow heads (during): a host client is served")
        s.close()
        for s in slow:
            s.close()
        settle("slow heads", base_fds, base_rss)

        # 3. oversized heads: 431 (or 400) and the connection closed
        cases = {
            "many header lines": b"GET http://127.0.0.1:%d/big HTTP/1.1\r\n" % up.http + b"X-Pad: aaaaaaaaaaaaaaaa\r\n" * 5000,
            "one huge header line": b"GET http://127.0.0.1:%d/big HTTP/1.1\r\nX-Pad: " % up.http + b"a" * 100000,
            "huge request line": b"GET http://127.0.0.1:%d/" % up.http + b"a" * 100000,
            "huge CONNECT head": b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n" % up.echo + b"X-Pad: aaaa\r\n" * 10000,
        }
        for name, data in cases.items():
            s = conn(hs)
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            got = read_all(s)
            s.close()
            report(got.startswith(b"HTTP/1.1 431") or got.startswith(b"HTTP/1.1 400"),
                   "oversized head (%s): 431/400 and closed" % name, got[:200])
        settle("oversized heads", base_fds, base_rss)

        # 4. half-closed clients: the answer still arrives
        s = conn(hs)
        s.sendall(b"GET http://127.0.0.1:%d/half HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % up.http)
        s.shutdown(socket.SHUT_WR)
        got = read_all(s)
        s.close()
        report(b"ok /half" in got, "half-closed: GET answered after the client shut its write side", got[:200])
        s = conn(hs)
        s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: x\r\n\r\n" % up.echo)
        h = read_head(s)
        s.sendall(b"last words")
        s.shutdown(socket.SHUT_WR)
        got = read_all(s)
        s.close()
        report(h.startswith(b"HTTP/1.1 200") and got == b"last words",
               "half-closed: tunnel data echoed after the client's FIN, then EOF", (h + got)[:200])
        settle("half-closed", base_fds, base_rss)

        # 5. resets (SO_LINGER 0) mid-head, mid-tunnel, mid-body
        for _ in range(50):
            s = conn(hs)
            s.sendall(b"GET http://127.0.0.1:%d/x HTTP/1.1\r\nHost: 12" % up.http)
            rst(s)
            s = conn(hs)
            s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % up.echo)
            read_head(s)
            s.sendall(b"x" * 10000)
            rst(s)
            s = conn(hs)
            s.sendall(b"POST http://127.0.0.1:%d/post HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
                      % up.http + b"y" * 50000)
            rst(s)
        report(proc.poll() is None, "resets: srt still running after 150 resets")
        settle("resets", base_fds, base_rss)

        # 6. an upstream that accepts and never answers: the client gives up
        sil = []
        for _ in range(50):
            s = conn(hs)
            s.sendall(b"GET http://127.0.0.1:%d/silent HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % up.silent)
            sil.append(s)
        for _ in range(20):
            s = conn(hs)
            s.sendall(b"GET http://127.0.0.1:%d/silent HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % up.http)
            sil.append(s)
        time.sleep(1)
        print("# silent upstream: peak fds %d" % fds(pid), flush=True)
        inside("silent upstream (during)")
        for s in sil:
            s.close()
        # The client's reading is off while its request is with upstream;
        # srt must still notice it closed and drop both descriptors at once
        # (it held them until the 600 s idle timeout), so the bound is short.
        settle("silent upstream", base_fds, base_rss, wait=10)

        # 7. an upstream that never accepts: the clients give up while srt
        # dials; closing them cancels the dial (else srt's connect times out).
        ls, fillers, nport, hangs = never_accepting()
        report(hangs, "never-accepting upstream: a direct connect hangs (precondition)")
        pend = []
        for _ in range(20):
            s = conn(hs)
            s.sendall(b"GET http://127.0.0.1:%d/never HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % nport)
            pend.append(s)
        time.sleep(1)
        print("# never-accepting upstream: peak fds %d" % fds(pid), flush=True)
        inside("never-accepting upstream (during)")
        for s in pend:
            s.close()
        settle("never-accepting upstream", base_fds, base_rss, wait=45)
        for c in fillers:
            c.close()
        ls.close()
        report(proc.poll() is None, "srt is still running after every phase")
    finally:
        open(t + "/req/stop", "w").close()
        try:
            rc = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        report(rc == 0, "srt exits 0 with its command", "exit %s" % rc)
        left = [p for p in glob.glob(t + "/reg/*/*") + glob.glob(t + "/tmp/*") if not p.endswith("/lock")]
        report(left == [], "nothing left in srt's registry or TMPDIR", left)
        shutil.rmtree(t, ignore_errors=True)
    print("1..%d" % tap_n)
    return 1 if tap_failed else 0


if __name__ == "__main__":
    sys.exit(main())
