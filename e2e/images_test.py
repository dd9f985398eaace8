"""End-to-end: pull / images / inspect / tag / rmi / prune / history / push against a
local docker-registry, with fixture images in every supported format."""

import gzip
import hashlib
import json
import os
import stat
import subprocess

import base
from base import E2ETest, fixtures, harness


class ImagesTest(E2ETest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.std = fixtures.Image(fixtures.standard_layers("gzip", big_size=4 << 20, seed=1))
        cls.std.push(cls.reg, "e2e/std", "v1")
        cls.zstd = fixtures.Image(fixtures.standard_layers("zstd", big_size=1 << 20, seed=2), oci=True)
        cls.zstd.push(cls.reg, "e2e/zstd", "v1")
        cls.plain = fixtures.Image(fixtures.standard_layers("none", big_size=1 << 20, seed=3), oci=True)
        cls.plain.push(cls.reg, "e2e/plain", "v1")
        cls.ocigz = fixtures.Image(fixtures.standard_layers("gzip", big_size=1 << 20, seed=4), oci=True)
        cls.ocigz.push(cls.reg, "e2e/ocigz", "v1")
        cls.multi = fixtures.multiarch()
        cls.multi.push(cls.reg, "e2e/multi", "latest")
        cls.multioci = fixtures.multiarch(oci=True)
        cls.multioci.push(cls.reg, "e2e/multioci", "latest")
        cls.H = cls.registry.host

    def setUp(self):
        self.prune_all()

    # -- content checks -------------------------------------------------------

    def assertStandardRootfs(self, seed, big_size):
        root = self.daemon.data_root
        big = base.find_file_with(root, "big", fixtures.random_bytes(big_size, seed))
        self.assertIsNotNone(big, "data/big not extracted")
        st = os.lstat(big)
        self.assertEqual((st.st_uid, st.st_gid), (1000, 1000))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        hello = base.find_file_with(root, "hello", b"#!/bin/sh\necho hello\n")
        self.assertIsNotNone(hello)
        self.assertEqual(stat.S_IMODE(os.lstat(hello).st_mode), 0o755)
        hard = os.path.join(os.path.dirname(hello), "hard")
        self.assertEqual(os.lstat(hard).st_ino, os.lstat(hello).st_ino, "hardlink not preserved")
        link = os.path.join(os.path.dirname(hello), "sh-link")
        self.assertEqual(os.readlink(link), "hello")
        su = base.find_file_with(root, "su", b"setuid\n")
        self.assertTrue(os.lstat(su).st_mode & stat.S_ISUID, "setuid bit lost")
        whiteouts = [p for p in base.find_named(root, "removed")
                     if stat.S_ISCHR(os.lstat(p).st_mode) and os.lstat(p).st_rdev == 0]
        self.assertTrue(whiteouts, "whiteout .wh.removed not converted to a 0/0 char device")
        opaque = [p for p in base.find_named(root, "opq")
                  if os.path.isdir(p) and _getxattr(p, "trusted.overlay.opaque") == b"y"]
        self.assertTrue(opaque, "opaque dir not marked trusted.overlay.opaque=y")
        self.assertTrue(base.find_file_with(root, "motd", ("welcome %d\n" % seed).encode()))

    def assertInspectMatches(self, ref, image, index=None):
        info = self.inspect(ref)
        self.assertEqual(info["Id"], image.id)
        self.assertEqual(info["RootFS"]["Type"], "layers")
        self.assertEqual(info["RootFS"]["Layers"], image.diff_ids)
        self.assertEqual(info["Architecture"], image.arch)
        self.assertEqual(info["Os"], "linux")
        self.assertIn(ref, info["RepoTags"])
        repo = ref.rsplit(":", 1)[0]
        self.assertIn("%s@%s" % (repo, (index or image).digest), info["RepoDigests"])
        self.assertEqual(info["Config"]["Cmd"], ["/bin/hello"])
        self.assertEqual(info["Config"]["Labels"], {"org.berth.fixture": "yes"})
        self.assertTrue(info["Created"].startswith("2024-01-02T03:04:05"))
        self.assertGreater(info["Size"], 0)
        return info

    # -- pull -----------------------------------------------------------------

    def test_pull_docker_v2s2_gzip(self):
        ref = "%s/e2e/std:v1" % self.H
        out = self.berth("pull", ref)
        self.assertIn("v1: Pulling from e2e/std", out)
        self.assertIn("Digest: " + self.std.digest, out)
        self.assertIn("Status: Downloaded newer image for " + ref, out)
        self.assertEqual(out.strip().splitlines()[-1], ref)
        for l in self.std.layers:
            self.assertIn(l.digest[7:19] + ": Pull complete", out)
        self.assertInspectMatches(ref, self.std)
        self.assertStandardRootfs(1, 4 << 20)

    def test_pull_oci_zstd(self):
        ref = "%s/e2e/zstd:v1" % self.H
        self.berth("pull", ref)
        self.assertInspectMatches(ref, self.zstd)
        self.assertStandardRootfs(2, 1 << 20)

    def test_pull_oci_uncompressed(self):
        ref = "%s/e2e/plain:v1" % self.H
        self.berth("pull", ref)
        self.assertInspectMatches(ref, self.plain)
        self.assertStandardRootfs(3, 1 << 20)

    def test_pull_oci_gzip(self):
        ref = "%s/e2e/ocigz:v1" % self.H
        self.berth("pull", ref)
        self.assertInspectMatches(ref, self.ocigz)
        self.assertStandardRootfs(4, 1 << 20)

    def test_manifest_list_picks_linux_amd64(self):
        for repo, index in (("e2e/multi", self.multi), ("e2e/multioci", self.multioci)):
            ref = "%s/%s:latest" % (self.H, repo)
            out = self.berth("pull", ref)
            self.assertIn("Digest: " + index.digest, out)
            self.assertInspectMatches(ref, index.image("amd64"), index=index)
        self.assertFalse(base.find_named(self.daemon.data_root, "arch"), "arm64 layer was pulled")

    def test_platform_flag_picks_arm64(self):
        ref = "%s/e2e/multi:latest" % self.H
        self.berth("pull", "--platform", "linux/arm64", ref)
        info = self.inspect(ref)
        self.assertEqual(info["Architecture"], "arm64")
        self.assertEqual(info["Id"], self.multi.image("arm64").id)

    def test_repull_is_up_to_date_and_new_digest_refetches(self):
        im1 = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=21))
        im1.push(self.reg, "e2e/moving", "latest")
        ref = "%s/e2e/moving:latest" % self.H
        self.assertIn("Downloaded newer image", self.berth("pull", ref))
        out = self.berth("pull", ref)
        self.assertIn("Status: Image is up to date for " + ref, out)
        self.assertNotIn("Pull complete", out)
        im2 = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=22))
        im2.push(self.reg, "e2e/moving", "latest")
        out = self.berth("pull", ref)
        self.assertIn("Status: Downloaded newer image for " + ref, out)
        self.assertEqual(self.inspect(ref)["Id"], im2.id)
        # The first image lost its tag: it is dangling now.
        dangling = base.parse_json_lines(self.berth("images", "--filter", "dangling=true",
                                                    "--format", "json", "--no-trunc"))
        self.assertIn(im1.id, [d["ID"] for d in dangling])

    def test_pull_by_digest(self):
        ref = "%s/e2e/std@%s" % (self.H, self.std.digest)
        out = self.berth("pull", ref)
        self.assertIn("Digest: " + self.std.digest, out)
        info = self.inspect(ref)
        self.assertEqual(info["Id"], self.std.id)
        self.assertIn(ref, info["RepoDigests"])
        rows = self.images_json("--digests")
        self.assertIn(self.std.digest, [r.get("Digest") for r in rows])

    def test_pull_quiet(self):
        ref = "%s/e2e/std:v1" % self.H
        out = self.berth("pull", "-q", ref)
        self.assertEqual(out.strip(), ref)

    def test_unknown_tag(self):
        rc, out, err = self.daemon.cli("pull", "%s/e2e/std:nope" % self.H)
        self.assertNotEqual(rc, 0)
        self.assertIn("Error response from daemon: manifest for %s/e2e/std:nope not found: "
                      "manifest unknown" % self.H, err)
        self.assertEqual(self.images_json(), [])

    def test_unknown_repository(self):
        err = self.berth_fails("pull", "%s/e2e/nosuchrepo:latest" % self.H)
        self.assertIn("Error response from daemon", err)
        self.assertIn("not found", err)

    # -- images ---------------------------------------------------------------

    def test_images_table_and_flags(self):
        self.berth("pull", "%s/e2e/std:v1" % self.H)
        self.berth("pull", "%s/e2e/zstd:v1" % self.H)
        out = self.berth("images")
        header = out.splitlines()[0]
        for col in ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"):
            self.assertIn(col, header)
        rows = base.parse_table(out)
        std = [r for r in rows if r["REPOSITORY"] == "%s/e2e/std" % self.H]
        self.assertEqual(len(std), 1, out)
        self.assertEqual(std[0]["TAG"], "v1")
        self.assertEqual(std[0]["IMAGE ID"], base.short_id(self.std))
        self.assertRegex(std[0]["SIZE"], r"^[0-9.]+\s*[kMG]?B$")

        ids = self.berth("images", "-q").split()
        self.assertEqual(sorted(ids), sorted([base.short_id(self.std), base.short_id(self.zstd)]))
        full = self.berth("images", "-q", "--no-trunc").split()
        self.assertIn(self.std.id, full)

        rows = base.parse_table(self.berth("images", "--digests"))
        self.assertIn(self.std.digest, [r.get("DIGEST") for r in rows])

        only = self.images_json("--filter", "reference=%s/e2e/std:*" % self.H)
        self.assertEqual([(r["Repository"], r["Tag"]) for r in only], [("%s/e2e/std" % self.H, "v1")])
        self.assertEqual(self.images_json("--filter", "dangling=true"), [])

        same = self.berth("image", "ls", "-q").split()
        self.assertEqual(sorted(same), sorted(ids))

    def test_tag_and_rmi(self):
        src = "%s/e2e/std:v1" % self.H
        self.berth("pull", src)
        other = "%s/e2e/other:t1" % self.H
        self.assertEqual(self.berth("tag", src, other).strip(), "")
        self.berth("tag", src, "local/name")  # default tag "latest"
        info = self.inspect(other)
        self.assertEqual(info["Id"], self.std.id)
        self.assertEqual(sorted(info["RepoTags"]), sorted([src, other, "local/name:latest"]))
        # Only the repository it was pulled from has a registry digest (as Docker).
        repo = src.rsplit(":", 1)[0]
        self.assertEqual([d.split("@")[0] for d in info["RepoDigests"]], [repo])

        out = self.berth("rmi", other)
        self.assertIn("Untagged: " + other, out)
        self.assertNotIn("Deleted:", out)
        self.assertEqual(self.inspect(src)["Id"], self.std.id)

        err = self.berth_fails("rmi", base.short_id(self.std))
        self.assertIn("must be forced", err)

        out = self.berth("rmi", "-f", base.short_id(self.std))
        self.assertIn("Untagged: " + src, out)
        self.assertIn("Untagged: %s@sha256:" % repo, out)
        self.assertIn("Untagged: local/name:latest", out)
        self.assertIn("Deleted: " + self.std.id, out)
        self.assertEqual(self.images_json(), [])
        self.assertFalse(base.find_named(self.daemon.data_root, "big"), "layer files left after rmi")

        err = self.berth_fails("rmi", src)
        self.assertIn("No such image", err)

    def test_tag_unknown_source(self):
        err = self.berth_fails("tag", "nosuch:image", "x:y")
        self.assertIn("No such image", err)

    def test_prune_all(self):
        self.berth("pull", "%s/e2e/std:v1" % self.H)
        self.berth("pull", "%s/e2e/zstd:v1" % self.H)
        out = self.prune_all()
        self.assertIn("Deleted Images:", out)
        self.assertIn("deleted: " + self.std.id, out)  # Docker prints prune lines in lower case
        self.assertIn("deleted: " + self.zstd.id, out)
        self.assertRegex(out, r"Total reclaimed space: [0-9.]+\s*[kMG]?B")
        self.assertEqual(self.images_json(), [])
        self.assertFalse(base.files_containing(self.daemon.data_root,
                                               base.hexes(self.std) + base.hexes(self.zstd)))
        out = self.prune_all()
        self.assertIn("Total reclaimed space: 0B", out)

    def test_history(self):
        ref = "%s/e2e/std:v1" % self.H
        self.berth("pull", ref)
        out = self.berth("image", "history", ref)
        header = out.splitlines()[0]
        for col in ("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"):
            self.assertIn(col, header)
        rows = out.splitlines()[1:]
        self.assertEqual(len(rows), 4, out)
        self.assertIn("CMD", rows[0])
        self.assertIn(base.short_id(self.std), rows[0])
        self.assertIn("berth-e2e layer 0", rows[-1])

    def test_inspect_several_and_unknown(self):
        a, b = "%s/e2e/std:v1" % self.H, "%s/e2e/zstd:v1" % self.H
        self.berth("pull", a)
        self.berth("pull", b)
        out = json.loads(self.berth("image", "inspect", a, b))
        self.assertEqual([o["Id"] for o in out], [self.std.id, self.zstd.id])
        rc, out, err = self.daemon.cli("image", "inspect", "no/such:image")
        self.assertNotEqual(rc, 0)
        self.assertIn("No such image", err)

    # -- push -----------------------------------------------------------------

    def test_push_then_skopeo_reads_it(self):
        for image, src in ((self.std, "e2e/std:v1"), (self.zstd, "e2e/zstd:v1")):
            src = "%s/%s" % (self.H, src)
            dst = "%s/pushed/%s" % (self.H, src.split("/")[-1].replace(":", "-") + ":p1")
            self.berth("pull", src)
            self.berth("tag", src, dst)
            out = self.berth("push", dst)
            self.assertRegex(out, r"p1: digest: sha256:[0-9a-f]{64} size: \d+")
            work = harness.make_tempdir()
            self.addCleanup(fixtures.rmtree, work)
            fixtures.skopeo_copy("docker://" + dst, "dir:" + work)
            with open(os.path.join(work, "manifest.json")) as f:
                manifest = json.load(f)
            self.assertEqual(manifest["config"]["digest"], image.id)
            diff_ids = [_diff_id(os.path.join(work, l["digest"].split(":")[1]))
                        for l in manifest["layers"]]
            self.assertEqual(diff_ids, image.diff_ids)
            # And Berth pulls back what it pushed.
            self.berth("rmi", "-f", image.id)
            self.berth("pull", dst)
            self.assertEqual(self.inspect(dst)["Id"], image.id)

    def test_push_unknown_image(self):
        err = self.berth_fails("push", "%s/nosuch/image:x" % self.H)
        self.assertIn("No such image", err)

    # -- images other tools wrote --------------------------------------------

    def test_pull_image_written_by_umoci_and_skopeo(self):
        work = fixtures.push_umoci_image(self.registry, "e2e/umoci")
        self.addCleanup(fixtures.rmtree, work)
        ref = "%s/e2e/umoci:latest" % self.H
        self.berth("pull", ref)
        self.assertTrue(base.find_file_with(self.daemon.data_root, "hello.txt", b"written by umoci\n"))
        info = self.inspect(ref)
        self.assertEqual(len(info["RootFS"]["Layers"]), 1)


