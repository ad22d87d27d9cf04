#!/usr/bin/env python3
"""Both ends of the relay tests (test-relay.sh).

  relay-peer.py server PORTFILE FILE RESULTDIR
      127.0.0.1:0, port written to PORTFILE.  Per connection, by first bytes:
      "GET "   HTTP: answers FILE (Content-Length), keep-alive honoured
      "POST "  HTTP: reads the Content-Length body, answers its sha256
      "SINK\\n" reads until EOF, answers "<bytes> <sha256>\\n", closes
      "FIRST\\n" sends "bye\\n", shuts its sending side, reads until EOF and
               writes what came to RESULTDIR/first
  relay-peer.py sink http|socks SOCK PORT NBYTES
      CONNECT (HTTP proxy) or SOCKS5 CONNECT to 127.0.0.1:PORT through the
      proxy's Unix socket, sends SINK + NBYTES random bytes, shuts its sending
      side, prints "<bytes> <sha256>" of what it sent, then the answer.
  relay-peer.py first http|socks SOCK PORT
      as above with FIRST: prints what came before EOF, then sends "after\\n"."""
import hashlib, os, socket, socketserver, struct, sys


def read_until_eof(s):
    h, n = hashlib.sha256(), 0
    while True:
        b = s.recv(1 << 20)
        if not b:
            return n, h.hexdigest()
        h.update(b)
        n += len(b)


def read_head(f):
    lines = []
    while True:
        line = f.readline()
        if not line or line in (b"\r\n", b"\n"):
            return lines
        lines.append(line.decode().strip())


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        first = s.recv(5, socket.MSG_PEEK | socket.MSG_WAITALL)
        if first.startswith(b"SINK"):
            s.recv(5)
            n, h = read_until_eof(s)
            s.sendall(b"%d %s\n" % (n, h.encode()))
            return
        if first.startswith(b"FIRST"):
            s.recv(6)
            s.sendall(b"bye\n")
            s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            with open(os.path.join(self.server.resultdir, "first"), "wb") as f:
                f.write(data)
            return
        f = s.makefile("rb")
        while True:
            head = read_head(f)
            if not head:
                return
            hdr = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in head[1:] if ":" in l}
            close = hdr.get("connection", "").lower() == "close"
            if head[0].startswith("POST"):
                body = f.read(int(hdr.get("content-length", "0")))
                ans = hashlib.sha256(body).hexdigest().encode() + b"\n"
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(ans), ans))
            else:
                size = os.path.getsize(self.server.file)
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          b"Content-Length: %d\r\n\r\n" % size)
                with open(self.server.file, "rb") as src:
                    s.sendfile(src)
            if close:
                return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def proxy_connect(kind, path, port):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    if kind == "http":
        s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (port, port))
        head = b""
        while b"\r\n\r\n" not in head:
            b = s.recv(1)
            if not b:
                sys.exit("proxy closed during CONNECT")
            head += b
        if not head.startswith(b"HTTP/1.1 200"):
            sys.exit("CONNECT refused: %r" % head)
    else:
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            sys.exit("SOCKS greeting refused")
        s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", port))
        r = b""
        while len(r) < 10:
            r += s.recv(10 - len(r))
        if r[1] != 0:
            sys.exit("SOCKS CONNECT refused: %d" % r[1])
    return s


def main():
    mode = sys.argv[1]
    if mode == "server":
        srv = Server(("127.0.0.1", 0), Handler)
        srv.file, srv.resultdir = sys.argv[3], sys.argv[4]
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])
        srv.serve_forever()
    kind, path, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
    s = proxy_connect(kind, path, port)
    if mode == "sink":
        n = int(sys.argv[5])
        h = hashlib.sha256()
        s.sendall(b"SINK\n")
        left = n
        while left:
            b = os.urandom(min(left, 1 << 20))
            h.update(b)
            s.sendall(b)
            left -= len(b)
        s.shutdown(socket.SHUT_WR)
        print("%d %s" % (n, h.hexdigest()))
        ans = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            ans += b
        sys.stdout.write(ans.decode())
    elif mode == "first":
        s.sendall(b"FIRST\n")
        got = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
        sys.stdout.write(got.decode())
        s.sendall(b"after\n")
        s.shutdown(socket.SHUT_WR)
        s.recv(1)  # until the relay closes


main()
