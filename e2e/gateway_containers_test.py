"""The gateway's container routes driven by the real docker CLI and raw HTTP: create, start,
ps, inspect, stop, kill, restart, rm, wait, top, stats, rename, pause/unpause, prune, the
settings of `docker run -d` as the engine applies them, and Docker's errors for unknown ids,
ambiguous prefixes, invalid names, conflicts and malformed create bodies.

Run: bazel test //e2e:gateway_containers_test (as root; needs the docker CLI).
"""

import json
import os
import re
import shutil
import tempfile
import time
import unittest
import urllib.parse

from gateway_base import GatewayTest, wait_until

HEX64 = re.compile(r"^[0-9a-f]{64}$")


class GatewayContainersTest(GatewayTest):

    # -- helpers ---------------------------------------------------------------

    def run_d(self, *args):
        cid = self.docker_ok("run", "-d", *args).strip()
        self.assertRegex(cid, HEX64)
        return cid

    def dinspect(self, ref):
        out = json.loads(self.docker_ok("inspect", ref))
        self.assertEqual(len(out), 1)
        return out[0]

    def status(self, ref):
        return self.docker_ok("inspect", "-f", "{{.State.Status}}", ref).strip()

    def wait_status(self, ref, want):
        wait_until(lambda: self.status(ref) == want, what="%s to be %s" % (ref, want))

    def rm_f(self, *refs):
        self.docker("rm", "-f", *refs)

    def assertDaemonError(self, err, message):
        self.assertIn("Error response from daemon: " + message, err)

    # -- lifecycle ---------------------------------------------------------------

    def test_create_start_inspect_stop_rm(self):
        self.addCleanup(self.rm_f, "life1")
        cid = self.docker_ok("create", "--name", "life1", "busybox", "sleep", "300").strip()
        self.assertRegex(cid, HEX64)
        self.assertEqual(self.status("life1"), "created")
        self.assertIn("Created", self.docker_ok("ps", "-a", "--filter", "name=life1"))
        self.assertEqual(self.docker_ok("start", "life1").strip(), "life1")
        # Starting again is a 304: not an error.
        self.assertEqual(self.docker_ok("start", "life1").strip(), "life1")
        doc = self.dinspect("life1")
        self.assertEqual(doc["Id"], cid)
        self.assertEqual(doc["Name"], "/life1")
        self.assertTrue(doc["State"]["Running"])
        self.assertGreater(doc["State"]["Pid"], 0)
        self.assertEqual(doc["Config"]["Cmd"], ["sleep", "300"])
        self.assertEqual(doc["Config"]["Image"], "busybox")
        self.assertEqual(doc["HostConfig"]["LogConfig"]["Type"], "json-file")
        self.assertIn("NetworkSettings", doc)
        self.assertEqual(self.docker_ok("stop", "-t", "1", "life1").strip(), "life1")
        self.assertEqual(self.status("life1"), "exited")
        # sleep as pid 1 ignores SIGTERM: SIGKILL after the timeout.
        self.assertEqual(self.docker_ok("wait", "life1").strip(), "137")
        self.assertEqual(self.docker_ok("stop", "life1").strip(), "life1")  # 304
        self.assertEqual(self.docker_ok("rm", "life1").strip(), "life1")
        rc, _, err = self.docker("rm", "life1")
        self.assertEqual(rc, 1)
        self.assertDaemonError(err, "No such container: life1")

    def test_run_d_then_ps_shows_up(self):
        self.addCleanup(self.rm_f, "up1")
        cid = self.run_d("--name", "up1", "busybox", "sleep", "300")
        out = self.docker_ok("ps")
        row = [l for l in out.splitlines() if l.endswith(" up1")]
        self.assertEqual(len(row), 1, out)
        self.assertTrue(row[0].startswith(cid[:12]), row)
        self.assertIn('"sleep 300"', row[0])
        self.assertRegex(row[0], r"Up (Less than a second|\d+ seconds?)")
        self.assertIn(cid[:12], self.docker_ok("ps", "-q").split())
        self.assertEqual(self.docker_ok("ps", "--filter", "name=up1", "--format",
                                        "{{.Names}} {{.State}} {{.Image}}").strip(),
                         "up1 running busybox")
        self.assertEqual(self.docker_ok("ps", "-a", "-q", "--no-trunc", "--filter",
                                        "status=running", "--filter", "name=up1").split(), [cid])
        js = json.loads(self.docker_ok("ps", "--filter", "name=up1", "--format", "json")
                        .splitlines()[0])
        self.assertEqual(js["Names"], "up1")
        self.assertEqual(js["Command"], '"sleep 300"')

    def test_ps_limit_and_exited_filter(self):
        self.addCleanup(self.rm_f, "ex1", "ex2")
        self.run_d("--name", "ex1", "busybox", "sh", "-c", "exit 2")
        self.docker_ok("wait", "ex1")
        self.docker_ok("create", "--name", "ex2", "busybox", "true")
        # -n 1: the newest container, whatever its state.
        self.assertIn(" ex2\n", self.docker_ok("ps", "-n", "1") + "\n")
        out = self.docker_ok("ps", "-a", "--filter", "status=exited", "--filter", "name=ex1",
                             "--format", "{{.Names}}|{{.Status}}")
        self.assertRegex(out.strip(), r"^ex1\|Exited \(2\) ")
        self.assertEqual(self.docker_ok("ps", "-a", "--filter", "exited=2", "--format",
                                        "{{.Names}}").split(), ["ex1"])

    def test_run_d_settings_are_applied(self):
        self.addCleanup(self.rm_f, "flags1")
        data = tempfile.mkdtemp(prefix="berth-gwc-", dir="/tmp")
        self.addCleanup(shutil.rmtree, data, True)
        os.chmod(data, 0o755)  # readable by the container's uid 1000
        with open(os.path.join(data, "marker"), "w") as f:
            f.write("hello-bind\n")
        self.run_d("--name", "flags1", "-e", "FOO=bar", "-w", "/tmp", "-u", "1000:1000",
                   "--memory", "64m", "--pids-limit", "42", "--cap-drop", "ALL", "--read-only",
                   "-v", data + ":/data:ro", "--tmpfs", "/scratch:size=1m", "-l", "team=berth",
                   "busybox", "sleep", "300")
        doc = self.dinspect("flags1")
        self.assertIn("FOO=bar", doc["Config"]["Env"])
        self.assertEqual(doc["Config"]["WorkingDir"], "/tmp")
        self.assertEqual(doc["Config"]["User"], "1000:1000")
        self.assertEqual(doc["Config"]["Labels"], {"team": "berth"})
        host = doc["HostConfig"]
        self.assertEqual(host["Memory"], 64 << 20)
        self.assertEqual(host["PidsLimit"], 42)
        self.assertEqual(host["CapDrop"], ["ALL"])
        self.assertTrue(host["ReadonlyRootfs"])
        self.assertIn("/scratch", host["Tmpfs"])
        binds = [m for m in doc["Mounts"] if m["Destination"] == "/data"]
        self.assertEqual(len(binds), 1, doc["Mounts"])
        self.assertEqual(binds[0]["Source"], data)
        self.assertFalse(binds[0]["RW"])
        # berth's own view agrees.
        mine = self.cinspect("flags1")
        self.assertEqual(mine["HostConfig"]["Memory"], 64 << 20)
        self.assertEqual(mine["HostConfig"]["PidsLimit"], 42)
        self.assertEqual(mine["Config"]["User"], "1000:1000")
        # And the running process has them.
        out = self.berth("exec", "flags1", "sh", "-c",
                         "id -u; pwd; echo $FOO; cat /data/marker; "
                         "touch /rootfs-file 2>/dev/null || echo ro-root; "
                         "grep -c scratch /proc/mounts")
        self.assertEqual(out.split(), ["1000", "/tmp", "bar", "hello-bind", "ro-root", "1"])

    def test_wait_exit_code(self):
        self.addCleanup(self.rm_f, "wait1")
        self.run_d("--name", "wait1", "busybox", "sh", "-c", "sleep 0.3; exit 3")
        self.assertEqual(self.docker_ok("wait", "wait1").strip(), "3")
        # not-running on an exited container answers at once with the remembered code.
        status, _, body = self.api_json("POST", "/v1.50/containers/wait1/wait")
        self.assertEqual((status, body), (200, {"StatusCode": 3, "Error": None}))

    def test_kill_and_restart(self):
        self.addCleanup(self.rm_f, "kill1")
        cid = self.run_d("--name", "kill1", "busybox", "sleep", "300")
        self.assertEqual(self.docker_ok("kill", "kill1").strip(), "kill1")
        self.assertEqual(self.docker_ok("wait", "kill1").strip(), "137")
        rc, _, err = self.docker("kill", "kill1")
        self.assertEqual(rc, 1)
        self.assertDaemonError(err, "cannot kill container: kill1: container %s is not running"
                               % cid)
        self.assertEqual(self.docker_ok("restart", "-t", "1", "kill1").strip(), "kill1")
        self.assertEqual(self.status("kill1"), "running")
        self.assertEqual(self.docker_ok("kill", "-s", "TERM", "kill1").strip(), "kill1")
        rc, _, err = self.docker("kill", "-s", "NOSUCHSIG", "kill1")
        self.assertNotEqual(rc, 0)

    def test_restart_with_signal(self):
        self.addCleanup(self.rm_f, "rsig1")
        self.run_d("--name", "rsig1", "busybox", "sh", "-c",
                   'trap "echo got-usr1; exit 0" USR1; while true; do sleep 0.2; done')
        self.assertEqual(self.docker_ok("restart", "-s", "USR1", "-t", "10", "rsig1").strip(),
                         "rsig1")
        self.assertEqual(self.status("rsig1"), "running")
        self.assertIn("got-usr1", self.docker_ok("logs", "rsig1"))

    def test_rm_running_container(self):
        self.addCleanup(self.rm_f, "rm1")
        self.run_d("--name", "rm1", "busybox", "sleep", "300")
        rc, _, err = self.docker("rm", "rm1")
        self.assertEqual(rc, 1)
        self.assertDaemonError(err, 'cannot remove container "/rm1": container is running: '
                               "stop the container before removing or force remove")
        self.assertEqual(self.docker_ok("rm", "-f", "rm1").strip(), "rm1")
        self.assertNotIn("rm1", self.docker_ok("ps", "-a", "--format", "{{.Names}}").split())

    def test_top(self):
        self.addCleanup(self.rm_f, "top1")
        self.run_d("--name", "top1", "busybox", "sleep", "300")
        out = self.docker_ok("top", "top1")
        lines = out.splitlines()
        self.assertIn("PID", lines[0])
        self.assertTrue(any("sleep 300" in l for l in lines[1:]), out)
        rc, _, err = self.docker("top", "nosuchtop")
        self.assertEqual(rc, 1)
        self.assertDaemonError(err, "No such container: nosuchtop")

    def test_stats_no_stream(self):
        self.addCleanup(self.rm_f, "stats1")
        self.run_d("--name", "stats1", "busybox", "sh", "-c",
                   "while :; do :; done & sleep 300")
        out = self.docker_ok("stats", "--no-stream", "stats1")
        lines = out.splitlines()
        self.assertRegex(lines[0], r"CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE / LIMIT")
        self.assertEqual(len(lines), 2, out)
        self.assertIn("stats1", lines[1])
        fmt = self.docker_ok("stats", "--no-stream", "--format",
                             "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDs}}", "stats1").strip()
        name, cpu, mem, pids = fmt.split("|")
        self.assertEqual(name, "stats1")
        # A busy loop: clearly more than nothing.
        self.assertGreater(float(cpu.rstrip("%")), 5.0, fmt)
        usage, limit = [s.strip() for s in mem.split("/")]
        self.assertNotEqual(usage, "0B", fmt)
        self.assertNotEqual(limit, "0B", fmt)
        self.assertGreaterEqual(int(pids), 2, fmt)
        # The raw one-shot document has Docker's shape.
        status, _, doc = self.api_json("GET", "/v1.50/containers/stats1/stats?stream=0&one-shot=1")
        self.assertEqual(status, 200)
        for key in ("read", "preread", "pids_stats", "cpu_stats", "precpu_stats",
                    "memory_stats", "blkio_stats", "name", "id"):
            self.assertIn(key, doc)
        self.assertEqual(doc["name"], "/stats1")
        self.assertGreater(doc["cpu_stats"]["cpu_usage"]["total_usage"], 0)

    def test_rename(self):
        self.addCleanup(self.rm_f, "ren1", "ren2", "ren3")
        self.docker_ok("create", "--name", "ren1", "busybox", "true")
        self.docker_ok("create", "--name", "ren3", "busybox", "true")
        self.docker_ok("rename", "ren1", "ren2")
        self.assertEqual(self.dinspect("ren2")["Name"], "/ren2")
        rc, _, err = self.docker("container", "inspect", "ren1")
        self.assertEqual(rc, 1)
        rc, _, err = self.docker("rename", "ren2", "ren3")
        self.assertEqual(rc, 1)
        self.assertIn('Conflict. The container name "/ren3" is already in use', err)

    def test_pause_unpause(self):
        self.addCleanup(self.rm_f, "pause1")
        self.run_d("--name", "pause1", "busybox", "sleep", "300")
        self.assertEqual(self.docker_ok("pause", "pause1").strip(), "pause1")
        self.assertEqual(self.status("pause1"), "paused")
        status = self.docker_ok("ps", "--filter", "name=pause1", "--format", "{{.Status}}")
        self.assertIn("(Paused)", status)
        rc, _, err = self.docker("pause", "pause1")
        self.assertEqual(rc, 1)
        self.assertIn("is already paused", err)
        self.assertEqual(self.docker_ok("unpause", "pause1").strip(), "pause1")
        self.assertEqual(self.status("pause1"), "running")

    def test_container_prune(self):
        self.addCleanup(self.rm_f, "prune_run")
        stopped = self.docker_ok("create", "--name", "prune_stopped", "busybox", "true").strip()
        self.run_d("--name", "prune_run", "busybox", "sleep", "300")
        out = self.docker_ok("container", "prune", "-f")
        self.assertIn("Deleted Containers:", out)
        self.assertIn(stopped, out)
        self.assertIn("Total reclaimed space:", out)
        names = self.docker_ok("ps", "-a", "--format", "{{.Names}}").split()
        self.assertNotIn("prune_stopped", names)
        self.assertIn("prune_run", names)
        status, _, body = self.api_json("POST", "/v1.50/containers/prune")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"ContainersDeleted": None, "SpaceReclaimed": 0})

    def test_resize(self):
        self.addCleanup(self.rm_f, "tty1")
        self.run_d("-t", "--name", "tty1", "busybox", "sleep", "300")
        status, _, _ = self.api("POST", "/v1.50/containers/tty1/resize?h=40&w=100")
        self.assertEqual(status, 200)
        status, _, body = self.api_json("POST", "/v1.50/containers/tty1/resize?h=x&w=100")
        self.assertEqual(status, 400)

    # -- errors --------------------------------------------------------------------

    def test_unknown_container(self):
        for cmd in (("stop",), ("kill",), ("rm",), ("start",), ("restart",), ("pause",),
                    ("wait",), ("container", "inspect")):
            rc, _, err = self.docker(*(cmd + ("nosuchctr",)))
            self.assertEqual(rc, 1, cmd)
            self.assertIn("No such container: nosuchctr", err, cmd)
        status, hdrs, body = self.api_json("GET", "/v1.50/containers/nosuchctr/json")
        self.assertEqual(status, 404)
        self.assertEqual(hdrs["content-type"], "application/json")
        self.assertEqual(body, {"message": "No such container: nosuchctr"})

    def test_ambiguous_prefix(self):
        ids = {}
        try:
            for i in range(40):
                cid = self.docker_ok("create", "--name", "amb%d" % i, "busybox", "true").strip()
                ids["amb%d" % i] = cid
                firsts = [c[0] for c in ids.values()]
                if len(set(firsts)) < len(firsts):
                    break
            firsts = [c[0] for c in ids.values()]
            dup = next(c for c in firsts if firsts.count(c) > 1)
            rc, _, err = self.docker("stop", dup)
            self.assertEqual(rc, 1)
            self.assertDaemonError(err, "multiple IDs found with provided prefix: " + dup)
            status, _, body = self.api_json("GET", "/v1.50/containers/%s/json" % dup)
            self.assertEqual(status, 400, body)
        finally:
            if ids:
                self.docker("rm", "-f", *ids.keys())

    def test_invalid_name_and_conflict(self):
        rc, _, err = self.docker("create", "--name", "bad name!", "busybox", "true")
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid container name (bad name!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                      "allowed", err)
        self.addCleanup(self.rm_f, "dup1")
        cid = self.docker_ok("create", "--name", "dup1", "busybox", "true").strip()
        rc, _, err = self.docker("run", "--name", "dup1", "busybox", "true")
        self.assertEqual(rc, 125)
        self.assertIn('Conflict. The container name "/dup1" is already in use by container "%s"'
                      % cid, err)

    def test_port_publishing_is_refused_clearly(self):
        rc, _, err = self.docker("run", "-d", "-p", "8080:80", "busybox", "true")
        self.assertEqual(rc, 125)
        self.assertIn("port publishing is not supported by Berth yet", err)

    def test_malformed_create_bodies(self):
        path = "/v1.50/containers/create"
        cases = [
            b'{"Image": "busybox", "Cmd": [',      # truncated
            b'{"Image": busybox}',                  # malformed
            b'',                                    # empty
            b'["busybox"]',                         # not an object
        ]
        for body in cases:
            status, hdrs, data = self.api("POST", path, body=body,
                                          headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, body)
            self.assertEqual(hdrs["content-type"], "application/json")
            self.assertTrue(json.loads(data)["message"].startswith("invalid JSON"), data)
        status, _, body = self.api_json("POST", path, body={"Image": "busybox", "Cmd": 5})
        self.assertEqual(status, 400)
        self.assertIn("cannot unmarshal number", body["message"])
        status, _, body = self.api_json("POST", path, body='{"Image":"busybox"}',
                                        headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 400)
        self.assertIn("must be 'application/json'", body["message"])
        # A truncated body on the wire (Content-Length larger than what is sent, then EOF)
        # must not take the gateway down.
        s = self.raw_socket()
        s.sendall(b"POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Ima")
        s.shutdown(1)
        s.recv(65536)
        status, _, _ = self.api("GET", "/_ping")
        self.assertEqual(status, 200)

    def test_missing_image_is_404_no_such_image(self):
        status, _, body = self.api_json("POST", "/v1.50/containers/create",
                                        body={"Image": "nosuch/img"})
        self.assertEqual(status, 404)
        self.assertEqual(body["message"], "No such image: nosuch/img:latest")
        rc, _, err = self.docker("run", "--pull", "never", "nosuch/img")
        self.assertEqual(rc, 125)
        self.assertIn("docker: Error response from daemon: No such image: nosuch/img:latest", err)

    def test_run_rm_with_failed_start_removes_and_returns(self):
        before = set(self.docker_ok("ps", "-a", "-q", "--no-trunc").split())
        rc, _, err = self.docker("run", "--rm", "busybox", "nosuchcmd", timeout=60)
        self.assertEqual(rc, 127, err)
        self.assertIn("executable file not found", err)
        after = set(self.docker_ok("ps", "-a", "-q", "--no-trunc").split())
        self.assertEqual(after - before, set())

    def test_stats_stream_and_disconnect(self):
        self.addCleanup(self.rm_f, "stream1")
        self.run_d("--name", "stream1", "busybox", "sleep", "300")
        baseline = self.gateway_fds()
        s = self.raw_socket(timeout=10)
        s.sendall(b"GET /v1.50/containers/stream1/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        deadline = time.time() + 10
        while data.count(b'}\n\r\n') < 2 and time.time() < deadline:  # two whole chunks
            data += s.recv(65536)
        self.assertIn(b"Transfer-Encoding: chunked", data)
        self.assertGreaterEqual(data.count(b'"preread"'), 2, data)
        # The second sample carries the first as precpu_stats.
        text = data.decode()
        decoder = json.JSONDecoder()
        docs = [decoder.raw_decode(text, m.start())[0]
                for m in list(re.finditer(r'\{"name"', text))[:2]]
        self.assertEqual(len(docs), 2, text)
        self.assertEqual(docs[1]["preread"], docs[0]["read"])
        s.close()
        self.wait_gateway_fds(baseline, slack=1)
        self.assertEqual(self.status("stream1"), "running")

    def test_wait_conditions(self):
        self.addCleanup(self.rm_f, "wc1")
        self.docker_ok("create", "--name", "wc1", "busybox", "sh", "-c", "exit 7")
        status, _, body = self.api_json("POST", "/v1.50/containers/wc1/wait?condition=bogus")
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], 'invalid condition: "bogus"')
        # not-running on a created container: at once, 0.
        status, _, body = self.api_json("POST", "/v1.50/containers/wc1/wait")
        self.assertEqual((status, body["StatusCode"]), (200, 0))
        # next-exit: the head comes before the exit; the body after the start.
        from gateway_base import UnixHTTPConnection
        conn = UnixHTTPConnection(self.sock, timeout=30)
        self.addCleanup(conn.close)
        conn.request("POST", "/v1.50/containers/wc1/wait?condition=next-exit",
                     headers={"Content-Length": "0"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Transfer-Encoding"), "chunked")
        self.docker_ok("start", "wc1")
        self.assertEqual(json.loads(resp.read()), {"StatusCode": 7, "Error": None})

    def test_abandoned_waits_release_their_descriptors(self):
        self.addCleanup(self.rm_f, "aw1")
        self.run_d("--name", "aw1", "busybox", "sleep", "300")
        baseline = self.gateway_fds()
        for _ in range(5):
            s = self.raw_socket()
            s.sendall(b"POST /v1.50/containers/aw1/wait?condition=next-exit HTTP/1.1\r\n"
                      b"Host: x\r\nContent-Length: 0\r\n\r\n")
            self.assertIn(b"200", s.recv(4096))
            s.close()
        self.wait_gateway_fds(baseline, slack=1)
        self.assertEqual(self.status("aw1"), "running")

    def test_list_json_shapes(self):
        self.addCleanup(self.rm_f, "shape1")
        cid = self.run_d("--name", "shape1", "-l", "k=v", "busybox", "sleep", "300")
        filters = urllib.parse.quote(json.dumps({"name": ["shape1"]}))  # docker-py's list form
        status, _, body = self.api_json(
            "GET", "/v1.50/containers/json?limit=-1&all=0&size=0&trunc_cmd=0&filters="
            + filters)
        self.assertEqual(status, 200)
        self.assertEqual(len(body), 1)
        c = body[0]
        self.assertEqual(c["Id"], cid)
        self.assertEqual(c["Names"], ["/shape1"])
        self.assertIsInstance(c["Created"], int)
        self.assertEqual(c["Command"], "sleep 300")
        self.assertEqual(c["State"], "running")
        self.assertEqual(c["Labels"], {"k": "v"})
        self.assertTrue(c["ImageID"].startswith("sha256:"))
        self.assertIsInstance(c["Ports"], list)
        status, _, body = self.api_json("GET", "/v1.50/containers/json?filters=%7Bbad")
        self.assertEqual(status, 400)


if __name__ == "__main__":
    unittest.main()
