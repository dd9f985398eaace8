"""Fixture images for Berth e2e tests, built without Docker.

Layers are tar streams written with `tarfile`, compressed with gzip (Python), zstd
(the `zstd` CLI) or left as plain tar. Image configs and Docker v2s2 / OCI manifests
and indexes are built as JSON and pushed to a registry over plain HTTP with
RegistryClient (POST + PUT uploads, PUT manifest; Basic and Bearer auth handled).
Hostile layers (hostile.py) and faulty proxies (proxies.py) live beside this file.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tarfile
import urllib.error
import urllib.parse
import urllib.request

import harness

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = {"none": "application/vnd.oci.image.layer.v1.tar",
             "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
             "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}

FIXED_MTIME = 1700000000


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# Tar layers


class TarBuilder:
    """Builds one layer's tar stream in memory; entries in the order they are added."""

    def __init__(self, format=tarfile.PAX_FORMAT):
        self._buf = io.BytesIO()
        self._tar = tarfile.open(fileobj=self._buf, mode="w", format=format)
        self._attrs = {}  # name -> (mode, uid, gid), for hardlink headers

    def _info(self, name, type, mode, uid=0, gid=0, pax=None):
        ti = tarfile.TarInfo(name)
        ti.type = type
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.mtime = FIXED_MTIME
        if pax:
            ti.pax_headers = dict(pax)
        return ti

    def dir(self, name, mode=0o755, **kw):
        self._tar.addfile(self._info(name, tarfile.DIRTYPE, mode, **kw))
        return self

    def file(self, name, data=b"", mode=0o644, **kw):
        if isinstance(data, str):
            data = data.encode()
        ti = self._info(name, tarfile.REGTYPE, mode, **kw)
        self._attrs[name] = (ti.mode, ti.uid, ti.gid)
        ti.size = len(data)
        self._tar.addfile(ti, io.BytesIO(data))
        return self

    def symlink(self, name, target, **kw):
        ti = self._info(name, tarfile.SYMTYPE, 0o777, **kw)
        ti.linkname = target
        self._tar.addfile(ti)
        return self

    def hardlink(self, name, target, **kw):
        # As tar and Go's archive/tar write them: the link header carries the
        # linked file's mode and owner (extractors apply them to the inode).
        mode, uid, gid = self._attrs.get(target, (0o644, 0, 0))
        kw.setdefault("uid", uid)
        kw.setdefault("gid", gid)
        ti = self._info(name, tarfile.LNKTYPE, mode, **kw)
        ti.linkname = target
        self._tar.addfile(ti)
        return self

    def device(self, name, major=1, minor=3, char=True):
        ti = self._info(name, tarfile.CHRTYPE if char else tarfile.BLKTYPE, 0o666)
        ti.devmajor, ti.devminor = major, minor
        self._tar.addfile(ti)
        return self

    def fifo(self, name):
        self._tar.addfile(self._info(name, tarfile.FIFOTYPE, 0o644))
        return self

    def whiteout(self, path):
        """Deletes `path` from lower layers (`dir/.wh.name`)."""
        d, base = os.path.split(path)
        return self.file(os.path.join(d, ".wh." + base) if d else ".wh." + base)

    def opaque(self, dir):
        """Hides everything lower layers had in `dir` (`dir/.wh..wh..opq`)."""
        return self.file(os.path.join(dir, ".wh..wh..opq"))

    def bytes(self):
        self._tar.close()
        return self._buf.getvalue()


def compress(tar_bytes, compression):
    if compression == "none":
        return tar_bytes
    if compression == "gzip":
        return gzip.compress(tar_bytes, compresslevel=6, mtime=0)
    if compression == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=tar_bytes,
                              capture_output=True, check=True).stdout
    raise ValueError(compression)


class Layer:
    """A layer blob: `tar` (uncompressed, its sha256 is the diff_id) and `blob` (as pushed)."""

    def __init__(self, tar_bytes, compression="gzip", blob=None, diff_id=None):
        self.tar = tar_bytes
        self.compression = compression
        self.blob = blob if blob is not None else compress(tar_bytes, compression)
        self.diff_id = diff_id or sha256(tar_bytes)
        self.digest = sha256(self.blob)
        self.size = len(self.blob)


def random_bytes(n, seed=1):
    return random.Random(seed).randbytes(n)


