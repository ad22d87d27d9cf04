#!/usr/bin/env python3
"""Client side of bench/tunnels.sh, run inside the sandbox.

    tunnels.py DIR PROXY_PORT TARGET_PORT N

Opens N connections to the in-sandbox HTTP proxy at once, CONNECTs each
to 127.0.0.1:TARGET_PORT (a net-upstream, echo mode), sends "ECHO <i>"
and waits for it back.  Phases are files in DIR so the host side can
count srt's descriptors in between: waits for DIR/go, writes DIR/held
("ok=<n> fail=<n>") with every tunnel open, waits for DIR/release,
closes all, writes DIR/closed, waits for DIR/exit."""
import base64, os, resource, selectors, socket, sys, time, urllib.parse

d, pport, tport, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
# The original srt puts per-run credentials into HTTP_PROXY: send them.
auth = b""
u = urllib.parse.urlsplit(os.environ.get("HTTP_PROXY", ""))
if u.username:
    cred = urllib.parse.unquote(u.username) + ":" + urllib.parse.unquote(u.password or "")
    auth = b"Proxy-Authorization: Basic " + base64.b64encode(cred.encode()) + b"\r\n"
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def wait_for(name, limit=120):
    end = time.time() + limit
    while not os.path.exists(os.path.join(d, name)):
        if time.time() > end:
            sys.exit(f"tunnels.py: no {name} from the host side")
        time.sleep(0.01)


def write(name, text=""):
    with open(os.path.join(d, name + ".tmp"), "w") as f:
        f.write(text)
    os.rename(os.path.join(d, name + ".tmp"), os.path.join(d, name))


write("ready")
wait_for("go")
sel = selectors.DefaultSelector()
state = {}  # sock -> [stage, inbuf, i]; stage 0 connecting, 1 wait 200, 2 wait echo
ok = fail = 0
first_error = None
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", pport))
    state[s] = [0, b"", i]
    sel.register(s, selectors.EVENT_WRITE)
deadline = time.time() + 60
pending = n
while pending and time.time() < deadline:
    for key, ev in sel.select(timeout=1):
        s = key.fileobj
        st = state[s]
        try:
            if st[0] == 0:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
                s.send(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (tport, tport, auth))
                st[0] = 1
                sel.modify(s, selectors.EVENT_READ)
                continue
            data = s.recv(4096)
            if not data:
                raise OSError("closed")
            st[1] += data
            if st[0] == 1 and b"\r\n\r\n" in st[1]:
                head, st[1] = st[1].split(b"\r\n\r\n", 1)
                if not head.startswith(b"HTTP/1.1 200"):
                    raise OSError("refused: " + head.decode(errors="replace"))
                s.send(b"ECHO %d\n" % st[2])
                st[0] = 2
            if st[0] == 2 and st[1] == b"ECHO %d\n" % st[2]:
                ok += 1
                pending -= 1
                st[0] = 3
                sel.unregister(s)
        except OSError as e:
            first_error = first_error or str(e)
            fail += 1
            pending -= 1
            st[0] = 3
            sel.unregister(s)
fail += pending
write("held", f"ok={ok} fail={fail}" + (f" (first error: {first_error})" if first_error else ""))
wait_for("release")
for s in state:
    s.close()
write("closed")
wait_for("exit")
