"""docker-py (Debian's python3-docker) against berth-gateway: the high-level client's
version negotiation, ping, info, image pulls, containers.run attached and detached (with
its auto-pull), streaming logs, exec_run, wait, remove and events, as scripts written for
Docker use them."""

import time

import base
from gateway_base import GatewayTest


class GatewayDockerPyTest(GatewayTest):

    def setUp(self):
        super().setUp()
        import docker
        self.errors = docker.errors
        self.client = self.dockerpy()

    def tearDown(self):
        for c in self.client.containers.list(all=True):
            try:
                c.remove(force=True)
            except self.errors.APIError:
                pass
        super().tearDown()

    # -- system --------------------------------------------------------------------

    def test_version_ping_info(self):
        self.assertEqual(self.client.api.api_version, "1.50")  # negotiated via GET /version
        v = self.client.version()
        self.assertEqual(v["ApiVersion"], "1.50")
        self.assertEqual(v["MinAPIVersion"], "1.24")
        self.assertTrue(self.client.ping())
        info = self.client.info()
        self.assertEqual(info["OSType"], "linux")
        self.assertIn("Containers", info)

    # -- images ----------------------------------------------------------------------

    def test_images_pull_and_get(self):
        image = self.client.images.pull("busybox")
        self.assertIn("busybox:latest", image.tags)
        self.assertTrue(image.id.startswith("sha256:"))
        self.assertEqual(self.client.images.get("busybox:latest").id, image.id)
        self.assertIn(image.id, [i.id for i in self.client.images.list()])

    def test_pull_of_missing_repository_is_image_not_found(self):
        # From the local registry: the docker.io mirror would fall back to Docker Hub,
        # which this offline machine cannot reach.
        with self.assertRaises(self.errors.NotFound):
            self.client.images.pull("%s/nonexistent/img" % self.registry.host, tag="latest")
        with self.assertRaises(self.errors.ImageNotFound):
            self.client.images.get("nonexistent/img:latest")

    # -- containers ----------------------------------------------------------------

    def test_run_returns_output(self):
        out = self.client.containers.run("busybox", "echo hi", remove=True)
        self.assertEqual(out, b"hi\n")

    def test_run_pulls_a_missing_image(self):
        try:
            self.client.images.remove("hello-world:latest", force=True)
        except self.errors.ImageNotFound:
            pass
        out = self.client.containers.run("hello-world", remove=True)
        self.assertIn(b"Hello from Berth!", out)

    def test_run_nonzero_exit_raises_container_error(self):
        with self.assertRaises(self.errors.ContainerError) as cm:
            self.client.containers.run("busybox", ["sh", "-c", "echo err >&2; exit 3"],
                                       remove=True)
        self.assertEqual(cm.exception.exit_status, 3)
        self.assertIn(b"err", cm.exception.stderr)

    def test_run_detached_wait_and_remove(self):
        c = self.client.containers.run("busybox", ["sh", "-c", "sleep 1; exit 7"], detach=True,
                                       name="dpy-detached")
        self.assertEqual(c.name, "dpy-detached")
        c.reload()
        self.assertIn(c.status, ("running", "exited"))
        self.assertEqual(c.wait(timeout=30)["StatusCode"], 7)
        c.reload()
        self.assertEqual(c.status, "exited")
        self.assertEqual(c.attrs["State"]["ExitCode"], 7)
        c.remove()
        with self.assertRaises(self.errors.NotFound):
            self.client.containers.get(c.id)

    def test_streaming_logs(self):
        c = self.client.containers.run(
            "busybox", ["sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done"],
            detach=True)
        chunks = []
        start = time.monotonic()
        for chunk in c.logs(stream=True, follow=True):
            chunks.append(chunk)
        self.assertEqual(b"".join(chunks), b"line1\nline2\nline3\n")
        self.assertLess(time.monotonic() - start, 20)
        self.assertEqual(c.logs(stdout=True, stderr=False), b"line1\nline2\nline3\n")
        self.assertEqual(c.logs(tail=1), b"line3\n")

    def test_exec_run(self):
        c = self.client.containers.run("busybox", "sleep 60", detach=True)
        r = c.exec_run(["sh", "-c", "echo out; echo err >&2; exit 5"])
        self.assertEqual(r.exit_code, 5)
        self.assertIn(b"out\n", r.output)
        r = c.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
        self.assertEqual(r.exit_code, 0)
        self.assertEqual(r.output, (b"out\n", b"err\n"))
        r = c.exec_run("env", environment={"FOO": "bar"}, workdir="/tmp")
        self.assertIn(b"FOO=bar", r.output)
        c.kill()
        self.assertNotEqual(c.wait(timeout=30)["StatusCode"], 0)
        c.remove()

    def test_list_and_filters(self):
        c = self.client.containers.create("busybox", "true", name="dpy-listed",
                                          labels={"dpy": "yes"})
        names = [x.name for x in self.client.containers.list(all=True)]
        self.assertIn("dpy-listed", names)
        self.assertEqual([x.id for x in self.client.containers.list(
            all=True, filters={"label": "dpy=yes"})], [c.id])
        self.assertEqual(self.client.containers.list(filters={"label": "dpy=yes"}), [])
        c.remove()

    def test_events(self):
        since = int(time.time()) - 1
        self.client.containers.run("busybox", "true", name="dpy-ev", remove=True)
        events = list(self.client.events(since=since, until=int(time.time()) + 1,
                                         filters={"type": "container"}, decode=True))
        actions = [e["Action"] for e in events
                   if e["Actor"]["Attributes"].get("name") == "dpy-ev"]
        for a in ("create", "start", "die", "destroy"):
            self.assertIn(a, actions, events)


if __name__ == "__main__":
    base.main()
