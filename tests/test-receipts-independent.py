#!/usr/bin/env python3
"""Receipts verify without srt: every line with Python's nacl and with the
openssl command line (Ed25519, PEM public key), over canonical bytes this
test rebuilds itself; the chain links and the start receipt's hashes are
recomputed here too."""
import base64
import hashlib
import json
import os
import subprocess

from receipts_common import (Tap, canonical, need_nacl, public_raw, read_lines, run, secret_seed,
                             sha256_hex, tempdir)

need_nacl()
import nacl.exceptions  # noqa: E402
import nacl.signing  # noqa: E402

t = Tap()
base = tempdir()
key = os.path.join(base, "k")
pub = key + ".pub"
d = os.path.join(base, "receipts")

# A command with everything JSON escaping cares about: quotes, backslash,
# tab, a control character, non-ASCII, an emoji, and a byte that is not UTF-8.
command = "printf 'caf\u00e9 \"q\" \\\\ \t\x01 \U0001F600' ".encode() + b"\xff"
rc, _, err = run("keygen", key)
t.ok(rc == 0, "keygen", err)
rc, _, err = run("write", d, key, 3, command)
t.ok(rc == 0, "write receipts", err)
rc, _, err = run("write", d, key, 2, "second run", "loop")
t.ok(rc == 0, "a second run through the event loop continues the chain", err)
lines = read_lines(d)
t.ok(len(lines) == 11, "11 receipts (6 + 5)", len(lines))

# The key files are standard: openssl derives the same public key.
p = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], capture_output=True)
t.ok(p.returncode == 0 and p.stdout == open(pub, "rb").read(),
     "openssl reads the secret key and derives FILE.pub", p.stderr)
verify_key = nacl.signing.VerifyKey(public_raw(pub))
t.ok(nacl.signing.SigningKey(secret_seed(key)).verify_key.encode() == public_raw(pub),
     "nacl: the secret seed and the public key belong together")


def openssl_verify(msg, sig):
    mf, sf = os.path.join(base, "msg"), os.path.join(base, "sig")
    with open(mf, "wb") as f:
        f.write(msg)
    with open(sf, "wb") as f:
        f.write(sig)
    p = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin",
                        "-in", mf, "-sigfile", sf], capture_output=True)
    return p.returncode == 0 and b"Signature Verified Successfully" in p.stdout


prev = "0" * 64
all_ok = {"canonical": True, "nacl": True, "openssl": True, "prev": True, "seq": True}
for i, line in enumerate(lines):
    obj = json.loads(line)
    all_ok["canonical"] &= canonical(obj) == line       # the file itself is canonical
    sig = base64.b64decode(obj.pop("sig"))
    msg = canonical(obj)
    try:
        verify_key.verify(msg, sig)
    except nacl.exceptions.BadSignatureError:
        all_ok["nacl"] = False
    all_ok["openssl"] &= openssl_verify(msg, sig)
    all_ok["prev"] &= obj["prev"] == prev
    all_ok["seq"] &= obj["seq"] == i + 1 and obj["v"] == 1
    prev = sha256_hex(msg)
t.ok(all_ok["canonical"], "every stored line is already RFC 8785 canonical JSON")
t.ok(all_ok["nacl"], "nacl verifies every signature")
t.ok(all_ok["openssl"], "openssl pkeyutl -verify -rawin verifies every signature")
t.ok(all_ok["prev"], "prev is the SHA-256 of the previous receipt's signed bytes (zeros first)")
t.ok(all_ok["seq"], "seq counts 1, 2, 3, ... and v is 1")

# The checks above can fail: a one-byte change is refused by both.
obj = json.loads(lines[1])
sig = base64.b64decode(obj.pop("sig"))
obj["event"]["port"] += 1
t.ok(not openssl_verify(canonical(obj), sig), "openssl refuses an altered receipt")
try:
    verify_key.verify(canonical(obj), sig)
    t.ok(False, "nacl refuses an altered receipt")
except nacl.exceptions.BadSignatureError:
    t.ok(True, "nacl refuses an altered receipt")

# Ed25519 is deterministic: openssl signing the same bytes gives the same sig.
obj = json.loads(lines[0])
sig = base64.b64decode(obj.pop("sig"))
with open(os.path.join(base, "msg0"), "wb") as f:
    f.write(canonical(obj))
p = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in",
                    os.path.join(base, "msg0")], capture_output=True)
t.ok(p.returncode == 0 and p.stdout == sig, "openssl signs the canonical bytes to the same sig")

# What the start receipt says, recomputed from what the driver passed.
start = json.loads(lines[0])["event"]
cmd_text = command.decode("utf-8", "replace")
t.ok(start["type"] == "start" and start["command"] == cmd_text,
     "start: the command, escaped and with invalid UTF-8 as U+FFFD", start.get("command"))
words = ["--new-session", "--die-with-parent", "--", "bash", "-c"]
argv_bytes = b"".join(w.encode() + b"\0" for w in words) + command + b"\0"
t.ok(start["bwrap_argv_sha256"] == hashlib.sha256(argv_bytes).hexdigest(),
     "start: bwrap_argv_sha256 is SHA-256 of the words, each followed by NUL")
t.ok(start["seccomp_sha256"] == sha256_hex(bytes([0x20, 0, 0, 0, 4, 0, 0, 0])),
     "start: seccomp_sha256 is SHA-256 of the filter program")
t.ok(start["settings_sha256"] == sha256_hex(b'{"network":{"allowedDomains":[]}}'),
     "start: settings_sha256 is SHA-256 of the normalised settings")
t.ok(start["mandatory_deny"] == ["/home/u/.bashrc", "/home/u/.git/hooks"],
     "start: the mandatory-deny list")
events = [json.loads(l)["event"] for l in lines]
t.ok([e["type"] for e in events[:6]] == ["start", "network", "network", "network", "control", "exit"],
     "event order of one run", [e["type"] for e in events])
net = events[1]
t.ok(net == {"type": "network", "run": start["run"], "host": "\u00e9vil.example", "port": 443,
             "protocol": "socks5", "verdict": "deny", "rule": None, "reason": None},
     "network receipt fields", net)
t.ok(events[5]["duration_ms"] == 1250 and events[5]["status"] == 0 and events[5]["signal"] == 0,
     "exit receipt fields", events[5])
t.ok(events[6]["run"] != start["run"] and events[6]["type"] == "start",
     "the second run has its own run id")
ts_ok = all(len(json.loads(l)["ts"]) == 24 and json.loads(l)["ts"].endswith("Z") for l in lines)
t.ok(ts_ok, "ts is RFC 3339 UTC with milliseconds")

subprocess.run(["rm", "-rf", base])
t.done()
