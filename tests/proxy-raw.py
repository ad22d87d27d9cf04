#!/usr/bin/env python3
"""Raw protocol probes for test-proxy.sh.
  proxy-raw.py http SOCK TEXT     send TEXT (\\r\\n escapes), print everything until close
  proxy-raw.py socks-bind SOCK    SOCKS5 BIND: print VER REP in hex
  proxy-raw.py socks-udp SOCK     SOCKS5 UDP ASSOCIATE
  proxy-raw.py socks-ipv6 SOCK P  SOCKS5 CONNECT [::1]:P
  proxy-raw.py socks-host SOCK HOST P  SOCKS5 CONNECT HOST (\\xHH escapes):P
  proxy-raw.py flood SOCK TEXT MAXBYTES
      send TEXT over and over without reading until MAXBYTES were sent or
      sending stalled for 2 s; then read the answers; prints
      "<bytes sent> <requests sent> <answers read>"
  proxy-raw.py upstream PORTFILE LOG
      a hostile upstream on 127.0.0.1:0 (port written to PORTFILE); appends
      each request head it gets to LOG, then answers by path:
      /inject       Content-Length 5 plus a second response in the same write
      /inject-late  the same, the second response 0.3 s later
      /short        announces 10 bytes, sends 5, closes
      /chunked      a chunked response, then waits for the client to close
      /silent...    never answers (/silent-body...: sends a head announcing
                    10 bytes and 5 of them); appends the path to LOG.closed
                    once the client (the proxy) closes
      /delay        "late" with Content-Length 4, after 1.5 s
      other         "ok" with Content-Length 2
  proxy-raw.py half SOCK TEXT     send TEXT, shut down the write side, print
      everything until close
  proxy-raw.py abandon SOCK PID LOG PORT
      four requests to 127.0.0.1:PORT/silent-* (the upstream above, LOG its
      log) through SOCK: one plain, one followed by a pipelined request, one
      whose client half-closes, one whose response body stalls; once
      upstream has all four heads (and the last client the start of its
      body), close the four clients.  Prints "during D after A upstream-closed U": the
      descriptors of process PID above its count before, while the
      requests wait and after the clients closed (waiting up to 10 s for
      it to come back), and how many of the upstream connections were
      closed (waiting up to 10 s)."""
import os
import socket
import socketserver
import struct
import sys
import threading
import time


def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def read_all(s):
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        data += b
    return data


def socks(path, cmd, atyp, addr, port):
    s = conn(path)
    s.sendall(b"\x05\x01\x00")
    s.recv(2)
    s.sendall(bytes([5, cmd, 0, atyp]) + addr + struct.pack(">H", port))
    r = s.recv(10)
    print("%02x %02x" % (r[0], r[1]))


INJECT = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected"


def upstream(portfile, log):
    lock = threading.Lock()

    class H(socketserver.BaseRequestHandler):
        def handle(self):
            s, data = self.request, b""
            while b"\r\n\r\n" not in data:
                b = s.recv(65536)
                if not b:
                    return
                data += b
            head = data.split(b"\r\n\r\n", 1)[0]
            with lock, open(log, "ab") as f:
                f.write(head + b"\n--\n")
            path = head.split(b" ")[1]
            if path == b"/inject":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + INJECT)
            elif path == b"/inject-late":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                time.sleep(0.3)
                s.sendall(INJECT)
            elif path == b"/short":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
            elif path.startswith(b"/silent"):
                if path.startswith(b"/silent-body"):
                    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
                s.settimeout(None)
                while s.recv(65536):
                    pass
                with lock, open(log + ".closed", "ab") as f:
                    f.write(path + b"\n")
            elif path == b"/delay":
                time.sleep(1.5)
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate")
            elif path == b"/chunked":
                s.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                s.settimeout(5)
                try:
                    while s.recv(65536):
                        pass
                except OSError:
                    pass
            else:
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def flood(path, text, maxbytes):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    s.setblocking(False)
    req = text.encode().decode("unicode_escape").encode("latin-1")
    sent = nreq = 0
    pending = b""
    stalled = time.monotonic()
    while sent < maxbytes and time.monotonic() - stalled < 2:
        if not pending:
            pending = req
            nreq += 1
        try:
            n = s.send(pending)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        sent += n
        pending = pending[n:]
        stalled = time.monotonic()
    if pending:
        nreq -= 1  # partly sent: never complete
    s.settimeout(10)
    data = b""
    while data.count(b"HTTP/1.1 403") < nreq:
        try:
            b = s.recv(1 << 20)
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        data += b
    print(sent, nreq, data.count(b"HTTP/1.1 403"))


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def wait_for(cond, limit):
    deadline = time.monotonic() + limit
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.05)


def abandon(path, pid, log, port):
    base = nfds(pid)
    names = [b"/silent-close", b"/silent-pipelined", b"/silent-half", b"/silent-body"]
    ss = []
    for n in names:
        s = conn(path)
        s.sendall(b"GET http://127.0.0.1:%d%s HTTP/1.1\r\nHost: x\r\n\r\n" % (port, n))
        ss.append(s)
    ss[1].sendall(b"GET http://127.0.0.1:%d/next HTTP/1.1\r\nHost: x\r\n\r\n" % port)
    ss[2].shutdown(socket.SHUT_WR)

    def logged():
        try:
            with open(log, "rb") as f:
                text = f.read()
        except OSError:
            return False
        return all(b"GET " + n + b" " in text for n in names)
    wait_for(logged, 10)
    ss[3].settimeout(10)
    got = b""
    try:
        while not got.endswith(b"hello"):
            b = ss[3].recv(65536)
            if not b:
                break
            got += b
    except OSError:
        pass
    during = nfds(pid) - base
    for s in ss:
        s.close()
    wait_for(lambda: nfds(pid) <= base, 10)
    after = nfds(pid) - base

    def closed():
        try:
            with open(log + ".closed", "rb") as f:
                return sum(line.strip() in names for line in f)
        except OSError:
            return 0
    wait_for(lambda: closed() == len(names), 10)
    print("during %d after %d upstream-closed %d" % (during, after, closed()))


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "flood":
        flood(path, sys.argv[3], int(sys.argv[4]))
        return
    if mode == "upstream":
        upstream(path, sys.argv[3])
        return
    if mode == "abandon":
        abandon(path, int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
        return
    if mode == "half":
        s = conn(path)
        s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
        s.shutdown(socket.SHUT_WR)
        sys.stdout.write(read_all(s).decode("latin-1"))
        return
    if mode == "http":
        s = conn(path)
        s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
        sys.stdout.write(read_all(s).decode("latin-1"))
    elif mode == "socks-bind":
        socks(path, 2, 1, bytes([127, 0, 0, 1]), 80)
    elif mode == "socks-udp":
        socks(path, 3, 1, bytes([127, 0, 0, 1]), 80)
    elif mode == "socks-host":
        h = sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
        socks(path, 1, 3, bytes([len(h)]) + h, int(sys.argv[4]))
    elif mode == "socks-ipv6":
        socks(path, 1, 4, socket.inet_pton(socket.AF_INET6, "::1"), int(sys.argv[3]))


main()