def standard_layers(compression="gzip", big_size=4 << 20, seed=1):
    """Three layers exercising files, symlinks, hardlinks, setuid, whiteouts and opaque dirs.

    After applying all three, the rootfs holds:
      /etc/hostname "berth\\n", /etc/motd (from layer 3), /bin/hello (0755),
      /bin/sh-link -> hello, /bin/hard (hardlink of /bin/hello), /usr/bin/su (04755),
      /data/big (big_size random bytes), /opq/new only (opq/old1, opq/old2 hidden),
      /etc/removed deleted (whiteout in layer 2).
    """
    l1 = (TarBuilder()
          .dir("etc").file("etc/hostname", "berth\n").file("etc/removed", "gone soon\n")
          .dir("bin").file("bin/hello", "#!/bin/sh\necho hello\n", mode=0o755)
          .symlink("bin/sh-link", "hello").hardlink("bin/hard", "bin/hello")
          .dir("usr").dir("usr/bin").file("usr/bin/su", "setuid\n", mode=0o4755)
          .dir("opq").file("opq/old1", "1").file("opq/old2", "2")
          .bytes())
    l2 = (TarBuilder()
          .dir("data").file("data/big", random_bytes(big_size, seed), mode=0o600, uid=1000, gid=1000)
          .dir("etc").whiteout("etc/removed")
          .bytes())
    l3 = (TarBuilder()
          .dir("etc").file("etc/motd", "welcome %d\n" % seed)
          .dir("opq").opaque("opq").file("opq/new", "new")
          .bytes())
    return [Layer(t, compression) for t in (l1, l2, l3)]


# ---------------------------------------------------------------------------
# Images


class Image:
    """An image: layers, config, manifest. `oci` picks OCI media types over Docker's."""

    def __init__(self, layers, oci=False, arch="amd64", os_="linux", variant=None,
                 cmd=("/bin/hello",), env=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",),
                 labels=None, created="2024-01-02T03:04:05Z"):
        self.layers = list(layers)
        self.oci = oci
        self.arch, self.os, self.variant = arch, os_, variant
        config = {
            "created": created,
            "architecture": arch,
            "os": os_,
            "config": {"Env": list(env), "Cmd": list(cmd), "WorkingDir": "/",
                       "Labels": dict({"org.berth.fixture": "yes"} if labels is None else labels)},
            "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in self.layers]},
            "history": [{"created": created, "created_by": "berth-e2e layer %d" % i,
                         "comment": "fixture"} for i in range(len(self.layers))]
            + [{"created": created, "created_by": "CMD %s" % json.dumps(list(cmd)),
                "empty_layer": True}],
        }
        if variant:
            config["variant"] = variant
        self.config = json.dumps(config, sort_keys=True).encode()
        self.config_digest = sha256(self.config)
        if oci:
            manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                        "config": {"mediaType": OCI_CONFIG, "digest": self.config_digest,
                                   "size": len(self.config)},
                        "layers": [{"mediaType": OCI_LAYER[l.compression], "digest": l.digest,
                                    "size": l.size} for l in self.layers]}
        else:
            for l in self.layers:
                if l.compression != "gzip":
                    raise ValueError("Docker v2s2 layers are gzip; use oci=True")
            manifest = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
                        "config": {"mediaType": DOCKER_CONFIG, "digest": self.config_digest,
                                   "size": len(self.config)},
                        "layers": [{"mediaType": DOCKER_LAYER_GZIP, "digest": l.digest,
                                    "size": l.size} for l in self.layers]}
        self.media_type = manifest["mediaType"]
        self.manifest = json.dumps(manifest, indent=3).encode()
        self.digest = sha256(self.manifest)
        self.id = self.config_digest  # Docker's image ID

    @property
    def diff_ids(self):
        return [l.diff_id for l in self.layers]

    def push(self, client, repo, tag="latest"):
        """Pushes blobs, config and manifest; returns the manifest digest."""
        for l in self.layers:
            client.push_blob(repo, l.blob)
        client.push_blob(repo, self.config)
        client.put_manifest(repo, tag, self.manifest, self.media_type)
        return self.digest


