"""Generates the benchmark image once and caches it under /var/tmp/berth-bench/.

Layout of the cache: image-<version>/blobs/<hex> (config and gzip layers),
image-<version>/config.json and image-<version>/manifest.json (Docker v2 schema 2),
the manifest written last so that its presence marks a complete cache.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile

from benchlib import MT_CONFIG, MT_LAYER, MT_MANIFEST, die, log

CACHE_DIR = "/var/tmp/berth-bench"
IMAGE_VERSION = "v1"  # bump when the generated image changes

# Trees copied into each big layer: the first that exists of each group.
BIG_TREES = [
    ["/usr/share/locale", "/usr/share/doc", "/usr/lib/python3"],
    ["/usr/share/perl", "/usr/lib/x86_64-linux-gnu/perl", "/usr/share/perl5",
     "/usr/lib/python3", "/usr/lib/python3.11"],
]
RANDOM_BYTES = 20 << 20
# Top up each big layer with more trees until it holds at least this much.
BIG_LAYER_MIN = 200 << 20
TOP_UP_TREES = ["/usr/lib/x86_64-linux-gnu/perl", "/usr/share/perl5", "/usr/lib/python3",
                "/usr/share/doc", "/usr/share/man", "/usr/share/i18n"]


class HashingWriter:
    """File-like sink that hashes what passes through and forwards it to `inner`."""

    def __init__(self, inner):
        self.inner = inner
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, b):
        self.sha.update(b)
        self.size += len(b)
        return self.inner.write(b)

    def flush(self):
        pass


def _root_owned(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    if not (ti.isfile() or ti.isdir() or ti.issym() or ti.islnk()):
        return None  # no devices, fifos or sockets in a benchmark layer
    return ti


def tree_size(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            total += st.st_size
    return total


def big_layer_trees():
    trees = []
    for group in BIG_TREES:
        for t in group:
            if os.path.isdir(t) and t not in trees:
                trees.append(t)
                break
    size = sum(tree_size(t) for t in trees)
    for t in TOP_UP_TREES:
        if size + RANDOM_BYTES >= BIG_LAYER_MIN:
            break
        if os.path.isdir(t) and not any(t.startswith(x + "/") or t == x for x in trees):
            trees.append(t)
            size += tree_size(t)
    return trees


def write_layer(path, build):
    """Writes a gzip (level 6) tar built by build(tarfile); returns (diff_id, digest, size)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            hw = HashingWriter(gz)
            with tarfile.open(fileobj=hw, mode="w|", format=tarfile.PAX_FORMAT) as tf:
                build(tf)
    sha = hashlib.sha256()
    with open(tmp, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    digest = "sha256:" + sha.hexdigest()
    final = os.path.join(os.path.dirname(path), sha.hexdigest())
    os.replace(tmp, final)
    return "sha256:" + hw.sha.hexdigest(), digest, os.path.getsize(final), hw.size


def add_bytes(tf, name, data, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    ti.mtime = 1700000000
    tf.addfile(ti, io.BytesIO(data))


def add_dir(tf, name):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = 0o755
    ti.mtime = 1700000000
    tf.addfile(ti)


def small_layer(tf):
    for d in ("bin", "etc", "tmp", "root", "usr", "usr/bin", "var"):
        add_dir(tf, d)
    busybox = "/bin/busybox"
    if os.path.isfile(busybox) and os.path.getsize(busybox) < (4 << 20):
        with open(busybox, "rb") as f:
            add_bytes(tf, "bin/busybox", f.read(), 0o755)
    else:
        add_bytes(tf, "bin/busybox", os.urandom(1 << 20), 0o755)
    for applet in ("sh", "ls", "cat", "true", "echo", "tar"):
        ti = tarfile.TarInfo("bin/" + applet)
        ti.type = tarfile.SYMTYPE
        ti.linkname = "busybox"
        ti.mtime = 1700000000
        tf.addfile(ti)
    add_bytes(tf, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    add_bytes(tf, "etc/group", b"root:x:0:\n")
    add_bytes(tf, "etc/hostname", b"bench\n")


def big_layer(index, trees):
    def build(tf):
        top = "data%d" % index
        add_dir(tf, top)
        for t in trees:
            tf.add(t, arcname=top + t, recursive=True, filter=_root_owned)
        add_bytes(tf, "%s/random.bin" % top, os.urandom(RANDOM_BYTES))
    return build


def generate_image():
    """Returns the cached image dir: blobs/<hex>, manifest.json, config.json."""
    d = os.path.join(CACHE_DIR, "image-" + IMAGE_VERSION)
    if os.path.exists(os.path.join(d, "manifest.json")):
        return d
    blobs = os.path.join(d, "blobs")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(blobs)
    trees = big_layer_trees()
    log("generating the benchmark image in %s (once; big layers from %s)" % (d, ", ".join(trees)))
    builders = [("busybox-like small layer", small_layer)]
    for i in (1, 2, 3):
        builders.append(("copy of %s and %d MB of random bytes" % (" ".join(trees), RANDOM_BYTES >> 20),
                         big_layer(i, trees)))
    # Two cores: build the layers in two forked workers.
    results = {}
    pending = list(enumerate(builders))
    procs = {}
    while pending or procs:
        while pending and len(procs) < 2:
            i, (_, build) = pending.pop(0)
            rfd, wfd = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(rfd)
                code = 0
                try:
                    out = write_layer(os.path.join(blobs, "layer%d" % i), build)
                    os.write(wfd, json.dumps(out).encode())
                except BaseException as e:  # report and exit the child whatever happens
                    os.write(wfd, json.dumps({"error": repr(e)}).encode())
                    code = 1
                os._exit(code)
            os.close(wfd)
            procs[pid] = (i, rfd)
        pid, status = os.wait()
        i, rfd = procs.pop(pid)
        with os.fdopen(rfd, "rb") as f:
            out = json.loads(f.read() or b'{"error": "no output"}')
        if isinstance(out, dict):
            die("building layer %d: %s" % (i, out["error"]))
        results[i] = out
        log("layer %d: %s, %.1f MB compressed, %.1f MB tar" % (i, out[1][:19], out[2] / 1e6, out[3] / 1e6))
    created = "2026-01-01T00:00:00Z"
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [results[i][0] for i in range(len(builders))]},
        "history": [{"created": created, "created_by": "berth-bench: " + builders[i][0]}
                    for i in range(len(builders))],
    }
    config_bytes = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    config_hex = hashlib.sha256(config_bytes).hexdigest()
    with open(os.path.join(blobs, config_hex), "wb") as f:
        f.write(config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "size": len(config_bytes),
                   "digest": "sha256:" + config_hex},
        "layers": [{"mediaType": MT_LAYER, "size": results[i][2], "digest": results[i][1]}
                   for i in range(len(builders))],
    }
    with open(os.path.join(d, "config.json"), "wb") as f:
        f.write(config_bytes)
    tmp = os.path.join(d, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=3)
    os.replace(tmp, os.path.join(d, "manifest.json"))  # written last: marks the cache complete
    return d

