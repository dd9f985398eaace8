"""Checks the e2e harness itself against the real tools, without Berth: the registry in
its three auth modes, fixture images as skopeo reads them, umoci layouts, the faulty
proxy, and the hostile layers' tar contents."""

import gzip
import io
import json
import os
import tarfile
import unittest

import base
import fixtures
import harness
import hostile
import proxies


class RegistryModesTest(unittest.TestCase):

    def check_mode(self, mode):
        r = harness.Registry(mode)
        self.addCleanup(r.close)
        c = r.client()
        im = fixtures.Image(fixtures.standard_layers("gzip", big_size=1 << 16))
        self.assertEqual(im.push(c, "t/std", "v1"), im.digest)
        info = fixtures.skopeo_inspect(r, "t/std", "v1")
        self.assertEqual(info["Digest"], im.digest)
        self.assertEqual(info["Layers"], [l.digest for l in im.layers])
        self.assertEqual(info["Architecture"], "amd64")
        if mode != "plain":
            with self.assertRaises(fixtures.RegistryError) as cm:
                r.client(next(iter(r.users)), "wrong").get_manifest("t/std", "v1")
            self.assertEqual(cm.exception.code, 401)
            with self.assertRaises(fixtures.RegistryError) as cm:
                fixtures.RegistryClient(r.url).get_manifest("t/std", "v1")
            self.assertEqual(cm.exception.code, 401)
        return r

    def test_plain(self):
        self.check_mode("plain")

    def test_basic(self):
        self.check_mode("basic")

    def test_token(self):
        r = self.check_mode("token")
        accounts = {a for a, _ in r.token_server.requests}
        self.assertIn("alice", accounts)
        self.assertIn("!alice", accounts)  # the wrong-password attempt

    def test_stop_and_start_keep_port_and_content(self):
        r = harness.Registry("plain")
        self.addCleanup(r.close)
        im = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000))
        im.push(r.client(), "t/keep")
        r.stop()
        with self.assertRaises(OSError):
            r.client().get_manifest("t/keep", "latest")
        r.start()
        _, body = r.client().get_manifest("t/keep", "latest")
        self.assertEqual(body, im.manifest)


class FormatsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.r = harness.Registry("plain")
        cls.addClassCleanup(cls.r.close)
        cls.c = cls.r.client()

    def test_oci_zstd_and_uncompressed_round_trip_through_skopeo(self):
        for comp in ("zstd", "none", "gzip"):
            im = fixtures.Image(fixtures.standard_layers(comp, big_size=1000, seed=5), oci=True)
            im.push(self.c, "t/oci-" + comp)
            work = harness.make_tempdir()
            self.addCleanup(fixtures.rmtree, work)
            fixtures.skopeo_copy("docker://%s/t/oci-%s:latest" % (self.r.host, comp), "dir:" + work)
            with open(os.path.join(work, "manifest.json")) as f:
                m = json.load(f)
            self.assertEqual(m["mediaType"], fixtures.OCI_MANIFEST)
            self.assertEqual([l["mediaType"] for l in m["layers"]], [fixtures.OCI_LAYER[comp]] * 3)

    def test_index_resolves_to_amd64(self):
        for oci in (False, True):
            idx = fixtures.multiarch(oci=oci)
            idx.push(self.c, "t/multi%d" % oci)
            mt, body = self.c.get_manifest("t/multi%d" % oci, "latest")
            self.assertEqual(mt, idx.media_type)
            self.assertEqual(fixtures.sha256(body), idx.digest)
            raw = fixtures.skopeo_inspect(self.r, "t/multi%d" % oci, raw=True)
            self.assertEqual(len(raw["manifests"]), 2)
            self.assertEqual(fixtures.skopeo_inspect(self.r, "t/multi%d" % oci)["Architecture"],
                             "amd64")

    def test_umoci_image(self):
        work = fixtures.push_umoci_image(self.r, "t/umoci")
        self.addCleanup(fixtures.rmtree, work)
        info = fixtures.skopeo_inspect(self.r, "t/umoci")
        self.assertEqual(len(info["Layers"]), 1)
        blob = self.c.get_blob("t/umoci", info["Layers"][0])
        names = tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))).getnames()
        self.assertTrue(any(n.endswith("umoci/hello.txt") for n in names), names)

    def test_standard_layers_content(self):
        l1, l2, l3 = fixtures.standard_layers("gzip", big_size=100)
        names = lambda l: {m.name: m for m in tarfile.open(fileobj=io.BytesIO(l.tar))}
        n1, n2, n3 = names(l1), names(l2), names(l3)
        self.assertTrue(n1["bin/hard"].islnk())
        self.assertTrue(n1["bin/sh-link"].issym())
        self.assertEqual(n1["usr/bin/su"].mode, 0o4755)
        self.assertIn("etc/.wh.removed", n2)
        self.assertIn("opq/.wh..wh..opq", n3)
        self.assertEqual(fixtures.sha256(gzip.decompress(l1.blob)), l1.diff_id)


class ProxyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.r = harness.Registry("plain")
        cls.addClassCleanup(cls.r.close)
        cls.im = fixtures.Image(fixtures.standard_layers("gzip", big_size=1 << 20))
        cls.im.push(cls.r.client(), "t/std")
        cls.p = proxies.FaultProxy(cls.r.port)
        cls.addClassCleanup(cls.p.close)

    def copy(self):
        work = harness.make_tempdir()
        self.addCleanup(fixtures.rmtree, work)
        return fixtures.skopeo_copy("docker://%s/t/std:latest" % self.p.host, "dir:" + work)

    def test_corrupt_blob_fails_skopeo_digest_check(self):
        self.p.corrupt_digests = {self.im.layers[1].digest}
        self.addCleanup(setattr, self.p, "corrupt_digests", set())
        with self.assertRaises(RuntimeError) as cm:
            self.copy()
        self.assertIn("Digest did not match", str(cm.exception))

    def test_cut_connection_then_recovery(self):
        self.p.cut_after, self.p.cuts_left = 1000, 1
        with self.assertRaises(RuntimeError) as cm:
            self.copy()  # skopeo 1.9 does not resume a cut blob
        self.assertIn("unexpected EOF", str(cm.exception))
        self.assertEqual(self.p.cuts_done, 1)
        self.copy()  # one cut only: the next copy goes through
        self.assertTrue(self.p.blob_gets())


class HostileTest(unittest.TestCase):

    def test_cases_have_the_hostile_entries(self):
        cases = {n: l for n, l, _ in hostile.hostile_layers("/tmp/berth-out-x")}
        def entries(name):
            return {m.name: m for m in tarfile.open(fileobj=io.BytesIO(cases[name].tar))}
        self.assertIn("../pwned-dotdot", entries("dotdot"))
        self.assertIn("/tmp/berth-out-x/pwned-abs", entries("absolute"))
        self.assertTrue(entries("device-node")["dev/pwned-null"].ischr())
        self.assertEqual(entries("trusted-xattr")["pwned-xattr"].pax_headers,
                         {"SCHILY.xattr.trusted.overlay.opaque": "y"})
        with self.assertRaises(tarfile.ReadError):
            list(tarfile.open(fileobj=io.BytesIO(cases["corrupt-tar"].tar)))
        with self.assertRaises(EOFError):
            gzip.decompress(cases["truncated-gzip"].blob)

    def test_bomb_ratio(self):
        bomb = hostile.gzip_bomb(64 << 20)
        self.assertLess(bomb.size, (64 << 20) // 500)


class DaemonLogCheckTest(unittest.TestCase):
    """Daemon.close() fails the test when an ASan/UBSan build of berthd reported an error."""

    def daemon_with_log(self, text):
        d = harness.Daemon(start=False)
        with open(d.log_path, "w") as f:
            f.write(text)
        return d

    def test_clean_log_closes_quietly(self):
        d = self.daemon_with_log('{"level":"info","msg":"shutting down"}\n')
        d.close()
        self.assertFalse(os.path.exists(d.dir) and not os.environ.get("BERTH_E2E_KEEP"))

    def test_sanitizer_reports_fail_close_after_cleanup(self):
        for line in ("==12==ERROR: AddressSanitizer: heap-use-after-free on address 0x6",
                     "==12==ERROR: LeakSanitizer: detected memory leaks",
                     "engine/x.cc:3:7: runtime error: signed integer overflow"):
            d = self.daemon_with_log("started\n%s\nmore\n" % line)
            with self.assertRaisesRegex(AssertionError, "sanitizer"):
                d.close()
            self.assertFalse(os.path.exists(d.dir) and not os.environ.get("BERTH_E2E_KEEP"))


if __name__ == "__main__":
    base.main()