class ImageIndex:
    """A manifest list (Docker) or OCI index over platform images."""

    def __init__(self, images, oci=False):
        self.images = list(images)
        entries = []
        for im in self.images:
            platform = {"architecture": im.arch, "os": im.os}
            if im.variant:
                platform["variant"] = im.variant
            entries.append({"mediaType": im.media_type, "digest": im.digest,
                            "size": len(im.manifest), "platform": platform})
        self.media_type = OCI_INDEX if oci else DOCKER_LIST
        self.manifest = json.dumps({"schemaVersion": 2, "mediaType": self.media_type,
                                    "manifests": entries}, indent=3).encode()
        self.digest = sha256(self.manifest)

    def image(self, arch):
        return next(im for im in self.images if im.arch == arch)

    def push(self, client, repo, tag="latest"):
        for im in self.images:
            im.push(client, repo, im.digest)
        client.put_manifest(repo, tag, self.manifest, self.media_type)
        return self.digest


def multiarch(compression="gzip", oci=False):
    """linux/amd64 + linux/arm64/v8, with different content so the pick is visible."""
    amd = Image(standard_layers(compression, big_size=64 << 10, seed=11), oci=oci, arch="amd64")
    arm_layer = Layer(TarBuilder().dir("etc").file("etc/arch", "arm64\n").bytes(), compression)
    arm = Image([arm_layer], oci=oci, arch="arm64", variant="v8")
    return ImageIndex([arm, amd], oci=oci)


# ---------------------------------------------------------------------------
# Registry client


class RegistryError(Exception):
    def __init__(self, code, body):
        super().__init__("HTTP %d: %s" % (code, body[:500]))
        self.code = code
        self.body = body


class RegistryClient:
    """Just enough of the distribution API to push fixtures and read them back."""

    def __init__(self, url, user=None, password=None):
        self.url = url.rstrip("/")
        self.user, self.password = user, password
        self._tokens = {}
        self._challenge = None  # WWW-Authenticate of GET /v2/, once known

    def _basic(self):
        raw = ("%s:%s" % (self.user, self.password)).encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _bearer(self, challenge, scope):
        params = dict(p.split("=", 1) for p in
                      (x.strip() for x in challenge[len("Bearer "):].split(",")) if "=" in p)
        params = {k: v.strip('"') for k, v in params.items()}
        scope = params.get("scope") or scope
        if scope in self._tokens:
            return self._tokens[scope]
        q = {"service": params.get("service", "")}
        if scope:
            q["scope"] = scope
        req = urllib.request.Request(params["realm"] + "?" + urllib.parse.urlencode(q))
        if self.user:
            req.add_header("Authorization", self._basic())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            raise RegistryError(e.code, e.read().decode(errors="replace"))
        tok = "Bearer " + (body.get("token") or body["access_token"])
        self._tokens[scope] = tok
        return tok

    def _preauth(self, scope):
        """Authorization to send up front, so request bodies are never refused mid-way."""
        if self._challenge is None:
            try:
                urllib.request.urlopen(self.url + "/v2/", timeout=30).close()
                self._challenge = ""
            except urllib.error.HTTPError as e:
                self._challenge = e.headers.get("WWW-Authenticate", "") if e.code == 401 else ""
        if self._challenge.startswith("Basic ") and self.user:
            return self._basic()
        if self._challenge.startswith("Bearer ") and scope:
            return self._bearer(self._challenge, scope)
        return None

    def request(self, method, path, data=None, headers=None, repo=None, actions="pull,push"):
        """Returns (status, headers, body); follows the auth challenge once."""
        url = path if path.startswith("http") else self.url + path
        scope = "repository:%s:%s" % (repo, actions) if repo else ""
        auth = self._preauth(scope)
        for attempt in range(2):
            req = urllib.request.Request(url, data=data, method=method)
            for k, v in (headers or {}).items():
                req.add_header(k, v)
            if auth:
                req.add_header("Authorization", auth)
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    return r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                body = e.read()
                if e.code == 401 and attempt == 0:
                    ch = e.headers.get("WWW-Authenticate", "")
                    if ch.startswith("Bearer "):
                        auth = self._bearer(ch, scope)
                        continue
                    if ch.startswith("Basic ") and self.user:
                        auth = self._basic()
                        continue
                raise RegistryError(e.code, body.decode(errors="replace"))

    def blob_exists(self, repo, digest):
        try:
            self.request("HEAD", "/v2/%s/blobs/%s" % (repo, digest), repo=repo)
            return True
        except RegistryError as e:
            if e.code == 404:
                return False
            raise

    def push_blob(self, repo, data):
        digest = sha256(data)
        if self.blob_exists(repo, digest):
            return digest
        _, h, _ = self.request("POST", "/v2/%s/blobs/uploads/" % repo, data=b"", repo=repo)
        loc = h["Location"]
        if not loc.startswith("http"):
            loc = self.url + loc
        sep = "&" if "?" in loc else "?"
        self.request("PUT", loc + sep + "digest=" + urllib.parse.quote(digest), data=data,
                     headers={"Content-Type": "application/octet-stream"}, repo=repo)
        return digest

    def put_manifest(self, repo, ref, body, media_type):
        _, h, _ = self.request("PUT", "/v2/%s/manifests/%s" % (repo, ref), data=body,
                               headers={"Content-Type": media_type}, repo=repo)
        return h.get("Docker-Content-Digest")

    def get_manifest(self, repo, ref, accept=None):
        accept = accept or ", ".join([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST])
        _, h, body = self.request("GET", "/v2/%s/manifests/%s" % (repo, ref),
                                  headers={"Accept": accept}, repo=repo, actions="pull")
        return h.get("Content-Type"), body

    def get_blob(self, repo, digest):
        return self.request("GET", "/v2/%s/blobs/%s" % (repo, digest), repo=repo, actions="pull")[2]

    def delete_manifest(self, repo, digest):
        self.request("DELETE", "/v2/%s/manifests/%s" % (repo, digest), repo=repo, actions="*")


