"""End-to-end: concurrent pulls of one blob download it once.

A FaultProxy with a per-chunk delay sits between berthd and the registry so that
layer downloads take long enough for several `berth pull` commands to overlap.
The proxy records every request; each blob (layers and config) must be fetched with
exactly one GET whatever the number of pulls that need it, and every pull must succeed with
the image intact in the data root.
"""

import collections
import os
import re
import stat
import time

import base
import proxies
from base import E2ETest, fixtures

_BLOB_PATH = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")
_MANIFEST_PATH = re.compile(r"^/v2/.+/manifests/[^/]+$")

DELAY = 0.05           # seconds before each 64 KiB of a blob body
BIG = 4 << 20          # a 4 MiB random (incompressible) layer: 64 chunks, about 3.2 s


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class TimedRequests(list):
    """A FaultProxy request log that also notes when each request arrived."""

    def __init__(self):
        super().__init__()
        self.times = []

    def append(self, item):
        self.times.append(time.monotonic())
        super().append(item)

    def clear(self):
        self.times.clear()
        super().clear()


def big_layer(seed, size=BIG):
    return fixtures.Layer(fixtures.TarBuilder()
                          .dir("base").file("base/big", fixtures.random_bytes(size, seed))
                          .file("base/name", "base %d\n" % seed)
                          .bytes())


def small_layer(name, text):
    return fixtures.Layer(fixtures.TarBuilder()
                          .dir("app").file("app/" + name, text, mode=0o755)
                          .bytes())


