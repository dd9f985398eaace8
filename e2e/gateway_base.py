"""Shared pieces of the Docker Engine API gateway e2e tests (gateway_*_test.py).

GatewayTest is a ContainerTest (a registry seeded with hello-world and busybox as berthd's
docker.io mirror, and berthd itself) plus a berth-gateway serving the Docker API on a Unix
socket in the daemon's short /tmp/berth-XXXXXX directory. Tests drive it with the real docker
CLI (self.docker / self.docker_ok / self.docker_pty), with docker-py (self.dockerpy()) or with
raw HTTP over the socket (self.api / self.raw_request), and every test checks at the end that
the gateway is still alive.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile

import harness
from container_base import ContainerTest, PtySession

DOCKER_CANDIDATES = ("/usr/local/bin/docker", "/usr/bin/docker")


def gateway_path():
    return os.path.join(harness.bin_dir(), "gateway", "berth-gateway")


def docker_path():
    """The real docker CLI; a missing one fails the test (no skips)."""
    for p in DOCKER_CANDIDATES:
        if os.access(p, os.X_OK):
            return p
    found = shutil.which("docker")
    if found:
        return found
    raise AssertionError("the docker CLI is not installed (looked in %s and $PATH)"
                         % ", ".join(DOCKER_CANDIDATES))


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over an AF_UNIX socket."""

    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Gateway:
    """berth-gateway for `daemon`, by default on <daemon.dir>/d.sock, logging beside its
    socket (<daemon.dir>/d-gateway.log)."""

    def __init__(self, daemon, extra_args=(), sock=None):
        if not os.path.exists(gateway_path()):
            raise AssertionError("berth-gateway not built: %s (bazel build //gateway:berth-gateway)"
                                 % gateway_path())
        self.daemon = daemon
        self.sock = sock or os.path.join(daemon.dir, "d.sock")
        self.host = "unix://" + self.sock
        self.log_path = os.path.splitext(self.sock)[0] + "-gateway.log"
        self.extra_args = list(extra_args)
        self.proc = None
        self.start()

    def argv(self):
        return [gateway_path(), "-H", self.host, "--engine", self.daemon.host,
                "--log-level", "debug"] + self.extra_args

    def start(self, timeout=30):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("berth-gateway exited with %d:\n%s"
                                   % (self.proc.returncode, self.log()))
            if not os.path.exists(self.sock):
                return False
            try:
                conn = UnixHTTPConnection(self.sock, timeout=2)
                conn.request("GET", "/_ping")
                ok = conn.getresponse().status == 200
                conn.close()
                return ok
            except OSError:
                return False

        harness.wait_for(ready, timeout=timeout, what="berth-gateway socket " + self.sock)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-8000:]
        except OSError:
            return ""

    def fds(self):
        """Number of open descriptors of the gateway process."""
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def threads(self):
        return len(os.listdir("/proc/%d/task" % self.proc.pid))

    def stop(self, timeout=15):
        """SIGTERM; returns the exit code (None if it was not running)."""
        proc, self.proc = self.proc, None
        return harness.stop_process(proc, timeout, "berth-gateway")

    def sanitizer_reports(self):
        """Lines of the log that start an ASan, LSan or UBSan report (--config=asan builds)."""
        return harness.sanitizer_lines(self.log_path)

    def close(self):
        """Stops the gateway; raises AssertionError if its log holds a sanitizer report."""
        try:
            self.stop()
        finally:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        reports = self.sanitizer_reports()
        if reports:
            raise AssertionError("berth-gateway reported sanitizer errors: %s\n%s"
                                 % ("; ".join(reports[:5]), self.log()))