class MirrorTest(E2ETest):
    """--registry-mirror serves Docker Hub names from the local registry, offline."""

    @classmethod
    def setUpClass(cls):
        base.require_binaries()
        cls.registry = harness.Registry("plain")
        cls.addClassCleanup(cls.registry.close)
        cls.reg = cls.registry.client()
        cls.DAEMON_ARGS = ("--registry-mirror", cls.registry.url)
        cls.daemon = harness.Daemon(extra_args=cls.DAEMON_ARGS)
        cls.addClassCleanup(cls.daemon.close)

    def test_pull_docker_hub_name_through_mirror(self):
        im = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=31))
        im.push(self.reg, "library/mirrortest", "latest")
        out = self.berth("pull", "mirrortest")
        self.assertIn("Status: Downloaded newer image for mirrortest:latest", out)
        self.assertIn("docker.io/library/mirrortest:latest", out)
        info = self.inspect("mirrortest")
        self.assertEqual(info["Id"], im.id)
        self.assertIn("mirrortest:latest", info["RepoTags"])
        rows = self.images_json()
        self.assertIn(("mirrortest", "latest"), [(r["Repository"], r["Tag"]) for r in rows])


def _getxattr(path, name):
    try:
        return os.getxattr(path, name, follow_symlinks=False)
    except OSError:
        return None


def _diff_id(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    elif data[:4] == b"\x28\xb5\x2f\xfd":
        data = subprocess.run(["zstd", "-q", "-d", "-c"], input=data, capture_output=True,
                              check=True).stdout
    return "sha256:" + hashlib.sha256(data).hexdigest()


if __name__ == "__main__":
    base.main()
