#!/usr/bin/env python3
"""srt verify finds every kind of tampering and names the first bad line:
an edited field, a removed line, swapped lines, a forged line (other key,
unsigned), a broken prev link, a repeated seq, a truncated file."""
import json
import os
import shutil
import subprocess

from receipts_common import (Tap, canonical, need_nacl, read_lines, run, secret_seed,
                             sha256_hex, sign_line, tempdir, write_lines)

need_nacl()
t = Tap()
base = tempdir()
key = os.path.join(base, "k")
other = os.path.join(base, "other")
pub = key + ".pub"
orig = os.path.join(base, "orig")

rc, _, err = run("keygen", key)
t.ok(rc == 0, "keygen", err)
rc, _, err = run("keygen", other)
t.ok(rc == 0, "keygen a second key", err)
rc, _, err = run("write", orig, key, 4)   # start, 4 network, control, exit
t.ok(rc == 0, "write 7 receipts", err)
rc, out, err = run("write", os.path.join(base, "foreign"), other, 1)
t.ok(rc == 0, "write receipts with the other key", err)
LINES = read_lines(orig)
FOREIGN = read_lines(os.path.join(base, "foreign"))
SEED = secret_seed(key)
t.ok(len(LINES) == 7, "7 lines", len(LINES))

rc, out, err = run("verify", orig, pub)
t.ok(rc == 0 and out.startswith("7 receipts verified (seq 1 at ") and "… seq 7 at " in out,
     "intact chain verifies", out + err)

case_n = 0


def case(name, lines, want, trailing_newline=True, raw=None):
    """Write a tampered copy and expect verify to fail naming `want`."""
    global case_n
    case_n += 1
    d = os.path.join(base, "case%d" % case_n)
    shutil.copytree(orig, d)
    if raw is not None:
        with open(os.path.join(d, "receipts.jsonl"), "wb") as f:
            f.write(raw)
    else:
        write_lines(d, lines, trailing_newline)
    rc, out, err = run("verify", d, pub)
    t.ok(rc == 1 and want in err, name, "rc=%d\nstdout: %s\nstderr: %s\nwant: %s" % (rc, out, err, want))


def edit(i, fn):
    obj = json.loads(LINES[i])
    fn(obj)
    lines = list(LINES)
    lines[i] = canonical(obj)
    return lines


def set_event(key_, value):
    def fn(o):
        o["event"][key_] = value
    return fn


# Line 3 is network event #2: an allowed connection.  Flip its verdict.
case("edited verdict", edit(2, set_event("verdict", "deny")), "line 3 (seq 3): bad signature")
case("edited host", edit(1, set_event("host", "harmless.example")), "line 2 (seq 2): bad signature")
case("edited timestamp", edit(4, lambda o: o.update(ts="2000-01-01T00:00:00.000Z")),
     "line 5 (seq 5): bad signature")
case("edited exit status", edit(6, set_event("status", 0 + 1)), "line 7 (seq 7): bad signature")
case("edited seq", edit(3, lambda o: o.update(seq=40)), "line 4 (seq 40): bad signature")
case("edited sig", edit(3, lambda o: o.update(sig=json.loads(LINES[2])["sig"])),
     "line 4 (seq 4): bad signature")
case("removed sig", edit(3, lambda o: o.pop("sig")), "line 4: not a receipt")
case("removed middle line", LINES[:3] + LINES[4:], "line 4 (seq 5): out of sequence, expected seq 4")
case("removed first line", LINES[1:], "line 1 (seq 2): out of sequence, expected seq 1")
case("swapped lines", [LINES[0], LINES[2], LINES[1]] + LINES[3:],
     "line 2 (seq 3): out of sequence")
case("reversed file", LINES[::-1], "line 1 (seq 7): out of sequence")
case("duplicated line", LINES[:3] + [LINES[2]] + LINES[3:], "line 4 (seq 3): out of sequence")
case("inserted line signed with another key", LINES[:2] + [FOREIGN[0]] + LINES[2:],
     "line 3 (seq 1): bad signature")
unsigned = json.loads(LINES[1])
del unsigned["sig"]
case("inserted unsigned line", LINES[:2] + [canonical(unsigned)] + LINES[2:], "line 3: not a receipt")
case("appended garbage", LINES + [b"hello"], "line 8: not a receipt")
# The same receipt written differently (spaces, a duplicate key, an escaped
# character) is not what srt wrote, even where the signature would match.
case("line with extra spaces", LINES[:3] + [LINES[3].replace(b'":', b'": ')] + LINES[4:],
     "line 4: not a receipt (not in canonical form")
dup = LINES[3][:-1] + b',"v":1}'
case("line with a duplicate key", LINES[:3] + [dup] + LINES[4:], "line 4: not a receipt")
case("line with a needless escape", LINES[:1] + [LINES[1].replace(b"\xc3\xa9", b"\\u00e9")] + LINES[2:],
     "line 2: not a receipt (not in canonical form")
case("blank line", LINES[:2] + [b""] + LINES[2:], "line 3: not a receipt")

# A forger holding the key can re-sign, but each link is still checked:
bad_prev = json.loads(LINES[3])
bad_prev["prev"] = "0" * 64
case("re-signed line with a broken prev link", LINES[:3] + [sign_line(bad_prev, SEED)] + LINES[4:],
     "line 4 (seq 4): prev does not match")
same_seq = json.loads(LINES[3])
same_seq["seq"] = 3
case("re-signed line with a repeated seq", LINES[:3] + [sign_line(same_seq, SEED)] + LINES[4:],
     "line 4 (seq 3): out of sequence")
extra = json.loads(LINES[3])
extra["note"] = "x"
case("re-signed line with an extra field", LINES[:3] + [sign_line(extra, SEED)] + LINES[4:],
     "line 4: not a receipt")

data = b"\n".join(LINES) + b"\n"
case("truncated last line", None, "line 7: truncated", raw=data[:-20])
case("last newline removed", None, "line 7: truncated", raw=data[:-1])
cut = len(b"\n".join(LINES[:3])) + 1 + 30
case("truncated in the middle of line 4", None, "line 4: truncated", raw=data[:cut])
case("empty file", None, "no receipts", raw=b"")

# Re-signing the whole edited chain with the real key verifies: this shows
# the canonical bytes Python builds are exactly the ones srt signs.
forged, prev = [], "0" * 64
for i, line in enumerate(LINES):
    o = json.loads(line)
    if i == 2:
        o["event"]["verdict"] = "deny"
    o["prev"] = prev
    signed = sign_line(o, SEED)
    o = json.loads(signed)
    del o["sig"]
    prev = sha256_hex(canonical(o))
    forged.append(signed)
d = os.path.join(base, "resigned")
shutil.copytree(orig, d)
write_lines(d, forged)
rc, out, err = run("verify", d, pub)
t.ok(rc == 0 and out.startswith("7 receipts verified"),
     "a chain re-signed by Python with the key verifies (same canonical bytes)", out + err)
rc, out, err = run("verify", d, os.path.join(base, "other.pub"))
t.ok(rc == 1 and "line 1 (seq 1): bad signature" in err, "but not with another public key", err)

# The writer refuses to continue a damaged chain rather than extend it.
d = os.path.join(base, "case-writer")
shutil.copytree(orig, d)
with open(os.path.join(d, "receipts.jsonl"), "wb") as f:
    f.write(data[:-20])
rc, _, err = run("write", d, key, 1)
t.ok(rc == 1 and "incomplete" in err, "writer refuses a truncated chain", err)

subprocess.run(["rm", "-rf", base])
t.done()
