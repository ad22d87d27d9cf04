"""In-sandbox agent for proxy-load.py: for each file REQDIR/req-N that
appears, one normal request through srt's in-sandbox bridge (the HTTP
proxy port of HTTP_PROXY), result written to OUTDIR/res-N ("200 <body>" or
"error <reason>")."""
import os
import socket
import sys
import time
import urllib.parse

reqdir, outdir, url = sys.argv[1:4]
proxy = urllib.parse.urlsplit(os.environ["HTTP_PROXY"])


def get(target):
    with socket.create_connection((proxy.hostname, proxy.port), timeout=20) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % target.encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    head, _, body = data.partition(b"\r\n\r\n")
    return "%s %s" % (head.split(b" ")[1].decode(), body.decode())


done = set()
while not os.path.exists(os.path.join(reqdir, "stop")):
    for name in os.listdir(reqdir):
        if not name.startswith("req-") or name in done:
            continue
        done.add(name)
        try:
            res = get(url + "/" + name)
        except Exception as e:  # noqa: BLE001 - any failure is the answer
            res = "error %r" % (e,)
        tmp = os.path.join(outdir, ".tmp-" + name)
        with open(tmp, "w") as f:
            f.write(res)
        os.rename(tmp, os.path.join(outdir, "res-" + name[4:]))
    time.sleep(0.05)
