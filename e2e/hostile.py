"""Hostile layers: each must make a pull fail with a clear error, commit nothing and
write nothing outside the daemon's data root.

Every case writes (or tries to write) files whose names start with "pwned", aiming at
`outside`, a directory the test creates and then checks is still empty; the test also
checks that no "pwned*" name appears anywhere under the data root.
"""

import gzip
import hashlib
import io
import os
import tarfile

import fixtures
from fixtures import Layer, TarBuilder

UP = "../" * 24  # enough ".." to reach / from any depth


def _hostile(outside):
    """(name, tar bytes, keywords any of which the error should mention) per case."""
    o = outside.lstrip("/")
    cases = [
        ("dotdot", TarBuilder().file("ok", "x").file("../pwned-dotdot", "x").bytes(),
         ("escape", "..", "not allowed", "invalid", "outside")),
        ("dotdot-deep", TarBuilder().dir("a").file("a/../../" + UP + o + "/pwned-deep", "x").bytes(),
         ("escape", "..", "not allowed", "invalid", "outside")),
        ("absolute", TarBuilder().file(outside + "/pwned-abs", "x").bytes(),
         ("absolute", "escape", "not allowed", "invalid", "outside")),
        ("symlink-escape", TarBuilder().symlink("esc", UP + o).file("esc/pwned-symlink", "x").bytes(),
         ("escape", "symlink", "not allowed", "outside", "invalid")),
        ("symlink-two-hop", TarBuilder().symlink("hop1", "hop2").symlink("hop2", UP + o)
         .dir("d").file("hop1/pwned-twohop", "x").bytes(),
         ("escape", "symlink", "not allowed", "outside", "invalid")),
        ("symlink-abs-escape", TarBuilder().symlink("abs", outside).file("abs/pwned-abs-link", "x").bytes(),
         ("escape", "symlink", "not allowed", "outside", "invalid")),
        ("hardlink-outside", TarBuilder().hardlink("pwned-hardlink", UP + "etc/passwd").bytes(),
         ("hardlink", "link", "escape", "not allowed", "outside", "invalid")),
        ("hardlink-via-symlink", TarBuilder().symlink("etcdir", "/etc")
         .hardlink("pwned-hardlink2", "etcdir/passwd").bytes(),
         ("hardlink", "link", "escape", "not allowed", "outside", "invalid")),
        ("device-node", TarBuilder().dir("dev").device("dev/pwned-null", 1, 3).bytes(),
         ("device",)),
        ("bad-whiteout", TarBuilder().dir("d").file("d/.wh...", "").bytes(),
         ("whiteout",)),
        ("bad-whiteout-meta", TarBuilder().dir("d").file("d/.wh..wh.pwned", "").bytes(),
         ("whiteout",)),
        ("trusted-xattr", TarBuilder().file("pwned-xattr", "x", pax={
            "SCHILY.xattr.trusted.overlay.opaque": "y"}).bytes(),
         ("xattr", "trusted")),
    ]
    return cases


def corrupt_tar():
    """A tar whose first header checksum is wrong."""
    tar = bytearray(TarBuilder(format=tarfile.USTAR_FORMAT).file("pwned-corrupt", "x" * 600).bytes())
    tar[148:156] = b"0000000\0"  # checksum field
    return bytes(tar)


def hostile_layers(outside):
    """[(name, Layer, keywords)] for every hostile case, gzip-compressed."""
    out = [(name, Layer(tar, "gzip"), kw) for name, tar, kw in _hostile(outside)]
    good = TarBuilder().file("pwned-truncated", os.urandom(256 << 10)).bytes()
    gz = gzip.compress(good, mtime=0)
    out.append(("truncated-gzip", Layer(good, "gzip", blob=gz[: len(gz) // 2]),
                ("eof", "truncat", "unexpected", "gzip", "corrupt", "data loss")))
    bad = corrupt_tar()
    out.append(("corrupt-tar", Layer(bad, "gzip"),
                ("tar", "header", "checksum", "corrupt", "damaged", "invalid", "archive")))
    out.append(("corrupt-gzip", Layer(b"x", "gzip", blob=b"\x1f\x8b\x08\x00" + os.urandom(4096)),
                ("gzip", "corrupt", "invalid", "inflate", "data loss", "header")))
    return out


class _ZeroReader(io.RawIOBase):
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


class _HashingWriter(io.RawIOBase):
    def __init__(self, inner):
        self.inner = inner
        self.h = hashlib.sha256()

    def writable(self):
        return True

    def write(self, b):
        self.h.update(b)
        return self.inner.write(b)


_BOMBS = {}


def gzip_bomb(size=None):
    """One file of `size` zero bytes (default $BERTH_E2E_BOMB_GIB GiB, 2), gzip -9: ~1000:1."""
    if size is None:
        size = int(float(os.environ.get("BERTH_E2E_BOMB_GIB", "2")) * (1 << 30))
    if size not in _BOMBS:
        buf = io.BytesIO()
        gz = gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0)
        hw = _HashingWriter(gz)
        with tarfile.open(fileobj=hw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            ti = tarfile.TarInfo("pwned-bomb")
            ti.size = size
            ti.mtime = fixtures.FIXED_MTIME
            tar.addfile(ti, io.BufferedReader(_ZeroReader(size), 1 << 20))
        gz.close()
        blob = buf.getvalue()
        _BOMBS[size] = Layer(b"", "gzip", blob=blob, diff_id="sha256:" + hw.h.hexdigest())
    return _BOMBS[size]


def find_pwned(root):
    """Paths under `root` whose name starts with "pwned"."""
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            if n.startswith("pwned"):
                hits.append(os.path.join(dirpath, n))
    return hits
