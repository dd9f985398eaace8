"""End-to-end: images pushed by Berth are pulled by the docker CLI, and images pushed
by Docker are pulled by Berth.

The test class starts a private dockerd (Debian's docker.io: its own data root, exec
root, pidfile and socket under a short /tmp/berth-dk-XXXXXX directory, no bridge, no
iptables) beside the usual registry and berthd. dockerd treats 127.0.0.0/8 registries
as insecure (plain HTTP) by default, so nothing is configured for the registry.
No container is ever started: `docker create` + `docker export` read an image's
flattened root filesystem without running anything.

If dockerd is missing it is installed with apt-get (tools/setup.sh installs it in CI);
if it cannot be installed or cannot start, the test fails with the reason.
"""

import io
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import tarfile

import base
from base import E2ETest, fixtures, harness

DOCKERD = "dockerd"


def docker_cli_path():
    for p in ("/usr/local/bin/docker", "/usr/bin/docker"):
        if os.path.exists(p):
            return p
    return None


def ensure_docker_installed():
    """Installs Debian's docker.io if dockerd or a docker CLI is missing; raises on failure."""
    if shutil.which(DOCKERD) and docker_cli_path():
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "docker.io"]):
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if p.returncode != 0:
            raise AssertionError("cannot install docker.io (needed for this test): %s failed:\n%s%s"
                                 % (" ".join(cmd), p.stdout, p.stderr))
    if not (shutil.which(DOCKERD) and docker_cli_path()):
        raise AssertionError("docker.io installed but dockerd or docker is still missing")


class DockerDaemon:
    """A private dockerd that leaves the machine's own Docker (if any) alone.

    Layout under <dir>: data (--data-root), exec (--exec-root), docker.sock,
    docker.pid, cli (DOCKER_CONFIG for the CLI), dockerd.log.
    """

    def __init__(self, timeout=90):
        self.dir = harness.make_tempdir("berth-dk-")
        self.data_root = os.path.join(self.dir, "data")
        self.exec_root = os.path.join(self.dir, "exec")
        self.sock = os.path.join(self.dir, "docker.sock")
        self.pidfile = os.path.join(self.dir, "docker.pid")
        self.log_path = os.path.join(self.dir, "dockerd.log")
        self.cli_config = os.path.join(self.dir, "cli")
        os.makedirs(self.cli_config)
        self.docker = docker_cli_path()
        self.env = dict(os.environ, DOCKER_HOST="unix://" + self.sock,
                        DOCKER_CONFIG=self.cli_config)
        self.env.pop("DOCKER_CONTEXT", None)
        self.env.pop("DOCKER_TLS_VERIFY", None)
        argv = [shutil.which(DOCKERD), "-H", "unix://" + self.sock,
                "--data-root", self.data_root, "--exec-root", self.exec_root,
                "--pidfile", self.pidfile, "--bridge=none", "--iptables=false"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        try:
            harness.wait_for(self._ready, timeout=timeout, interval=0.2,
                             what="dockerd socket " + self.sock)
        except (TimeoutError, RuntimeError) as e:
            log = self.log()
            self.close()
            raise AssertionError("private dockerd did not start (%s); its log:\n%s" % (e, log))

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("dockerd exited with %d" % self.proc.returncode)
        if not os.path.exists(self.sock):
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            try:
                s.connect(self.sock)
            except OSError:
                return False
        return self.cli("version", check=False)[0] == 0

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-6000:]
        except OSError:
            return ""

    def cli(self, *args, check=True, input=None, timeout=300):
        """Runs the docker CLI against this daemon; returns (rc, stdout, stderr)."""
        p = subprocess.run([self.docker] + [str(a) for a in args], input=input,
                           capture_output=True, env=self.env, timeout=timeout)
        out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
        if check and p.returncode != 0:
            raise AssertionError("docker %s failed (%d):\nstdout: %s\nstderr: %s\ndockerd log:\n%s"
                                 % (" ".join(map(str, args)), p.returncode, out, err, self.log()))
        return p.returncode, out, err

    def cli_bytes(self, *args, input=None, timeout=300):
        """Runs the docker CLI and returns its raw stdout (asserting success)."""
        p = subprocess.run([self.docker] + [str(a) for a in args], input=input,
                           capture_output=True, env=self.env, timeout=timeout)
        if p.returncode != 0:
            raise AssertionError("docker %s failed (%d): %s"
                                 % (" ".join(map(str, args)), p.returncode,
                                    p.stderr.decode(errors="replace")))
        return p.stdout

    def inspect(self, ref):
        return json.loads(self.cli("image", "inspect", ref)[1])[0]

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        harness.remove_tree_with_mounts(self.dir)


