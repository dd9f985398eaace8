"""The project's own test images: `hello-world` and `busybox`, built without Docker.

hello-world: one layer holding /hello, a static binary compiled here from HELLO_C with
  `gcc -static -Os -s`; Cmd ["/hello"].
busybox: one layer holding Debian's busybox-static as /bin/busybox plus the symlinks of
  `busybox --install -s`, /etc/passwd (root, nobody), /etc/group, and the usual empty
  directories; Cmd ["sh"].

Both are deterministic (fixed mtimes, sorted entries), so rebuilding gives the same
digests. Builds are cached per process. Also here: a docker-archive writer (for `ctr image
import` and `docker load`), a rootfs writer (for an OCI bundle), images with arbitrary
config fields (hostile WorkingDir/User), and `seed(client)`, which pushes both images as
library/hello-world:latest and library/busybox:latest.
"""

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import fixtures

BUSYBOX = "/bin/busybox"  # Debian's busybox-static
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CREATED = "2024-01-01T00:00:00Z"

HELLO_TEXT = """
Hello from Berth!
This message shows that your installation appears to be working correctly.

To generate this message, Berth took the following steps:
 1. The berth client contacted the berthd daemon.
 2. berthd pulled the "hello-world" image from the registry (here a local mirror
    of Docker Hub, so no network was needed).
 3. berthd created a new container from that image, and the container's shim
    started the program that printed this message.
 4. The shim streamed this output to berthd, which sent it to the berth client,
    which sent it to your terminal.

To try something more ambitious, you can run a shell with:
 $ berth run -it busybox sh
"""

# The greeting's first line, for tests.
HELLO_MARK = "Hello from Berth!"


def _c_string(text):
    return "".join('"%s\\n"\n' % l.replace("\\", "\\\\").replace('"', '\\"')
                   for l in text.split("\n")[:-1])


HELLO_C = """/* hello-world for Berth: prints a greeting and exits 0. */
#include <unistd.h>

static const char kMessage[] =
%s;

int main(void) {
  const char* p = kMessage;
  size_t left = sizeof(kMessage) - 1;
  while (left > 0) {
    ssize_t n = write(1, p, left);
    if (n <= 0) return 1;
    p += n;
    left -= (size_t)n;
  }
  return 0;
}
""" % _c_string(HELLO_TEXT)

PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
          "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
GROUP = "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n"

_cache = {}


