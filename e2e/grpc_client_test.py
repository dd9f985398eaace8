"""Another program using Berth's API: Python stubs generated from proto/berth/v1 with
grpc_tools.protoc (Debian's python3-grpc-tools) talk to berthd over its unix socket,
list images and pull one, reading the per-layer progress stream."""

import glob
import importlib
import os
import sys
import unittest

import base
from base import fixtures, harness


def generate_stubs(out_dir):
    """Runs protoc on proto/berth/v1/*.proto; returns the imported modules by name."""
    from grpc_tools import protoc
    root = harness.proto_root()
    protos = sorted(glob.glob(os.path.join(root, "proto", "berth", "v1", "*.proto")))
    if not protos:
        raise AssertionError("no proto files under " + root)
    rel = [os.path.relpath(p, root) for p in protos]
    args = ["protoc", "-I" + root, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir] + rel
    for inc in ("/usr/include",):
        if os.path.exists(os.path.join(inc, "google", "protobuf", "timestamp.proto")):
            args.insert(2, "-I" + inc)
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: %s" % args)
    sys.path.insert(0, out_dir)
    mods = {}
    for r in rel:
        name = r[:-len(".proto")].replace(os.sep, ".")
        mods[name.rsplit(".", 1)[-1] + "_pb2"] = importlib.import_module(name + "_pb2")
        mods[name.rsplit(".", 1)[-1] + "_pb2_grpc"] = importlib.import_module(name + "_pb2_grpc")
    return mods


class GrpcClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        base.require_binaries()
        import grpc  # noqa: F401  (python3-grpcio; a missing one fails the test)
        cls.stub_dir = harness.make_tempdir("berth-stubs-")
        cls.addClassCleanup(fixtures.rmtree, cls.stub_dir)
        cls.m = generate_stubs(cls.stub_dir)
        cls.registry = harness.Registry("plain")
        cls.addClassCleanup(cls.registry.close)
        cls.image = fixtures.Image(fixtures.standard_layers("gzip", big_size=256 << 10, seed=81))
        cls.image.push(cls.registry.client(), "grpc/app", "v1")
        cls.daemon = harness.Daemon()
        cls.addClassCleanup(cls.daemon.close)

    def setUp(self):
        import grpc
        self.channel = grpc.insecure_channel("unix://" + self.daemon.sock)
        self.addCleanup(self.channel.close)
        m = self.m
        self.pb = m["images_pb2"]
        self.images = m["images_pb2_grpc"].ImagesStub(self.channel)
        self.system = m["system_pb2_grpc"].SystemStub(self.channel)

    def test_version(self):
        v = self.system.Version(self.m["system_pb2"].VersionRequest(), timeout=30)
        self.assertTrue(v.version)
        self.assertEqual(v.api_version, "berth.v1")
        self.assertEqual(v.os, "linux")

    def test_list_pull_list(self):
        ref = self.registry.ref("grpc/app", "v1")
        before = self.images.List(self.pb.ListImagesRequest(), timeout=30)
        self.assertNotIn(self.image.id, [i.id for i in before.images])

        events = list(self.images.Pull(self.pb.PullRequest(reference=ref), timeout=300))
        kinds = [e.WhichOneof("event") for e in events]
        self.assertEqual(kinds[-1], "done", kinds)
        done = events[-1].done
        self.assertEqual(done.digest, self.image.digest)
        self.assertEqual(done.image_id, self.image.id)
        self.assertFalse(done.up_to_date)
        layer_ids = {e.layer.id for e in events if e.WhichOneof("event") == "layer"}
        for l in self.image.layers:
            self.assertIn(l.digest[7:19], layer_ids)

        after = self.images.List(self.pb.ListImagesRequest(), timeout=30)
        got = {i.id: i for i in after.images}
        self.assertIn(self.image.id, got)
        self.assertIn(ref, got[self.image.id].repo_tags)
        self.assertEqual(list(got[self.image.id].layers), self.image.diff_ids)

        again = list(self.images.Pull(self.pb.PullRequest(reference=ref), timeout=300))
        self.assertTrue(again[-1].done.up_to_date)

    def test_pull_unknown_tag_is_not_found(self):
        import grpc
        ref = self.registry.ref("grpc/app", "nope")
        with self.assertRaises(grpc.RpcError) as cm:
            list(self.images.Pull(self.pb.PullRequest(reference=ref), timeout=60))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertIn("manifest unknown", cm.exception.details())


if __name__ == "__main__":
    base.main()