class GatewayTest(ContainerTest):
    """A seeded registry, berthd, berth-gateway, and the real docker CLI pointed at it."""

    GATEWAY_ARGS = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.docker_bin = docker_path()
        # Class cleanups run LIFO: the gateway stops before the containers and berthd go.
        cls.gateway = Gateway(cls.daemon, cls.GATEWAY_ARGS)
        cls.addClassCleanup(cls.gateway.close)
        cls.docker_config = tempfile.mkdtemp(prefix="berth-dcfg-", dir="/tmp")
        cls.addClassCleanup(shutil.rmtree, cls.docker_config, True)
        cls.sock = cls.gateway.sock

    def setUp(self):
        super().setUp()
        self.addCleanup(self._check_gateway_alive)

    def _check_gateway_alive(self):
        if not self.gateway.alive():
            self.fail("berth-gateway died (exit %s); log:\n%s"
                      % (self.gateway.proc.returncode, self.gateway.log()))

    # -- the docker CLI --------------------------------------------------------

    def docker_env(self, env=None):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("DOCKER_")}
        e["DOCKER_HOST"] = self.gateway.host
        e["DOCKER_CONFIG"] = self.docker_config
        e["DOCKER_CLI_HINTS"] = "false"
        if env:
            e.update(env)
        return e

    def docker(self, *args, input=None, timeout=120, env=None):
        """Runs the real docker CLI against the gateway; returns (rc, stdout, stderr)."""
        p = subprocess.run([self.docker_bin] + [str(a) for a in args], input=input,
                           capture_output=True, text=True, timeout=timeout,
                           env=self.docker_env(env))
        return p.returncode, p.stdout, p.stderr

    def docker_ok(self, *args, **kw):
        """Runs the docker CLI, asserts exit 0 and returns stdout."""
        rc, out, err = self.docker(*args, **kw)
        if rc != 0:
            self.fail("docker %s exited %d\nstdout: %s\nstderr: %s\ngateway log:\n%s"
                      "\ndaemon log:\n%s" % (" ".join(map(str, args)), rc, out, err,
                                             self.gateway.log()[-4000:],
                                             self.daemon.log()[-3000:]))
        return out

    def docker_fails(self, *args, **kw):
        """Runs the docker CLI, asserts a non-zero exit; returns (rc, stdout, stderr)."""
        rc, out, err = self.docker(*args, **kw)
        self.assertNotEqual(rc, 0, "docker %s unexpectedly succeeded:\n%s%s" % (args, out, err))
        return rc, out, err

    def docker_popen(self, *args, **kw):
        """Starts the docker CLI without waiting (text pipes for stdout and stderr)."""
        return subprocess.Popen([self.docker_bin] + [str(a) for a in args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.docker_env(kw.pop("env", None)), **kw)

    def docker_pty(self, *args, rows=24, cols=80):
        """The docker CLI on a new pseudo-terminal (for -it); a container_base.PtySession."""
        env_args = ["%s=%s" % kv for kv in sorted(self.docker_env().items())]
        argv = ["/usr/bin/env", "-i"] + env_args + [self.docker_bin] + [str(a) for a in args]
        session = PtySession(argv, rows=rows, cols=cols)
        self.addCleanup(session.close)
        return session

    # -- docker-py -------------------------------------------------------------

    def dockerpy(self, **kw):
        """A docker-py client (version negotiated with GET /version) for the gateway."""
        import docker  # Debian's python3-docker
        client = docker.DockerClient(base_url=self.gateway.host, **kw)
        self.addCleanup(client.close)
        return client

    # -- raw HTTP --------------------------------------------------------------

    def api(self, method, path, body=None, headers=None, timeout=30):
        """One HTTP request over the gateway socket; returns (status, headers, body bytes).
        `body` may be bytes, str or a JSON-serialisable object; headers come back with
        lower-case names."""
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        conn = UnixHTTPConnection(self.sock, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def api_json(self, method, path, body=None, headers=None, timeout=30):
        """As api(), with the body decoded as JSON (None when empty)."""
        status, hdrs, data = self.api(method, path, body, headers, timeout)
        return status, hdrs, json.loads(data) if data else None

    def raw_socket(self, timeout=10):
        """A connected AF_UNIX socket to the gateway (for hand-made requests)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sock)
        self.addCleanup(s.close)
        return s

    def raw_request(self, data, timeout=10):
        """Sends `data` (bytes) on a fresh connection and reads until the gateway closes it
        or `timeout` passes; returns the bytes received."""
        s = self.raw_socket(timeout)
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        return out

    # -- resources -------------------------------------------------------------

    def gateway_fds(self):
        return self.gateway.fds()

    def wait_gateway_fds(self, baseline, timeout=10, slack=0):
        """Waits until the gateway's descriptor count is back to `baseline` (+ `slack`)."""
        last = {}

        def back():
            last["n"] = self.gateway_fds()
            return last["n"] <= baseline + slack
        try:
            harness.wait_for(back, timeout=timeout, interval=0.1, what="gateway fds")
        except TimeoutError:
            self.fail("gateway holds %d descriptors, baseline %d:\n%s"
                      % (last["n"], baseline,
                         "\n".join(sorted(_fd_targets(self.gateway.proc.pid)))))


def _fd_targets(pid):
    out = []
    d = "/proc/%d/fd" % pid
    for n in os.listdir(d):
        try:
            out.append("%s -> %s" % (n, os.readlink(os.path.join(d, n))))
        except OSError:
            pass
    return out


def wait_until(predicate, timeout=20, what="condition"):
    harness.wait_for(predicate, timeout=timeout, interval=0.1, what=what)


__all__ = ["GatewayTest", "Gateway", "UnixHTTPConnection", "docker_path", "gateway_path",
           "wait_until"]
