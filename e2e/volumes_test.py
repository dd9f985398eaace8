"""Anonymous and named local volumes end to end: `-v /path`, an image's VOLUME with its content
copied up (safely, against a hostile image), `-v name:/path` shared between containers,
`rm` keeping and `rm -v` / `--rm` removing anonymous volumes, inspect's Mounts."""

import os
import re
import shutil
import stat
import unittest

import fixtures
import harness
import testimages
from container_base import ContainerTest

HEX64 = re.compile(r"^[0-9a-f]{64}$")


class VolumesTest(ContainerTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An image whose VOLUME has content (files, a nested dir, symlinks, an owner).
        t = fixtures.TarBuilder()
        t.dir("var")
        t.dir("var/lib", mode=0o755)
        t.dir("var/lib/app", mode=0o750, uid=1000, gid=1000)
        t.file("var/lib/app/seed", b"seeded\n", mode=0o640, uid=1000, gid=1000)
        t.dir("var/lib/app/sub")
        t.file("var/lib/app/sub/nested", b"nested\n")
        t.symlink("var/lib/app/shadow", "/etc/shadow")
        t.symlink("var/lib/app/up", "../../../../../../../etc/passwd")
        cls.outside = harness.make_tempdir()
        cls.addClassCleanup(shutil.rmtree, cls.outside, True)
        with open(os.path.join(cls.outside, "hostsecret"), "w") as f:
            f.write("host secret\n")
        # A hostile VOLUME: a symlink to a host directory. The image also has that path (with
        # other content): resolved inside the rootfs, as it must be, the link names that.
        t.symlink("evil", cls.outside)
        parts = cls.outside.strip("/").split("/")
        for i in range(2, len(parts) + 1):
            t.dir("/".join(parts[:i]))
        t.file("/".join(parts + ["inimage"]), b"in image\n")
        image = testimages.ConfigImage(
            [testimages.busybox_layer(), fixtures.Layer(t.bytes(), "gzip")],
            {"Env": [testimages.PATH_ENV], "Cmd": ["sh"],
             "Volumes": {"/var/lib/app": {}, "/evil": {}}})
        image.push(cls.reg, "e2e/withvolume", "latest")
        cls.VOLIMG = cls.registry.ref("e2e/withvolume")

    def volumes_dir(self):
        return os.path.join(self.daemon.data_root, "volumes")

    def mounts(self, name):
        return {m["Destination"]: m for m in self.cinspect(name)["Mounts"]}

    def check_volume_mount(self, m, dest, anonymous=True):
        self.assertEqual(m["Type"], "volume", m)
        self.assertEqual(m["Destination"], dest, m)
        self.assertEqual(m["Driver"], "local", m)
        if anonymous:
            self.assertRegex(m["Name"], HEX64)
        self.assertEqual(m["Source"], os.path.join(self.volumes_dir(), m["Name"], "_data"))

    def test_anonymous_volume_from_v(self):
        self.run_ok("--name", "anon1", "-v", "/data", "busybox", "sh", "-c", "echo x > /data/f")
        mounts = self.mounts("anon1")
        self.assertEqual(list(mounts), ["/data"])
        m = mounts["/data"]
        self.check_volume_mount(m, "/data")
        self.assertTrue(m["RW"])
        with open(os.path.join(m["Source"], "f")) as f:
            self.assertEqual(f.read(), "x\n")
        st = os.stat(m["Source"])
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o755)
        self.assertEqual(stat.S_IMODE(os.stat(self.volumes_dir()).st_mode), 0o701)
        # A restart keeps the data (nothing is copied over it).
        self.berth("start", "-a", "anon1")
        # `rm` keeps the anonymous volume.
        self.berth("rm", "anon1")
        self.assertTrue(os.path.exists(m["Source"]))

    def test_rm_v_removes_anonymous_volumes_not_named(self):
        self.run_ok("--name", "rmv", "-v", "/data", "-v", "keepnamed:/k", "busybox",
                    "sh", "-c", "echo y > /data/f; echo k > /k/f")
        mounts = self.mounts("rmv")
        anon = mounts["/data"]
        self.check_volume_mount(anon, "/data")
        self.check_volume_mount(mounts["/k"], "/k", anonymous=False)
        self.assertEqual(mounts["/k"]["Name"], "keepnamed")
        self.berth("rm", "-v", "rmv")
        self.assertFalse(os.path.exists(os.path.dirname(anon["Source"])))
        with open(os.path.join(self.volumes_dir(), "keepnamed", "_data", "f")) as f:
            self.assertEqual(f.read(), "k\n")

    def test_named_volume_is_shared_and_survives(self):
        self.run_ok("--rm", "-v", "shared1:/s", "busybox", "sh", "-c", "echo hi > /s/f")
        out = self.run_ok("--rm", "-v", "shared1:/t", "busybox", "cat", "/t/f")
        self.assertEqual(out, "hi\n")
        # Two running containers see each other's writes.
        a = self.run_d("-v", "shared1:/s", "busybox", "sleep", "60")
        self.berth("exec", a, "sh", "-c", "echo live > /s/live")
        out = self.run_ok("--rm", "-v", "shared1:/s:ro", "busybox", "cat", "/s/live")
        self.assertEqual(out, "live\n")
        rc, out, err = self.run_ctr("--rm", "-v", "shared1:/s:ro", "busybox", "touch", "/s/x")
        self.assertNotEqual(rc, 0)
        self.assertIn("Read-only file system", out + err)
        self.berth("rm", "-f", "-v", a)
        self.assertTrue(os.path.exists(os.path.join(self.volumes_dir(), "shared1", "_data", "f")))

    def test_bad_volume_name_is_refused(self):
        # The CLI refuses it first; either way nothing is created.
        before = set(os.listdir(self.volumes_dir()))
        rc, _, err = self.run_ctr("--rm", "-v", "../escape:/x", "busybox", "true")
        self.assertNotEqual(rc, 0)
        self.assertIn("invalid", err)
        self.assertEqual(set(os.listdir(self.volumes_dir())), before)

    def test_auto_remove_removes_anonymous_volumes(self):
        cid = self.run_d("--rm", "-v", "/data", "-v", "autonamed:/n", "busybox", "sleep", "60")
        mounts = self.mounts(cid)
        anon = mounts["/data"]["Source"]
        self.assertTrue(os.path.isdir(anon))
        self.berth("stop", "-t", "1", cid)
        harness.wait_for(lambda: cid not in self.ps_ids("-a"), timeout=30, what="auto-removal")
        harness.wait_for(lambda: not os.path.exists(os.path.dirname(anon)), timeout=10,
                         what="anonymous volume removal")
        self.assertTrue(os.path.isdir(os.path.join(self.volumes_dir(), "autonamed", "_data")))

    def test_image_volume_content_is_copied_up(self):
        out = self.run_ok("--name", "img1", self.VOLIMG, "sh", "-c",
                          "cat /var/lib/app/seed /var/lib/app/sub/nested; "
                          "stat -c '%u:%g %a' /var/lib/app /var/lib/app/seed; "
                          "readlink /var/lib/app/shadow")
        self.assertEqual(out, "seeded\nnested\n1000:1000 750\n1000:1000 640\n/etc/shadow\n")
        mounts = self.mounts("img1")
        self.assertEqual(sorted(mounts), ["/evil", "/var/lib/app"])
        app = mounts["/var/lib/app"]
        self.check_volume_mount(app, "/var/lib/app")
        src = app["Source"]
        with open(os.path.join(src, "seed")) as f:
            self.assertEqual(f.read(), "seeded\n")
        # Symlinks are copied as symlinks, never followed.
        self.assertTrue(os.path.islink(os.path.join(src, "shadow")))
        self.assertEqual(os.readlink(os.path.join(src, "shadow")), "/etc/shadow")
        self.assertTrue(os.path.islink(os.path.join(src, "up")))
        # The hostile /evil -> <host dir> resolves inside the rootfs: the image's directory of
        # that name is copied, nothing of the host's.
        evil = mounts["/evil"]["Source"]
        self.assertEqual(os.listdir(evil), ["inimage"])
        for root, _, files in os.walk(os.path.dirname(os.path.dirname(src))):
            for name in files:
                p = os.path.join(root, name)
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as f:
                        self.assertNotIn(b"host secret", f.read(), p)
        self.assertEqual(os.listdir(self.outside), ["hostsecret"])
        self.berth("rm", "-v", "img1")
        self.assertFalse(os.path.exists(src))
        self.assertFalse(os.path.exists(evil))

    def test_user_mount_covers_image_volume(self):
        out = self.run_ok("--rm", "-v", "covers:/var/lib/app", self.VOLIMG, "ls", "/var/lib/app")
        # A new named volume gets the image's content too.
        self.assertIn("seed", out.split())
        cid = self.berth("create", "--tmpfs", "/var/lib/app", self.VOLIMG, "true").strip()
        mounts = self.mounts(cid)
        self.assertEqual(mounts["/var/lib/app"]["Type"], "tmpfs")
        self.assertEqual(sorted(mounts), ["/evil", "/var/lib/app"])
        self.berth("rm", "-v", cid)

    def test_nocopy(self):
        out = self.run_ok("--rm", "-v", "nocopyvol:/var/lib/app:nocopy", self.VOLIMG,
                          "ls", "-A", "/var/lib/app")
        self.assertEqual(out, "")


if __name__ == "__main__":
    unittest.main()
