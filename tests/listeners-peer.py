#!/usr/bin/env python3
"""srt's side of apply-seccomp --proxy-listeners, for test-seccomp-common.sh.

  listeners-peer.py PORTS ARGV...

Makes a SOCK_SEQPACKET socket pair, runs ARGV with the word "@FD@" replaced
by the number of the child's end (passed on, nothing else is), closes that
end here and prints, as key=value lines: what came over the socket (the
ports in the payload, how many descriptors, and for each whether it is a
listening TCP socket and on which port), then accepts one connection on
each listener (a command inside connects and sends its port) and prints
what it read; finally ARGV's exit status and output."""
import os
import select
import socket
import struct
import subprocess
import sys

ports = [int(p) for p in sys.argv[1].split(",")]
mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
argv = [a.replace("@FD@", str(theirs.fileno())) for a in sys.argv[2:]]
child = subprocess.Popen(argv, pass_fds=[theirs.fileno()], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
theirs.close()

r, _, _ = select.select([mine], [], [], 30)
fds = []
if r:
    msg, fds, flags, _ = socket.recv_fds(mine, 64, 8)
    if msg or fds:
        print("payload=%s" % ",".join(str(p) for p in struct.unpack("=%dH" % (len(msg) // 2), msg)))
    else:
        print("payload=none (end of file)")
    print("fds=%d" % len(fds))
else:
    print("payload=timeout")
mine.close()
for fd, port in zip(fds, ports):
    s = socket.socket(fileno=fd)
    listening = s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    tcp = s.type == socket.SOCK_STREAM and s.family in (socket.AF_INET, socket.AF_INET6)
    print("listener-%d=%s %s port %d" % (port, "listening" if listening else "not listening",
                                        "tcp" if tcp else "not tcp", s.getsockname()[1]))
    s.settimeout(30)
    try:
        c, _ = s.accept()
        c.settimeout(30)
        print("accepted-%d=%s" % (port, c.recv(100).decode(errors="replace").strip()))
        c.close()
    except OSError as e:
        print("accepted-%d=error %s" % (port, e))
    s.close()
out = child.communicate(timeout=60)[0].decode(errors="replace")
print("status=%d" % child.returncode)
for line in out.splitlines():
    print("out=" + line)