# ---------------------------------------------------------------------------
# Images written by other tools


def push_umoci_image(registry, repo, tag="latest", workdir=None):
    """Writes an OCI layout with umoci (init/new/unpack/repack) and copies it in with skopeo.

    The image holds /umoci/hello.txt ("written by umoci\\n") and /umoci/link -> hello.txt.
    Returns the workdir. (Not `umoci insert`: Debian's umoci 0.4.7 writes that layer's
    tar without its final padding and end-of-archive blocks, which GNU tar rejects too.)
    """
    workdir = workdir or harness.make_tempdir("berth-umoci-")
    layout = os.path.join(workdir, "layout")
    bundle = os.path.join(workdir, "bundle")
    image = layout + ":" + tag
    harness.run(["umoci", "init", "--layout", layout])
    harness.run(["umoci", "new", "--image", image])
    harness.run(["umoci", "unpack", "--image", image, bundle])
    os.makedirs(os.path.join(bundle, "rootfs", "umoci"))
    with open(os.path.join(bundle, "rootfs", "umoci", "hello.txt"), "w") as f:
        f.write("written by umoci\n")
    os.symlink("hello.txt", os.path.join(bundle, "rootfs", "umoci", "link"))
    harness.run(["umoci", "repack", "--image", image, bundle])
    harness.run(["umoci", "config", "--image", image, "--config.cmd", "/bin/true"])
    skopeo_copy("oci:" + image, "docker://%s/%s:%s" % (registry.host, repo, tag),
                registry=registry)
    return workdir


def skopeo_copy(src, dst, registry=None, extra=()):
    """`skopeo copy SRC DST`, plain HTTP for docker:// ends, credentials from `registry`."""
    cmd = ["skopeo", "copy", "--quiet"]
    creds = None
    if registry is not None and registry.mode != "plain":
        creds = "%s:%s" % next(iter(registry.users.items()))
    if src.startswith("docker://"):
        cmd.append("--src-tls-verify=false")
        if creds:
            cmd += ["--src-creds", creds]
    if dst.startswith("docker://"):
        cmd.append("--dest-tls-verify=false")
        if creds:
            cmd += ["--dest-creds", creds]
    cmd += list(extra) + [src, dst]
    return harness.run(cmd, timeout=600)


def skopeo_inspect(registry, repo, tag="latest", raw=False):
    cmd = ["skopeo", "inspect", "--tls-verify=false"]
    if raw:
        cmd.append("--raw")
    if registry.mode != "plain":
        user, pw = next(iter(registry.users.items()))
        cmd += ["--creds", "%s:%s" % (user, pw)]
    cmd.append("docker://%s/%s:%s" % (registry.host, repo, tag))
    return json.loads(harness.run(cmd)[1])


def read_dir_copy(dirpath):
    """Reads a `skopeo copy ... dir:PATH` result: (manifest dict, {digest: bytes path})."""
    with open(os.path.join(dirpath, "manifest.json")) as f:
        manifest = json.load(f)
    return manifest


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)
