"""Helpers shared by the receipts tests: TAP output, the module driver,
key files, canonical JSON as the tests reconstruct it themselves."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def need_nacl():
    """PyNaCl comes from Debian's python3-nacl; a python3 earlier on PATH
    (pyenv, venv) may not see it, so re-run under the system one."""
    try:
        import nacl.signing  # noqa: F401
        return
    except ImportError:
        pass
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system) \
            and not os.environ.get("SRT_RECEIPTS_REEXEC"):
        os.environ["SRT_RECEIPTS_REEXEC"] = "1"
        os.execv(system, [system] + sys.argv)
    print("not ok 1 - python3-nacl is importable (install python3-nacl)")
    print("1..1")
    sys.exit(1)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        print(("ok" if cond else "not ok") + " %d - %s" % (self.n, name))
        if not cond:
            self.failed += 1
            if detail:
                for line in str(detail).splitlines():
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def tool():
    build = os.environ.get("SRT_TEST_BUILDDIR")
    if not build:
        sys.exit("SRT_TEST_BUILDDIR is not set (run through make check)")
    return os.path.join(build, "receipts-tool")


def run(*args):
    """Run the driver; returns (exit code, stdout, stderr)."""
    p = subprocess.run([tool()] + [a if isinstance(a, bytes) else str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def tempdir():
    d = tempfile.mkdtemp(prefix="srt-test-receipts.")
    os.chmod(d, 0o755)
    return d


def pem_der(path):
    lines = open(path).read().strip().splitlines()
    return base64.b64decode("".join(l for l in lines if not l.startswith("-----")))


def public_raw(pub_path):
    der = pem_der(pub_path)
    assert der[:12] == bytes.fromhex("302a300506032b6570032100"), "not an Ed25519 SPKI"
    return der[12:]


def secret_seed(key_path):
    der = pem_der(key_path)
    assert der[:16] == bytes.fromhex("302e020100300506032b657004220420"), "not Ed25519 PKCS#8"
    return der[16:]


def canonical(obj):
    """RFC 8785 for what receipts hold (strings, integers, booleans, null,
    arrays, objects with ASCII keys)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def read_lines(directory):
    with open(os.path.join(directory, "receipts.jsonl"), "rb") as f:
        return f.read().split(b"\n")[:-1]


def write_lines(directory, lines, trailing_newline=True):
    with open(os.path.join(directory, "receipts.jsonl"), "wb") as f:
        f.write(b"\n".join(lines) + (b"\n" if trailing_newline and lines else b""))


def sign_line(obj, seed):
    """Sign obj (without sig) with the real key, as a forger holding it would."""
    import nacl.signing
    obj = dict(obj)
    obj.pop("sig", None)
    sig = nacl.signing.SigningKey(seed).sign(canonical(obj)).signature
    obj["sig"] = base64.b64encode(sig).decode()
    return canonical(obj)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()
