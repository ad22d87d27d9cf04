#!/usr/bin/env python3
"""Raw protocol probes for test-proxy.sh.
  proxy-raw.py http SOCK TEXT     send TEXT (\\r\\n escapes), print everything until close
  proxy-raw.py socks-bind SOCK    SOCKS5 BIND: print VER REP in hex
  proxy-raw.py socks-udp SOCK     SOCKS5 UDP ASSOCIATE
  proxy-raw.py socks-ipv6 SOCK P  SOCKS5 CONNECT [::1]:P"""
import socket
import struct
import sys


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


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "http":
        s = conn(path)
        s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
        sys.stdout.write(read_all(s).decode("latin-1"))
    elif mode == "socks-bind":
        socks(path, 2, 1, bytes([127, 0, 0, 1]), 80)
    elif mode == "socks-udp":
        socks(path, 3, 1, bytes([127, 0, 0, 1]), 80)
    elif mode == "socks-ipv6":
        socks(path, 1, 4, socket.inet_pton(socket.AF_INET6, "::1"), int(sys.argv[3]))


main()
