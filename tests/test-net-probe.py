#!/usr/bin/env python3
"""Probes and tiny servers for test-net.sh (loopback only).
  test-net-probe.py connect HOST PORT    direct TCP connect: "connected" or "error <ENAME>"
  test-net-probe.py raw PORT TEXT        send TEXT (\\r\\n escapes) to 127.0.0.1:PORT, print the
                                         first response line (or "closed")
  test-net-probe.py listen ADDR LOG      listen on ADDR:0, print the port, append "conn" to LOG
                                         for every connection; runs until killed
  test-net-probe.py silent ADDR LOG      like listen, but keeps each connection without answering;
                                         appends "closed" to LOG when the peer closes it
  test-net-probe.py bind PORT            try to take PORT over (127.0.0.1 and [::], SO_REUSEADDR and
                                         SO_REUSEPORT): "bound" or "error <ENAME>" for each
  test-net-probe.py abandon PORT URL     send "GET URL" to the HTTP proxy on 127.0.0.1:PORT, print
                                         "open", close it after 2 s without reading, print "closed"
  test-net-probe.py half PORT TEXT       send TEXT (\\r\\n escapes) to 127.0.0.1:PORT, shut the write
                                         side, print everything that comes back until EOF
  test-net-probe.py slow ADDR            an HTTP server on ADDR:0 (port printed) whose answer's head
                                         comes at once, its body in two parts 2.5 s apart
  test-net-probe.py extproxy LOG         an "external" HTTP proxy and SOCKS5 server on 127.0.0.1:
                                         print "HTTP SOCKS" ports; both answer every request
                                         themselves ("external <kind> <target>") and log it
  test-net-probe.py cc PORT              connect to 127.0.0.1:PORT and print the congestion control
                                         of the accepting side's socket (as `ss -ti` shows it)"""
import errno
import os
import socket
import struct
import subprocess
import sys
import threading
import time


def connect(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        print("connected")
    except OSError as e:
        print("error", errno.errorcode.get(e.errno, str(e)))
    finally:
        s.close()


def raw(port, text):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    s.sendall(text.encode().decode("unicode_escape").encode("latin-1"))
    data = b""
    while b"\n" not in data:
        try:
            b = s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        data += b
    line = data.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
    print(line if line else "closed")


def log(path, text):
    with open(path, "a") as f:
        f.write(text + "\n")


def serve(sock, handler):
    while True:
        c, _ = sock.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()


def listening(addr):
    """A listener on ADDR:0; its port printed on stdout."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.listen(16)
    print(s.getsockname()[1], flush=True)
    return s


def listen(addr, logpath):
    def h(c):
        log(logpath, "conn")
        c.close()

    serve(listening(addr), h)


def silent(addr, logpath):
    def h(c):
        log(logpath, "conn")
        while c.recv(4096):
            pass
        log(logpath, "closed")
        c.close()

    serve(listening(addr), h)


def bind(port):
    out = []
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            s.bind((addr, int(port)))
            s.listen(1)
            out.append("bound")
        except OSError as e:
            out.append("error " + errno.errorcode.get(e.errno, str(e)))
        s.close()
    print(" ".join(out))


def abandon(port, url):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % url.encode())
    print("open", flush=True)
    time.sleep(2)
    s.close()
    print("closed", flush=True)


CONGESTION_CONTROLS = {"reno", "cubic", "bbr", "bbr2", "dctcp", "vegas", "westwood", "htcp", "bic",
                       "highspeed", "hybla", "illinois", "lp", "nv", "scalable", "veno", "yeah", "cdg"}


def cc(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    found = "none"
    for _ in range(50):  # until the accepting side's socket is listed
        out = subprocess.run(["ss", "-Htin", "state", "established", "( sport = :%s )" % port],
                             capture_output=True, text=True, check=True).stdout.split()
        found = next((w for w in out if w in CONGESTION_CONTROLS), "none")
        if found != "none":
            break
        time.sleep(0.1)
    print(found)
    s.close()


def half(port, text):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=20)
    s.sendall(text.encode().decode("unicode_escape").encode("latin-1"))
    s.shutdown(socket.SHUT_WR)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (socket.timeout, ConnectionResetError) as e:
        data += ("\n[%s]" % e.__class__.__name__).encode()
    sys.stdout.write(data.decode("latin-1"))


def slow(addr):
    def h(c):
        if "\r\n\r\n" not in read_head(c):
            return
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nfirst ")
        time.sleep(2.5)
        c.sendall(b"second")
        c.close()

    serve(listening(addr), h)


def recv_exact(c, n):
    data = b""
    while len(data) < n:
        b = c.recv(n - len(data))
        if not b:
            raise EOFError
        data += b
    return data


def read_head(c):
    data = b""
    while b"\r\n\r\n" not in data:
        b = c.recv(4096)
        if not b:
            break
        data += b
    return data.decode("latin-1")


def answer(c, body):
    body = (body + "\n").encode()
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


def extproxy(logpath):
    hs = socket.socket()
    hs.bind(("127.0.0.1", 0))
    hs.listen(16)
    ss = socket.socket()
    ss.bind(("127.0.0.1", 0))
    ss.listen(16)

    def http(c):
        try:
            head = read_head(c)
            line = head.split("\r\n", 1)[0]
            log(logpath, "http " + line)
            answer(c, "external http " + line.split(" ")[1] if " " in line else "?")
        finally:
            c.close()

    def socks(c):
        try:
            ver, n = recv_exact(c, 2)
            recv_exact(c, n)
            c.sendall(b"\x05\x00")
            ver, cmd, _, atyp = recv_exact(c, 4)
            if atyp == 3:
                host = recv_exact(c, recv_exact(c, 1)[0]).decode()
            elif atyp == 1:
                host = socket.inet_ntoa(recv_exact(c, 4))
            else:
                host = socket.inet_ntop(socket.AF_INET6, recv_exact(c, 16))
            port = struct.unpack("!H", recv_exact(c, 2))[0]
            log(logpath, "socks %s:%d" % (host, port))
            c.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
            line = read_head(c).split("\r\n", 1)[0]
            answer(c, "external socks %s:%d %s" % (host, port, line))
        except (EOFError, OSError):
            pass
        finally:
            c.close()

    # One write: the test reads the file as soon as it is not empty.
    sys.stdout.write("%d %d\n" % (hs.getsockname()[1], ss.getsockname()[1]))
    sys.stdout.flush()
    threading.Thread(target=serve, args=(ss, socks), daemon=True).start()
    serve(hs, http)


def main():
    modes = {"connect": connect, "raw": raw, "listen": listen, "silent": silent, "bind": bind,
             "abandon": abandon, "half": half, "slow": slow, "extproxy": extproxy, "cc": cc}
    if len(sys.argv) < 2 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    modes[sys.argv[1]](*sys.argv[2:])

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        os._exit(0)