def compile_static(source, name, workdir=None):
    """Compiles C `source` with gcc -static -Os -s; returns the binary's bytes."""
    d = workdir or tempfile.mkdtemp(prefix="berth-cc-", dir="/tmp")
    try:
        src = os.path.join(d, name + ".c")
        out = os.path.join(d, name)
        with open(src, "w") as f:
            f.write(source)
        p = subprocess.run(["gcc", "-static", "-Os", "-s", "-o", out, src],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("gcc failed for %s: %s" % (name, p.stderr))
        with open(out, "rb") as f:
            return f.read()
    finally:
        if workdir is None:
            shutil.rmtree(d, ignore_errors=True)


def ensure_busybox():
    if not os.access(BUSYBOX, os.X_OK):
        raise RuntimeError("%s missing: apt-get install busybox-static (tools/setup.sh does)"
                           % BUSYBOX)
    with open(BUSYBOX, "rb") as f:
        head = f.read(4096)
    if b"ld-linux" in head:  # a PT_INTERP path: dynamically linked
        raise RuntimeError("%s is dynamically linked; install busybox-static" % BUSYBOX)


def busybox_applets():
    """Applet install paths as `busybox --list-full` prints them (e.g. "bin/sh")."""
    out = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(set(l.strip() for l in out.splitlines() if l.strip()))


def busybox_tar(extra_files=None):
    """The busybox layer as tar bytes. extra_files: {path: (bytes, mode)} added at the end."""
    ensure_busybox()
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    t = fixtures.TarBuilder()
    for d, mode in (("bin", 0o755), ("dev", 0o755), ("etc", 0o755), ("home", 0o755),
                    ("proc", 0o555), ("root", 0o700), ("sys", 0o555), ("tmp", 0o1777),
                    ("usr", 0o755), ("usr/bin", 0o755), ("usr/sbin", 0o755), ("sbin", 0o755),
                    ("var", 0o755), ("var/spool", 0o755), ("var/spool/mail", 0o755),
                    ("var/www", 0o755)):
        t.dir(d, mode=mode)
    t.file("bin/busybox", bb, mode=0o755)
    # Like `busybox --install -s DIR/bin`: every applet a symlink to /bin/busybox, all in /bin.
    names = sorted(set(os.path.basename(a) for a in busybox_applets()))
    for n in names:
        if n != "busybox":
            t.symlink("bin/" + n, "/bin/busybox")
    t.file("etc/passwd", PASSWD)
    t.file("etc/group", GROUP)
    t.file("etc/shadow", "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n", mode=0o640)
    for path, (data, mode) in sorted((extra_files or {}).items()):
        parts = path.strip("/").split("/")
        t.file("/".join(parts), data, mode=mode)
    return t.bytes()


class ConfigImage(fixtures.Image):
    """fixtures.Image whose config section is `config` verbatim (any Docker config field)."""

    def __init__(self, layers, config, oci=False):
        super().__init__(layers, oci=oci, cmd=config.get("Cmd") or ["sh"],
                         env=config.get("Env") or [PATH_ENV], labels={}, created=CREATED)
        full = json.loads(self.config)
        full["config"] = dict(config)
        full["history"] = [{"created": CREATED, "created_by": "berth test image layer %d" % i}
                           for i in range(len(self.layers))]
        self.config = json.dumps(full, sort_keys=True).encode()
        self.config_digest = fixtures.sha256(self.config)
        manifest = json.loads(self.manifest)
        manifest["config"]["digest"] = self.config_digest
        manifest["config"]["size"] = len(self.config)
        self.manifest = json.dumps(manifest, indent=3).encode()
        self.digest = fixtures.sha256(self.manifest)
        self.id = self.config_digest


def hello_world():
    """The hello-world image (cached)."""
    if "hello" not in _cache:
        binary = compile_static(HELLO_C, "hello")
        t = fixtures.TarBuilder()
        t.file("hello", binary, mode=0o755)
        _cache["hello"] = ConfigImage([fixtures.Layer(t.bytes(), "gzip")],
                                      {"Env": [PATH_ENV], "Cmd": ["/hello"]})
    return _cache["hello"]


def busybox_layer():
    if "bblayer" not in _cache:
        _cache["bblayer"] = fixtures.Layer(busybox_tar(), "gzip")
    return _cache["bblayer"]


def busybox(**config):
    """The busybox image; keyword arguments override config fields (e.g. WorkingDir=...)."""
    cfg = {"Env": [PATH_ENV], "Cmd": ["sh"]}
    cfg.update(config)
    key = "bb" + json.dumps(cfg, sort_keys=True)
    if key not in _cache:
        _cache[key] = ConfigImage([busybox_layer()], cfg)
    return _cache[key]


def busybox_with(files, **config):
    """busybox plus a second layer holding `files` {path: (bytes, mode)}."""
    t = fixtures.TarBuilder()
    made = set()
    for path, (data, mode) in sorted(files.items()):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in made:
                t.dir(d)
                made.add(d)
        t.file("/".join(parts), data, mode=mode)
    cfg = {"Env": [PATH_ENV], "Cmd": ["sh"]}
    cfg.update(config)
    return ConfigImage([busybox_layer(), fixtures.Layer(t.bytes(), "gzip")], cfg)


def seed(client, images=("hello-world", "busybox")):
    """Pushes the test images as library/<name>:latest; returns {name: manifest digest}."""
    out = {}
    for name in images:
        image = {"hello-world": hello_world, "busybox": busybox}[name]()
        out[name] = image.push(client, "library/" + name, "latest")
    return out


def write_docker_archive(image, repo_tag, path):
    """Writes `image` as a `docker save` tar (uncompressed layers) tagged `repo_tag`."""
    with tarfile.open(path, "w") as tar:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = fixtures.FIXED_MTIME
            tar.addfile(ti, io.BytesIO(data))
        layer_names = []
        for l in image.layers:
            hexd = l.diff_id.split(":")[1]
            add(hexd + "/layer.tar", l.tar)
            layer_names.append(hexd + "/layer.tar")
        config_name = image.config_digest.split(":")[1] + ".json"
        add(config_name, image.config)
        add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": [repo_tag],
                                          "Layers": layer_names}]).encode())
        add("repositories", json.dumps({repo_tag.rsplit(":", 1)[0]: {
            repo_tag.rsplit(":", 1)[1]: layer_names[-1].split("/")[0]}}).encode())


def write_rootfs(image, dest):
    """Extracts `image`'s layers into `dest` (no whiteouts expected in test images)."""
    os.makedirs(dest, exist_ok=True)
    for l in image.layers:
        with tarfile.open(fileobj=io.BytesIO(l.tar)) as tar:
            tar.extractall(dest, numeric_owner=True)