class ConcurrentPullTest(E2ETest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = proxies.FaultProxy(cls.registry.port)
        cls.addClassCleanup(cls.proxy.close)
        cls.proxy.requests = TimedRequests()

    def setUp(self):
        self.proxy.delay_per_chunk = 0
        self.prune_all()
        self.proxy.requests.clear()

    # -- helpers --------------------------------------------------------------

    def blob_gets(self):
        """{digest: [Range header or None, ...]} of the blob GETs the proxy saw."""
        out = collections.defaultdict(list)
        for method, path, rng in list(self.proxy.requests):
            m = _BLOB_PATH.match(path.split("?")[0])
            if method == "GET" and m:
                out[m.group(1)].append(rng)
        return out

    def first_time(self, pred):
        reqs, times = list(self.proxy.requests), list(self.proxy.requests.times)
        for r, t in zip(reqs, times):
            if pred(r):
                return t
        return None

    def pull_all(self, refs):
        """Starts `berth pull` of every ref at once; returns [(ref, rc, out, err)]."""
        procs = [(ref, self.daemon.popen_cli("pull", ref)) for ref in refs]
        results = []
        for ref, p in procs:
            try:
                out, err = p.communicate(timeout=300)
            except Exception:
                p.kill()
                raise
            results.append((ref, p.returncode, out, err))
        return results

    def assertAllSucceeded(self, results):
        for ref, rc, out, err in results:
            self.assertEqual(rc, 0, "berth pull %s failed (%d):\nstdout: %s\nstderr: %s\n"
                             "daemon log:\n%s" % (ref, rc, out, err, self.daemon.log()))
            self.assertPulled(out)

    def assertEachBlobFetchedOnce(self, digests):
        """One GET without Range (and no ranged GET) per blob digest, whoever needed it."""
        gets = self.blob_gets()
        for digest in digests:
            seen = gets.get(digest, [])
            plain = [r for r in seen if r is None]
            self.assertEqual(len(plain), 1, "blob %s fetched %d times without Range "
                             "(all GETs of it: %r)\nproxy requests:\n%s"
                             % (digest, len(plain), seen, self.request_log()))
            self.assertEqual(seen, [None], "blob %s had extra ranged GETs: %r"
                             % (digest, seen))

    def assertOverlapped(self, layer, npulls):
        """Every pull asked for its manifest before `layer`'s slow body could be done."""
        big_get = self.first_time(lambda r: r[0] == "GET" and layer.digest in r[1])
        self.assertIsNotNone(big_get)
        manifest_times = [t for r, t in zip(list(self.proxy.requests), self.proxy.requests.times)
                          if r[0] == "GET" and _MANIFEST_PATH.match(r[1].split("?")[0])]
        self.assertGreaterEqual(len(manifest_times), npulls, self.request_log())
        chunks = (layer.size + (64 << 10) - 1) // (64 << 10)
        body_done = big_get + chunks * DELAY
        self.assertLess(sorted(manifest_times)[npulls - 1], body_done,
                        "pulls did not overlap the layer download; the test proves nothing:\n"
                        + self.request_log())

    def request_log(self):
        t0 = self.proxy.requests.times[0] if self.proxy.requests.times else 0
        return "\n".join("%7.3f %s %s %s" % (t - t0, m, p, r or "")
                         for (m, p, r), t in zip(list(self.proxy.requests),
                                                 list(self.proxy.requests.times)))

    def assertFileOnce(self, name, content):
        """Exactly one regular file `name` with `content` in the data root (no leftovers)."""
        hits = [p for p in base.find_named(self.daemon.data_root, name)
                if stat.S_ISREG(os.lstat(p).st_mode)]
        good = [p for p in hits if _read(p) == content]
        self.assertEqual(len(good), 1, "expected one extracted %s, found %r" % (name, hits))

    # -- tests ----------------------------------------------------------------

    def test_same_image_pulled_three_times_at_once(self):
        image = fixtures.Image([big_layer(61), small_layer("one", "one\n"),
                                small_layer("two", "two\n")])
        image.push(self.reg, "conc/same", "v1")
        self.proxy.delay_per_chunk = DELAY
        ref = self.proxy.ref("conc/same", "v1")
        results = self.pull_all([ref, ref, ref])
        self.assertAllSucceeded(results)
        self.assertOverlapped(image.layers[0], 3)
        self.assertEachBlobFetchedOnce([l.digest for l in image.layers] + [image.config_digest])
        if os.environ.get("BERTH_E2E_VERBOSE"):
            print("\n" + self.request_log())

        info = self.inspect(ref)
        self.assertEqual(info["Id"], image.id)
        self.assertEqual(info["RootFS"]["Layers"], image.diff_ids)
        self.assertEqual(self.berth("images", "-q", "--no-trunc").split(), [image.id])
        self.assertFileOnce("big", fixtures.random_bytes(BIG, 61))
        self.assertFileOnce("one", b"one\n")
        self.assertFileOnce("two", b"two\n")

    def test_two_images_sharing_a_base_layer(self):
        shared = big_layer(62)
        a = fixtures.Image([shared, small_layer("a", "image a\n")], cmd=("/app/a",))
        b = fixtures.Image([shared, small_layer("b", "image b\n")], cmd=("/app/b",))
        a.push(self.reg, "conc/a", "v1")
        b.push(self.reg, "conc/b", "v1")
        self.proxy.delay_per_chunk = DELAY
        ref_a, ref_b = self.proxy.ref("conc/a", "v1"), self.proxy.ref("conc/b", "v1")
        results = self.pull_all([ref_a, ref_b])
        self.assertAllSucceeded(results)
        self.assertOverlapped(shared, 2)
        self.assertEachBlobFetchedOnce([shared.digest, a.layers[1].digest, b.layers[1].digest,
                                        a.config_digest, b.config_digest])

        for ref, image in ((ref_a, a), (ref_b, b)):
            info = self.inspect(ref)
            self.assertEqual(info["Id"], image.id)
            self.assertEqual(info["RootFS"]["Layers"], image.diff_ids)
        self.assertEqual(sorted(self.berth("images", "-q", "--no-trunc").split()),
                         sorted([a.id, b.id]))
        self.assertFileOnce("big", fixtures.random_bytes(BIG, 62))
        self.assertFileOnce("a", b"image a\n")
        self.assertFileOnce("b", b"image b\n")

        # Each image keeps the shared layer alive on its own.
        self.berth("rmi", ref_a)
        self.assertEqual(self.inspect(ref_b)["Id"], b.id)
        self.assertFileOnce("big", fixtures.random_bytes(BIG, 62))
        self.assertEqual(self.berth("pull", ref_b).count("Pull complete"), 0)


if __name__ == "__main__":
    base.main()
