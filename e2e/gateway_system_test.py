"""The gateway's server and system routes, driven by the real docker CLI and raw HTTP:
version negotiation, /_ping, /version, /info, /events, /system/df, Docker's error shapes,
the socket's permissions, mutual TLS on TCP, and bad clients (malformed, oversized, half-sent
and stalled requests, many at once) that must leave the gateway up with no leaked
descriptors."""

import grp
import json
import os
import re
import select
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import base
import harness
from gateway_base import Gateway, GatewayTest, gateway_path

HEADER_TIMEOUT = 2  # seconds (--header-timeout), so the slowloris test is quick


class GatewaySystemTest(GatewayTest):

    GATEWAY_ARGS = ("--header-timeout", str(HEADER_TIMEOUT))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.daemon.cli_ok("pull", "busybox", timeout=120)

    def setUp(self):
        super().setUp()
        self.api("GET", "/_ping")  # warm up before taking the baseline
        self.fds_before = self.gateway_fds()

    def assertNoLeaks(self):
        self.wait_gateway_fds(self.fds_before)

    def assertDockerError(self, status, hdrs, body, want_status, message):
        self.assertEqual(status, want_status, body)
        self.assertEqual(hdrs.get("content-type"), "application/json")
        self.assertEqual(json.loads(body), {"message": message})

    # -- negotiation -------------------------------------------------------------

    def test_docker_version(self):
        out = self.docker_ok("version")
        server = out[out.index("Server:"):]
        self.assertRegex(server, r"API version:\s+1\.50 \(minimum version 1\.24\)")
        self.assertNotIn("downgraded", out)
        self.assertRegex(server, r"OS/Arch:\s+linux/")
        fmt = self.docker_ok("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}")
        self.assertEqual(fmt.strip(), "1.50 1.24")

    def test_docker_info(self):
        rc, out, err = self.docker("info")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"Server Version:\s+\S+")
        self.assertIn("Swarm: inactive", out)
        self.assertRegex(out, r"Docker Root Dir:\s+" + re.escape(self.daemon.data_root))
        self.assertRegex(out, r"Images:\s+[1-9]")
        self.assertNotIn("ERROR", err)
        info = json.loads(self.docker_ok("info", "--format", "{{json .}}"))
        self.assertEqual(info["OSType"], "linux")
        self.assertGreaterEqual(info["NCPU"], 1)
        self.assertGreater(info["MemTotal"], 0)

    def test_ping_head_and_get(self):
        for method in ("HEAD", "GET"):
            for path in ("/_ping", "/v1.50/_ping", "/v1.24/_ping"):
                status, hdrs, body = self.api(method, path)
                self.assertEqual(status, 200, (method, path))
                self.assertEqual(hdrs["api-version"], "1.50")
                self.assertEqual(hdrs["ostype"], "linux")
                self.assertEqual(hdrs["docker-experimental"], "false")
                self.assertIn("builder-version", hdrs)
                self.assertIn("no-cache", hdrs["cache-control"])
                self.assertEqual(hdrs["pragma"], "no-cache")
                self.assertTrue(hdrs["server"].startswith("Docker/"), hdrs["server"])
                self.assertEqual(body, b"" if method == "HEAD" else b"OK")
        status, hdrs, _ = self.api("HEAD", "/_ping")
        self.assertEqual(hdrs["content-length"], "0")

    def test_version_prefixes(self):
        for path in ("/version", "/v1.24/version", "/v1.41/version", "/v1.50/version"):
            status, hdrs, doc = self.api_json("GET", path)
            self.assertEqual(status, 200, path)
            self.assertEqual(hdrs["content-type"], "application/json")
            self.assertEqual(doc["ApiVersion"], "1.50")
            self.assertEqual(doc["MinAPIVersion"], "1.24")
            self.assertEqual(doc["Os"], "linux")
            engine = [c for c in doc["Components"] if c["Name"] == "Engine"]
            self.assertEqual(len(engine), 1)
        self.assertDockerError(
            *self.api("GET", "/v1.12/version"), 400,
            "client version 1.12 is too old. Minimum supported API version is 1.24, "
            "please upgrade your client to a newer version")
        self.assertDockerError(
            *self.api("GET", "/v1.99/version"), 400,
            "client version 1.99 is too new. Maximum supported API version is 1.50")
        rc, _, err = self.docker("version", env={"DOCKER_API_VERSION": "1.51"})
        self.assertNotEqual(rc, 0)
        self.assertIn("client version 1.51 is too new", err)

    def test_unknown_routes_are_404_json(self):
        for method, path in (("GET", "/nosuch"), ("GET", "/v1.50/containers"),
                             ("DELETE", "/_ping"), ("PUT", "/v1.50/version")):
            self.assertDockerError(*self.api(method, path), 404, "page not found")

    # -- the socket --------------------------------------------------------------

    def test_socket_mode_and_group(self):
        st = os.stat(self.sock)
        self.assertEqual(st.st_mode & 0o777, 0o660)
        self.assertEqual(st.st_uid, 0)
        try:
            want = grp.getgrnam("docker").gr_gid
        except KeyError:
            want = 0
        self.assertEqual(st.st_gid, want)

    def test_sigterm_removes_socket(self):
        path = os.path.join(self.daemon.dir, "t.sock")
        g = Gateway(self.daemon, sock=path)
        try:
            self.assertTrue(os.path.exists(path))
            rc, out, err = self.docker("version", "--format", "{{.Server.APIVersion}}",
                                       env={"DOCKER_HOST": g.host})
            self.assertEqual((rc, out.strip()), (0, "1.50"), err)
            self.assertEqual(g.stop(), 0, g.log())
            self.assertFalse(os.path.exists(path))
        finally:
            g.close()

    def test_tcp_without_tls_refused(self):
        p = subprocess.run([gateway_path(), "-H", "tcp://127.0.0.1:%d" % harness.free_port(),
                            "--engine", self.daemon.host], capture_output=True, text=True,
                           timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("mutual TLS", p.stderr)
        p = subprocess.run([gateway_path(), "-H", "tcp://127.0.0.1:%d" % harness.free_port(),
                            "--tlsverify", "--engine", self.daemon.host],
                           capture_output=True, text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--tlscacert", p.stderr)

    def test_tcp_with_mutual_tls(self):
        certs = tempfile.mkdtemp(prefix="berth-tls-", dir="/tmp")
        self.addCleanup(harness.remove_tree_with_mounts, certs)
        make_certs(certs)
        port = harness.free_port()
        g = Gateway(self.daemon, sock=os.path.join(self.daemon.dir, "tls.sock"),
                    extra_args=["-H", "tcp://127.0.0.1:%d" % port, "--tlsverify",
                                "--tlscacert", os.path.join(certs, "ca.pem"),
                                "--tlscert", os.path.join(certs, "server-cert.pem"),
                                "--tlskey", os.path.join(certs, "server-key.pem")])
        self.addCleanup(g.close)
        env = {"DOCKER_HOST": "tcp://127.0.0.1:%d" % port, "DOCKER_TLS_VERIFY": "1",
               "DOCKER_CERT_PATH": certs}
        rc, out, err = self.docker("version", "--format", "{{.Server.APIVersion}}", env=env)
        self.assertEqual((rc, out.strip()), (0, "1.50"), err + g.log())
        # Without a client certificate the handshake fails: no HTTP answer at all.
        ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
        got = b""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                    s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
                    got = s.recv(1024)
        except (ssl.SSLError, OSError):
            pass
        self.assertNotIn(b"HTTP/1.1", got)
        # Plain HTTP on the TLS port gets nothing either.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                got = s.recv(1024)
            except OSError:
                got = b""
        self.assertNotIn(b"200 OK", got)
        self.assertTrue(g.alive(), g.log())

    # -- bad input ---------------------------------------------------------------

    def test_malformed_and_truncated_json(self):
        for body in (b"{bad", b'{"Image": "busybox"', b"[" * (4 << 20), b""):
            status, hdrs, data = self.api("POST", "/v1.50/containers/create", body=body,
                                          headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, data[:200])
            self.assertEqual(hdrs["content-type"], "application/json")
            self.assertTrue(json.loads(data)["message"].startswith("invalid JSON"), data)
        self.assertNoLeaks()

    def test_oversized_bodies(self):
        limit = 64 << 20
        # Declared too large: refused before the body is read.
        s = self.raw_socket()
        s.sendall(b"POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (limit + 1))
        reply = read_all(s)
        self.assertTrue(reply.startswith(b"HTTP/1.1 413 "), reply[:200])
        self.assertIn(b'"message":"request body too large', reply)
        s.close()
        # Chunked, found too large while reading.
        s = self.raw_socket(timeout=30)
        s.sendall(b"POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (1 << 20, b" " * (1 << 20))
        try:
            for _ in range(70):
                s.sendall(chunk)
        except OSError:
            pass  # the gateway stopped reading
        reply = read_all(s)
        self.assertTrue(reply.startswith(b"HTTP/1.1 413 "), reply[:200])
        s.close()
        self.assertEqual(self.api("GET", "/_ping")[0], 200)
        self.assertNoLeaks()

    def test_malformed_http(self):
        reply = self.raw_request(b"NOT HTTP AT ALL\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), reply)
        reply = self.raw_request(b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (2 << 20)
                                 + b"\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 431 ") or reply == b"", reply[:100])
        self.assertNoLeaks()

    def test_half_requests_and_disconnects(self):
        for data in (b"GET /_pi", b"GET /_ping HTTP/1.1\r\nHost: x\r\n",
                     b"POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 100\r\n\r\n{\"Im"):
            for _ in range(5):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock)
                s.sendall(data)
                s.close()
        self.assertEqual(self.api("GET", "/_ping")[0], 200)
        self.assertNoLeaks()

    def test_stalled_request_head_times_out(self):
        s = self.raw_socket(timeout=HEADER_TIMEOUT + 20)
        start = time.monotonic()
        s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        self.assertEqual(read_all(s), b"")
        self.assertLess(time.monotonic() - start, HEADER_TIMEOUT + 10)
        self.assertNoLeaks()

    def test_keep_alive_outlives_header_timeout(self):
        s = self.raw_socket(timeout=10)
        for i in range(2):
            s.sendall(b"GET /v1.50/_ping HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while not reply.endswith(b"OK"):
                chunk = s.recv(4096)
                self.assertTrue(chunk, "the gateway closed an idle keep-alive connection")
                reply += chunk
            self.assertTrue(reply.startswith(b"HTTP/1.1 200 OK"), reply)
            self.assertNotIn(b"Connection: close", reply)
            if i == 0:
                time.sleep(HEADER_TIMEOUT + 1)

    def test_pipelined_requests(self):
        s = self.raw_socket()
        s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n" * 3 +
                  b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = read_all(s)
        self.assertEqual(reply.count(b"HTTP/1.1 200 OK"), 4, reply)

    def test_hundred_clients_at_once(self):
        socks = []
        for _ in range(100):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(30)
            s.connect(self.sock)
            socks.append(s)
        for s in socks:
            s.sendall(b"GET /v1.50/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        results = [None] * len(socks)

        def read(i):
            results[i] = read_all(socks[i])
        threads = [threading.Thread(target=read, args=(i,)) for i in range(len(socks))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for s in socks:
            s.close()
        for r in results:
            self.assertTrue(r and r.startswith(b"HTTP/1.1 200 OK"), r)
            self.assertIn(b'"ApiVersion":"1.50"', r)
        self.assertNoLeaks()

    # -- events and df -------------------------------------------------------------

    def test_events_replay_with_since_until(self):
        since = int(time.time()) - 1
        self.daemon.cli_ok("run", "--rm", "--name", "ev1", "busybox", "true", timeout=120)
        out = self.docker_ok("events", "--since", str(since), "--until", str(int(time.time()) + 1),
                             "--filter", "type=container", "--format", "{{json .}}", timeout=60)
        events = [json.loads(l) for l in out.splitlines() if l.strip()]
        mine = [e for e in events if e["Actor"]["Attributes"].get("name") == "ev1"]
        actions = [e["Action"] for e in mine]
        for a in ("create", "start", "die", "destroy"):
            self.assertIn(a, actions, out)
        self.assertLess(actions.index("create"), actions.index("destroy"))
        die = mine[actions.index("die")]
        self.assertEqual(die["Type"], "container")
        self.assertEqual(die["status"], "die")
        self.assertEqual(die["id"], die["Actor"]["ID"])
        self.assertEqual(die["Actor"]["Attributes"]["exitCode"], "0")
        self.assertEqual(die["scope"], "local")
        self.assertEqual(die["timeNano"] // 10**9, die["time"])
        # The CLI's own rendering of the same stream.
        text = self.docker_ok("events", "--since", str(since), "--until", str(int(time.time())),
                              "--filter", "event=destroy", timeout=60)
        self.assertRegex(text, r"\d{4}-\d\d-\d\dT[\d:.]+Z container destroy [0-9a-f]{64} \(.*name=ev1")

    def test_events_stream_live_and_stop_when_client_goes(self):
        p = self.docker_popen("events", "--filter", "type=image", "--format", "{{json .}}")
        try:
            time.sleep(1)  # let the stream start
            self.daemon.cli_ok("tag", "busybox", "evtag:1")
            line = read_line(p.stdout, timeout=20)
            self.assertTrue(line, "no event arrived; gateway log:\n" + self.gateway.log())
            ev = json.loads(line)
            self.assertEqual((ev["Type"], ev["Action"]), ("image", "tag"))
            self.assertEqual(ev["status"], "tag")
        finally:
            p.terminate()
            p.wait(10)
            p.stdout.close()
            p.stderr.close()
        self.daemon.cli_ok("rmi", "evtag:1")
        self.assertNoLeaks()

    def test_events_bad_filter_is_400(self):
        status, hdrs, body = self.api("GET", "/v1.50/events?since=yesterday")
        self.assertEqual(status, 400, body)
        rc, _, err = self.docker("events", "--filter", "foo=bar", "--until",
                                 str(int(time.time())))
        self.assertNotEqual(rc, 0)
        self.assertIn("invalid filter 'foo'", err)

    def test_events_label_filter(self):
        since = int(time.time()) - 1
        self.daemon.cli_ok("run", "--rm", "--label", "evl=yes", "--name", "evl1", "busybox",
                           "true", timeout=120)
        self.daemon.cli_ok("run", "--rm", "--name", "evl2", "busybox", "true", timeout=120)
        out = self.docker_ok("events", "--since", str(since), "--until", str(int(time.time()) + 1),
                             "--filter", "label=evl=yes", "--format", "{{json .}}", timeout=60)
        names = {json.loads(l)["Actor"]["Attributes"].get("name")
                 for l in out.splitlines() if l.strip()}
        self.assertEqual(names, {"evl1"}, out)

    def test_events_of_types_berth_never_emits_end_at_until(self):
        out = self.docker_ok("events", "--filter", "type=network", "--since", "0",
                             "--until", str(int(time.time()) + 1), timeout=30)
        self.assertEqual(out, "")

    def test_system_df(self):
        out = self.docker_ok("system", "df")
        rows = base.parse_table(out)
        types = [r.get("TYPE") for r in rows]
        self.assertIn("Images", types)
        self.assertIn("Containers", types)
        status, _, doc = self.api_json("GET", "/v1.50/system/df")
        self.assertEqual(status, 200)
        self.assertTrue(any("busybox:latest" in (i["RepoTags"] or []) for i in doc["Images"]))
        self.assertEqual(doc["Volumes"], [])
        self.assertEqual(doc["BuildCache"], [])


# ---------------------------------------------------------------------------


def read_all(sock):
    """Reads until EOF or timeout."""
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def read_line(f, timeout):
    """One line from a text pipe, or "" after `timeout`."""
    r, _, _ = select.select([f], [], [], timeout)
    return f.readline() if r else ""


def make_certs(d):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as the docker CLI
    expects them in DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem",
        "-out", "ca.pem", "-days", "2", "-subj", "/CN=berth-e2e-ca")
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name, ext in (("server", "server.ext"), ("client", "client.ext")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "%s-key.pem" % name,
            "-out", "%s.csr" % name, "-subj", "/CN=%s" % name)
        run("x509", "-req", "-in", "%s.csr" % name, "-CA", "ca.pem", "-CAkey", "ca-key.pem",
            "-CAcreateserial", "-out", "%s-cert.pem" % name, "-days", "2", "-extfile", ext)
    os.rename(os.path.join(d, "client-cert.pem"), os.path.join(d, "cert.pem"))
    os.rename(os.path.join(d, "client-key.pem"), os.path.join(d, "key.pem"))


if __name__ == "__main__":
    base.main()
