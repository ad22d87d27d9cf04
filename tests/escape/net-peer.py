#!/usr/bin/env python3
"""Servers and probes for the network escape attempts (loopback only).

Host side:
  net-peer.py upstream LOG [ADDR...]   HTTP upstream on port 0 of every ADDR (default
                                       127.0.0.1 and ::1, the same port when it can),
                                       prints the port; logs "conn ADDR" for every
                                       connection and "req METHOD TARGET host=HOST" for
                                       every request, answers 200 "upstream TARGET"
                                       (keep-alive unless Connection: close); runs until killed
  net-peer.py udp LOG ADDR             UDP listener on ADDR:0, prints the port, logs
                                       "udp <bytes>" for every datagram
In the sandbox:
  net-peer.py http PORT TEXT           send TEXT (Python escapes: \\r\\n, \\x00) to
                                       127.0.0.1:PORT, read until close or 3 s of
                                       silence, print every status line ("HTTP/...")
                                       and upstream body line in order, then
                                       "closed" or "open"
  net-peer.py socks ATYP ADDR PORT [CMD] [AUTH]
                                       SOCKS5 to 127.0.0.1:1080: ATYP 1/3/4, CMD 1/2/3,
                                       AUTH "none" or "userpass"; prints "reply N" (the
                                       REP byte) or "closed"
  net-peer.py connect HOST PORT        TCP connect: "connected" or "error ENAME"
  net-peer.py sendudp HOST PORT        one UDP datagram: "sent" or "error ENAME"
  net-peer.py dns SERVER PORT NAME     one DNS query over UDP: "answer" or "error ENAME"
                                       (or "timeout")
"""
import codecs
import errno
import os
import socket
import struct
import sys
import threading


def log(path, text):
    with open(path, "a") as f:
        f.write(text + "\n")


def ename(e):
    return errno.errorcode.get(e.errno, str(e)) if e.errno else type(e).__name__


def handle(c, addr, logpath):
    log(logpath, "conn " + addr)
    data = b""
    try:
        while True:
            while b"\r\n\r\n" not in data:
                b = c.recv(65536)
                if not b:
                    return
                data += b
            head, data = data.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            hosts = [l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("host:")]
            log(logpath, "req %s %s host=%s" % (parts[0], parts[1] if len(parts) > 1 else "?", ",".join(hosts)))
            for l in lines[1:]:
                log(logpath, "hdr " + l)
            cl = [int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:")]
            want = cl[0] if cl else 0
            while len(data) < want:
                b = c.recv(65536)
                if not b:
                    return
                data += b
            if want:
                log(logpath, "body %r" % data[:want])
            data = data[want:]
            body = ("upstream %s\n" % (parts[1] if len(parts) > 1 else "?")).encode()
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            if any(l.lower().replace(" ", "") == "connection:close" for l in lines[1:]):
                return
    except OSError:
        pass
    finally:
        c.close()


def upstream(logpath, addrs):
    addrs = addrs or ["127.0.0.1", "::1"]
    port = 0
    socks = []
    for a in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((a, port))
        s.listen(64)
        port = s.getsockname()[1]
        socks.append((s, a))
    print(port, flush=True)

    def serve(s, a):
        while True:
            c, _ = s.accept()
            threading.Thread(target=handle, args=(c, a, logpath), daemon=True).start()

    for s, a in socks[1:]:
        threading.Thread(target=serve, args=(s, a), daemon=True).start()
    serve(*socks[0])


def udp(logpath, addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    print(s.getsockname()[1], flush=True)
    while True:
        data, _ = s.recvfrom(65536)
        log(logpath, "udp %d" % len(data))


def http(port, text):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=3)
    s.sendall(codecs.decode(text, "unicode_escape").encode("latin-1"))
    data = b""
    state = "closed"
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            state = "open"
            break
        except ConnectionResetError:
            break
        if not b:
            break
        data += b
    for line in data.split(b"\n"):
        if line.startswith(b"HTTP/") or line.startswith(b"upstream "):
            print(line.rstrip(b"\r").decode("latin-1"))
    print(state)


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        b = s.recv(n - len(data))
        if not b:
            raise EOFError
        data += b
    return data


def socks(atyp, addr, port, cmd="1", auth="none"):
    atyp, cmd = int(atyp), int(cmd)
    s = socket.create_connection(("127.0.0.1", 1080), timeout=10)
    try:
        s.sendall(b"\x05\x01" + (b"\x02" if auth == "userpass" else b"\x00"))
        ver, method = recv_exact(s, 2)
        if method == 2:
            s.sendall(b"\x01\x04user\x06secret")
            recv_exact(s, 2)
        if atyp == 1:
            a = socket.inet_aton(addr)
        elif atyp == 4:
            a = socket.inet_pton(socket.AF_INET6, addr)
        else:
            a = bytes([len(addr)]) + addr.encode("latin-1")
        s.sendall(bytes([5, cmd, 0, atyp]) + a + struct.pack("!H", int(port)))
        rep = recv_exact(s, 2)
        print("reply %d" % rep[1])
    except (EOFError, ConnectionResetError):
        print("closed")


def connect(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        print("connected")
    except OSError as e:
        print("error", ename(e))
    finally:
        s.close()


def sendudp(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.sendto(b"escape attempt", (host, int(port)))
        print("sent")
    except OSError as e:
        print("error", ename(e))


def dns(server, port, name):
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00" + struct.pack("!HH", 1, 1)
    try:
        s.sendto(q, (server, int(port)))
        s.recvfrom(4096)
        print("answer")
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print("error", ename(e))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"upstream": lambda: upstream(args[0], args[1:]), "udp": lambda: udp(*args), "http": lambda: http(*args),
     "socks": lambda: socks(*args), "connect": lambda: connect(*args), "sendudp": lambda: sendudp(*args),
     "dns": lambda: dns(*args)}.get(cmd, lambda: sys.exit(__doc__))()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        os._exit(0)
