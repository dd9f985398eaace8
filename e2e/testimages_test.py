"""The test images themselves (no Berth binaries): hello-world and busybox push to a real
registry and come back byte for byte, their root filesystems work under chroot, and the
docker-archive and rootfs writers produce what `docker load`/`ctr import` and crun expect."""

import json
import os
import subprocess
import tarfile
import unittest

import fixtures
import harness
import testimages


class TestImagesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.registry = harness.Registry("plain")
        cls.addClassCleanup(cls.registry.close)
        cls.client = cls.registry.client()
        cls.digests = testimages.seed(cls.client)

    def setUp(self):
        self.dir = harness.make_tempdir("berth-ti-")
        self.addCleanup(fixtures.rmtree, self.dir)

    def test_seeded_as_library_images(self):
        for name, image in (("hello-world", testimages.hello_world()),
                            ("busybox", testimages.busybox())):
            ctype, body = self.client.get_manifest("library/" + name, "latest")
            self.assertEqual(fixtures.sha256(body), self.digests[name])
            self.assertEqual(body, image.manifest)
            manifest = json.loads(body)
            config = json.loads(self.client.get_blob("library/" + name,
                                                     manifest["config"]["digest"]))
            self.assertEqual(config["architecture"], "amd64")
            self.assertEqual(config["os"], "linux")
            self.assertEqual(config["rootfs"]["diff_ids"], image.diff_ids)
        hello = json.loads(testimages.hello_world().config)["config"]
        self.assertEqual(hello["Cmd"], ["/hello"])
        bb = json.loads(testimages.busybox().config)["config"]
        self.assertEqual(bb["Cmd"], ["sh"])
        self.assertIn(testimages.PATH_ENV, bb["Env"])

    def test_builds_are_deterministic(self):
        a = testimages.busybox_tar()
        b = testimages.busybox_tar()
        self.assertEqual(fixtures.sha256(a), fixtures.sha256(b))
        self.assertEqual(testimages.compile_static(testimages.HELLO_C, "hello"),
                         testimages.compile_static(testimages.HELLO_C, "hello"))

    def test_hello_world_runs_and_greets(self):
        root = os.path.join(self.dir, "hello")
        testimages.write_rootfs(testimages.hello_world(), root)
        self.assertEqual(sorted(os.listdir(root)), ["hello"])
        p = subprocess.run(["chroot", root, "/hello"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, testimages.HELLO_TEXT)
        self.assertIn(testimages.HELLO_MARK, p.stdout)

    def test_busybox_rootfs_has_a_shell_and_users(self):
        root = os.path.join(self.dir, "bb")
        testimages.write_rootfs(testimages.busybox(), root)
        self.assertEqual(os.readlink(os.path.join(root, "bin", "sh")), "/bin/busybox")
        for tool in ("cat", "sleep", "id", "ls", "ip", "stty", "tty", "hostname", "wc"):
            self.assertTrue(os.path.islink(os.path.join(root, "bin", tool)), tool)
        self.assertEqual(os.stat(os.path.join(root, "tmp")).st_mode & 0o7777, 0o1777)
        p = subprocess.run(["chroot", root, "sh", "-c", "echo $((6*7)); id nobody; "
                            "grep -c . /etc/group"], capture_output=True, text=True,
                           env={"PATH": "/bin:/usr/sbin:/usr/bin"})
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "42")
        self.assertIn("uid=65534(nobody) gid=65534(nogroup)", lines[1])
        self.assertEqual(lines[2], "3")

    def test_config_overrides_and_extra_layers(self):
        evil = testimages.busybox(WorkingDir="/proc/self/fd/7", User="4294967296")
        cfg = json.loads(evil.config)["config"]
        self.assertEqual(cfg["WorkingDir"], "/proc/self/fd/7")
        self.assertEqual(cfg["User"], "4294967296")
        self.assertNotEqual(evil.digest, testimages.busybox().digest)
        evil.push(self.client, "e2e/evil", "latest")
        _, body = self.client.get_manifest("e2e/evil", "latest")
        self.assertEqual(body, evil.manifest)

        two = testimages.busybox_with({"/usr/local/bin/x": (b"#!/bin/sh\necho x\n", 0o755)})
        self.assertEqual(len(two.layers), 2)
        root = os.path.join(self.dir, "two")
        testimages.write_rootfs(two, root)
        p = subprocess.run(["chroot", root, "/usr/local/bin/x"], capture_output=True, text=True)
        self.assertEqual(p.stdout, "x\n")

    def test_docker_archive_layout(self):
        path = os.path.join(self.dir, "bb.tar")
        image = testimages.busybox()
        testimages.write_docker_archive(image, "docker.io/library/busybox:latest", path)
        with tarfile.open(path) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
            self.assertEqual(manifest[0]["RepoTags"], ["docker.io/library/busybox:latest"])
            config = tar.extractfile(manifest[0]["Config"]).read()
            self.assertEqual(config, image.config)
            layer = tar.extractfile(manifest[0]["Layers"][0]).read()
            self.assertEqual(fixtures.sha256(layer), image.diff_ids[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
