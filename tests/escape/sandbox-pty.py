# Runs a command (srt) as the session leader of a fresh pseudo-terminal,
# the way an interactive shell would, copies its output to stdout, and
# after it exits reports what sits unread in the terminal's input queue:
# "injected=none", or "injected=<bytes>" when something was pushed in with
# TIOCSTI (it would be read by the user's shell as typed input).
import fcntl
import os
import select
import sys
import termios

master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(slave)
    os.execvp(sys.argv[1], sys.argv[1:])

out = b""
status = None
while True:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        out += data
        if data:
            continue
    if status is not None:
        break
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
attrs = termios.tcgetattr(slave)
attrs[3] &= ~(termios.ICANON | termios.ECHO)
attrs[6][termios.VMIN] = 0
attrs[6][termios.VTIME] = 0
termios.tcsetattr(slave, termios.TCSANOW, attrs)
queued = os.read(slave, 4096)
print("injected=" + (repr(queued) if queued else "none"))
print("status=%d" % os.waitstatus_to_exitcode(status))
