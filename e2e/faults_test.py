"""End-to-end failure cases: bytes that do not match their digest, a registry that
goes away mid-pull, berthd killed with SIGKILL during a pull, and hostile layers."""

import hashlib
import os
import stat
import time

import base
import hostile
import proxies
from base import E2ETest, fixtures, harness


def _big_files(root, limit=1 << 20):
    out = []
    for dirpath, _, filenames in os.walk(root):
        for n in filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if n.endswith((".db", ".db-wal", ".db-shm")):
                continue  # SQLite's database and write-ahead log are not leftovers
            if stat.S_ISREG(st.st_mode) and st.st_size >= limit:
                out.append(p)
    return out


class FaultsTest(E2ETest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.std = fixtures.Image(fixtures.standard_layers("gzip", big_size=4 << 20, seed=51))
        cls.std.push(cls.reg, "faults/std", "v1")
        cls.proxy = proxies.FaultProxy(cls.registry.port)
        cls.addClassCleanup(cls.proxy.close)

    def setUp(self):
        p = self.proxy
        p.corrupt_digests, p.cut_after, p.cuts_left = set(), None, 0
        p.delay_per_chunk, p.abort = 0, False
        p.requests.clear()
        if self.registry.proc is None:
            self.registry.start()
        if not self.daemon.alive():
            self.daemon.start()
        self.prune_all()

    def assertNothingListed(self):
        self.assertEqual(self.images_json(), [])
        self.assertEqual(self.berth("images", "-a", "-q").split(), [])

    def assertStdPulledIntact(self, ref):
        self.assertEqual(self.inspect(ref)["Id"], self.std.id)
        self.assertTrue(base.find_file_with(self.daemon.data_root, "big",
                                            fixtures.random_bytes(4 << 20, 51)))

    # -- digests ------------------------------------------------------------

    def test_layer_bytes_not_matching_digest_are_rejected(self):
        self.proxy.corrupt_digests = {self.std.layers[1].digest}
        ref = self.proxy.ref("faults/std", "v1")
        err = self.berth_fails("pull", ref)
        self.assertIn("Error response from daemon", err)
        self.assertIn("digest", err.lower())
        self.assertGreaterEqual(self.proxy.served_corrupt, 1)
        self.assertNothingListed()
        self.assertIsNone(base.find_file_with(self.daemon.data_root, "big",
                                              fixtures.random_bytes(4 << 20, 51)))
        # The corrupt bytes were not kept: an honest registry now gives a good pull.
        self.proxy.corrupt_digests = set()
        self.berth("pull", ref)
        self.assertStdPulledIntact(ref)

    def test_config_bytes_not_matching_digest_are_rejected(self):
        self.proxy.corrupt_digests = {self.std.config_digest}
        err = self.berth_fails("pull", self.proxy.ref("faults/std", "v1"))
        self.assertIn("digest", err.lower())
        self.assertNothingListed()

    # -- registry going away --------------------------------------------------

    def test_connection_cut_mid_blob_then_pull_succeeds(self):
        self.proxy.cut_after, self.proxy.cuts_left = 100000, 2
        ref = self.proxy.ref("faults/std", "v1")
        self.berth("pull", ref)
        self.assertEqual(self.proxy.cuts_done, 2)
        self.assertStdPulledIntact(ref)

    def test_resume_after_cut_uses_range(self):
        self.proxy.cut_after, self.proxy.cuts_left = 1 << 20, 1
        self.berth("pull", self.proxy.ref("faults/std", "v1"))
        ranges = [r for _, _, r in self.proxy.blob_gets() if r]
        self.assertTrue(ranges, "no Range request after a cut: %s" % self.proxy.blob_gets())
        self.assertTrue(any(r.startswith("bytes=") and not r.startswith("bytes=0-") for r in ranges),
                        ranges)

    def test_registry_down_then_back(self):
        ref = self.registry.ref("faults/std", "v1")
        self.registry.stop()
        err = self.berth_fails("pull", ref)
        self.assertIn("Error response from daemon", err)
        self.assertNothingListed()
        self.registry.start()
        self.berth("pull", ref)
        self.assertStdPulledIntact(ref)

    def test_registry_stopped_mid_pull_then_pull_succeeds(self):
        ref = self.proxy.ref("faults/std", "v1")
        self.proxy.delay_per_chunk = 0.05
        cli = self.daemon.popen_cli("pull", ref)
        harness.wait_for(lambda: self.proxy.blob_gets(), timeout=60, what="first blob GET")
        time.sleep(0.3)
        self.registry.stop()
        self.proxy.abort = True
        out, err = cli.communicate(timeout=600)
        if cli.returncode != 0:
            self.assertIn("Error response from daemon", err)
            self.assertNothingListed()
        self.registry.start()
        self.proxy.abort = False
        self.proxy.delay_per_chunk = 0
        self.berth("pull", ref)
        self.assertStdPulledIntact(ref)

    def test_kill9_during_pull_then_restart_and_pull(self):
        big = fixtures.Image([fixtures.Layer(fixtures.TarBuilder().file(
            "blob%d" % i, fixtures.random_bytes(6 << 20, 60 + i)).bytes()) for i in range(3)])
        big.push(self.reg, "faults/big", "v1")
        self.proxy.delay_per_chunk = 0.02
        cli = self.daemon.popen_cli("pull", self.proxy.ref("faults/big", "v1"))
        harness.wait_for(lambda: len(self.proxy.blob_gets()) >= 2, timeout=60, what="blob GETs")
        time.sleep(1.0)
        self.daemon.kill9()
        self.proxy.abort = True
        cli.communicate(timeout=120)
        self.assertNotEqual(cli.returncode, 0)
        self.proxy.abort = False
        self.proxy.delay_per_chunk = 0

        self.daemon.start()  # stale pidfile and socket from the killed daemon
        self.assertNothingListed()
        ref = self.registry.ref("faults/big", "v1")
        self.berth("pull", ref)
        self.assertEqual(self.inspect(ref)["Id"], big.id)
        for i in range(3):
            self.assertTrue(base.find_file_with(self.daemon.data_root, "blob%d" % i,
                                                fixtures.random_bytes(6 << 20, 60 + i)))
        out = self.prune_all()
        self.assertIn("deleted: " + big.id, out)
        self.assertNothingListed()
        self.assertEqual(base.files_containing(self.daemon.data_root, base.hexes(big)), [])
        self.assertEqual(_big_files(self.daemon.data_root), [],
                         "files left behind after kill -9 and prune")

    # -- hostile layers -----------------------------------------------------------

    def test_hostile_layers_rejected(self):
        outside = harness.make_tempdir("berth-out-")
        self.addCleanup(fixtures.rmtree, outside)
        with open("/etc/passwd", "rb") as f:
            passwd = hashlib.sha256(f.read()).hexdigest()
        for name, layer, keywords in hostile.hostile_layers(outside):
            with self.subTest(case=name):
                image = fixtures.Image([layer])
                image.push(self.reg, "hostile/" + name, "v1")
                rc, out, err = self.daemon.cli("pull", self.registry.ref("hostile/" + name, "v1"))
                self.assertNotEqual(rc, 0, "%s: pull succeeded:\n%s" % (name, out))
                self.assertIn("Error response from daemon", err)
                self.assertTrue(any(k in err.lower() for k in keywords),
                                "%s: error does not say why: %s" % (name, err))
                self.assertNothingListed()
                self.assertEqual(os.listdir(outside), [], "%s wrote outside the data root" % name)
        self.prune_all()
        self.assertEqual(hostile.find_pwned(self.daemon.data_root), [])
        self.assertEqual(hostile.find_pwned(self.daemon.dir), [])
        for top in ("/", "/tmp", "/etc"):
            self.assertEqual([n for n in os.listdir(top) if n.startswith("pwned")], [], top)
        with open("/etc/passwd", "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), passwd)
        self.assertTrue(self.daemon.alive(), "berthd died on a hostile layer")

    def test_gzip_bomb_rejected(self):
        bomb = hostile.gzip_bomb()
        fixtures.Image([bomb]).push(self.reg, "hostile/bomb", "v1")
        err = self.berth_fails("pull", self.registry.ref("hostile/bomb", "v1"))
        self.assertIn("Error response from daemon", err)
        self.assertTrue(any(k in err.lower() for k in ("exceed", "too large", "limit", "bomb",
                                                        "resource", "cap")), err)
        self.assertNothingListed()
        self.prune_all()
        self.assertEqual(hostile.find_pwned(self.daemon.data_root), [])


if __name__ == "__main__":
    base.main()