def export_rootfs(docker, ref):
    """The flattened root filesystem of `ref` as {name: TarInfo} and {name: bytes}.

    `docker create` makes a container without starting it; `docker export` writes
    its filesystem as a tar.
    """
    cid = docker.cli("create", ref)[1].strip()
    try:
        data = docker.cli_bytes("export", cid)
    finally:
        docker.cli("rm", "-f", cid, check=False)
    infos, contents = {}, {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for ti in tar:
            name = _tar_name(ti.name)
            infos[name] = ti
            if ti.isreg():
                contents[name] = tar.extractfile(ti).read()
            elif ti.islnk():  # a hardlink to an earlier entry: same content
                contents[name] = contents.get(_tar_name(ti.linkname))
    return infos, contents


def _tar_name(name):
    name = name.rstrip("/")
    return name[2:] if name.startswith("./") else name


class DockerInteropTest(E2ETest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ensure_docker_installed()
        cls.docker = DockerDaemon()
        cls.addClassCleanup(cls.docker.close)
        cls.H = cls.registry.host

    # -- Berth pushes, Docker pulls ------------------------------------------

    def test_docker_pulls_what_berth_pushed(self):
        big = 1 << 20
        image = fixtures.Image(fixtures.standard_layers("gzip", big_size=big, seed=71))
        image.push(self.reg, "interop/src", "v1")
        src = "%s/interop/src:v1" % self.H
        dst = "%s/interop/from-berth:p1" % self.H
        self.berth("pull", src)
        self.berth("tag", src, dst)
        out = self.berth("push", dst)
        pushed = [l for l in out.splitlines() if l.startswith("p1: digest: ")]
        self.assertEqual(len(pushed), 1, out)
        manifest_digest = pushed[0].split()[2]
        berth_info = self.inspect(dst)

        self.docker.cli("pull", dst)
        info = self.docker.inspect(dst)
        self.assertEqual(info["Id"], image.id)
        self.assertEqual(info["Id"], berth_info["Id"])
        self.assertEqual(info["RootFS"]["Layers"], image.diff_ids)
        self.assertEqual(info["RootFS"]["Layers"], berth_info["RootFS"]["Layers"])
        self.assertIn("%s/interop/from-berth@%s" % (self.H, manifest_digest), info["RepoDigests"])
        self.assertEqual(info["Config"]["Cmd"], ["/bin/hello"])
        self.assertEqual(info["Config"]["Labels"], {"org.berth.fixture": "yes"})

        # The layers Docker got from Berth's push, applied in order, make the
        # fixture's tree: files, modes, owners, links, whiteouts, opaque dirs.
        infos, contents = export_rootfs(self.docker, dst)
        # (Not etc/hostname: Docker's init layer puts an empty one in every container.)
        self.assertEqual(contents["etc/motd"], b"welcome 71\n")
        self.assertEqual(contents["data/big"], fixtures.random_bytes(big, 71))
        self.assertEqual((infos["data/big"].uid, infos["data/big"].gid), (1000, 1000))
        self.assertEqual(stat.S_IMODE(infos["data/big"].mode), 0o600)
        self.assertEqual(contents["bin/hello"], b"#!/bin/sh\necho hello\n")
        self.assertEqual(stat.S_IMODE(infos["bin/hello"].mode), 0o755)
        self.assertTrue(infos["bin/sh-link"].issym())
        self.assertEqual(infos["bin/sh-link"].linkname, "hello")
        self.assertEqual(contents["bin/hard"], contents["bin/hello"])
        links = {(n, _tar_name(infos[n].linkname)) for n in ("bin/hard", "bin/hello")
                 if infos[n].islnk()}
        self.assertIn(links, ({("bin/hard", "bin/hello")}, {("bin/hello", "bin/hard")}),
                      "bin/hard and bin/hello are not one file")
        self.assertEqual(stat.S_IMODE(infos["usr/bin/su"].mode), 0o4755, "setuid bit lost")
        self.assertNotIn("etc/removed", infos, "whiteout not applied")
        self.assertEqual(contents["opq/new"], b"new")
        self.assertNotIn("opq/old1", infos, "opaque directory not applied")
        self.assertNotIn("opq/old2", infos, "opaque directory not applied")

    # -- Docker pushes, Berth pulls ------------------------------------------

    def test_berth_pulls_what_docker_pushed_from_docker_load(self):
        # A `docker save`-format archive of a fixture image: Docker loads it
        # (keeping the config bytes, hence the ID), recompresses the layers
        # itself and pushes them.
        big = 1 << 20
        image = fixtures.Image(fixtures.standard_layers("gzip", big_size=big, seed=72))
        ref = "%s/interop/from-docker:load" % self.H
        self.docker.cli("load", input=docker_save_archive(image, ref))
        self.assertEqual(self.docker.inspect(ref)["Id"], image.id)
        self.docker.cli("push", ref)
        # What Docker pushed is its own gzip of each layer, not ours.
        _, manifest = self.reg.get_manifest("interop/from-docker", "load")
        manifest = json.loads(manifest)
        self.assertEqual(manifest["config"]["digest"], image.id)
        self.assertEqual(len(manifest["layers"]), 3)

        out = self.berth("pull", ref)
        self.assertPulled(out)
        info = self.inspect(ref)
        self.assertEqual(info["Id"], image.id)
        self.assertEqual(info["RootFS"]["Layers"], image.diff_ids)
        self.assertEqual(info["RootFS"]["Layers"], self.docker.inspect(ref)["RootFS"]["Layers"])
        root = self.daemon.data_root
        bigfile = base.find_file_with(root, "big", fixtures.random_bytes(big, 72))
        self.assertIsNotNone(bigfile, "data/big not extracted")
        st = os.lstat(bigfile)
        self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), (1000, 1000, 0o600))
        self.assertIsNotNone(base.find_file_with(root, "motd", b"welcome 72\n"))
        hello = base.find_file_with(root, "hello", b"#!/bin/sh\necho hello\n")
        self.assertIsNotNone(hello)
        self.assertEqual(os.lstat(os.path.join(os.path.dirname(hello), "hard")).st_ino,
                         os.lstat(hello).st_ino, "hardlink not preserved")
        self.assertTrue([p for p in base.find_named(root, "removed")
                         if stat.S_ISCHR(os.lstat(p).st_mode) and os.lstat(p).st_rdev == 0],
                        "whiteout not converted to overlay's 0/0 char device")

    def test_berth_pulls_what_docker_pushed_from_docker_import(self):
        tar = (fixtures.TarBuilder()
               .dir("imported").file("imported/note.txt", "written by docker import\n")
               .file("imported/tool", "#!/bin/sh\n", mode=0o755)
               .symlink("imported/link", "note.txt")
               .bytes())
        ref = "%s/interop/imported:v1" % self.H
        self.docker.cli("import", "--change", "CMD [\"/imported/tool\"]", "-", ref, input=tar)
        self.docker.cli("push", ref)
        dinfo = self.docker.inspect(ref)

        self.berth("pull", ref)
        info = self.inspect(ref)
        self.assertEqual(info["Id"], dinfo["Id"])
        self.assertEqual(info["RootFS"]["Layers"], [fixtures.sha256(tar)])
        self.assertEqual(info["RootFS"]["Layers"], dinfo["RootFS"]["Layers"])
        self.assertEqual(info["Config"]["Cmd"], ["/imported/tool"])
        note = base.find_file_with(self.daemon.data_root, "note.txt", b"written by docker import\n")
        self.assertIsNotNone(note)
        self.assertEqual(os.readlink(os.path.join(os.path.dirname(note), "link")), "note.txt")
        tool = os.path.join(os.path.dirname(note), "tool")
        self.assertEqual(stat.S_IMODE(os.lstat(tool).st_mode), 0o755)

        # And the round trip: Berth pushes it back under a new name, Docker
        # pulls that and sees the same image.
        back = "%s/interop/imported-back:v1" % self.H
        self.berth("tag", ref, back)
        self.berth("push", back)
        self.docker.cli("pull", back)
        self.assertEqual(self.docker.inspect(back)["Id"], dinfo["Id"])


def docker_save_archive(image, ref):
    """A `docker save` (docker-archive) tar holding `image` tagged `ref`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = fixtures.FIXED_MTIME
            tar.addfile(ti, io.BytesIO(data))

        config_name = image.id.split(":")[1] + ".json"
        add(config_name, image.config)
        layer_names = []
        for l in image.layers:
            name = "%s/layer.tar" % l.diff_id.split(":")[1]
            add(name, l.tar)
            layer_names.append(name)
        add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": [ref],
                                          "Layers": layer_names}]).encode())
    return buf.getvalue()


if __name__ == "__main__":
    base.main()
