"""Fixtures for Berth end-to-end tests: registries, a token server, the daemon.

Only the Python standard library is used here (gRPC lives in grpc_client_test.py).

Registry(mode="plain"|"basic"|"token") runs Debian's /usr/bin/docker-registry on
127.0.0.1:<free port> with its own temporary storage. "basic" protects it with an
htpasswd file; "token" with a TokenServer (JWTs signed by an RSA key made with openssl).

Daemon() runs bazel-bin/engine/berthd with its own data root, exec root and socket
under a short /tmp/berth-XXXXXX directory; Daemon.cli() runs bazel-bin/cli/berth
against it with a per-daemon --config directory.

Binary paths come from $BERTH_BIN_DIR (default: <repo>/bazel-bin), so the same code
runs inside Bazel (run_py_test.sh points it at the runfiles tree) and outside it.
"""

import base64
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REGISTRY_BIN = "/usr/bin/docker-registry"
# Under --config=asan berthd is an ASan+UBSan build: these lines in its log fail the test.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def bin_dir():
    return os.environ.get("BERTH_BIN_DIR") or os.path.join(REPO, "bazel-bin")


def berthd_path():
    return os.path.join(bin_dir(), "engine", "berthd")


def berth_path():
    return os.path.join(bin_dir(), "cli", "berth")


def proto_root():
    """Directory holding proto/berth/v1/*.proto (the runfiles tree or the repo)."""
    root = os.environ.get("BERTH_PROTO_ROOT") or bin_dir()
    if os.path.exists(os.path.join(root, "proto", "berth", "v1", "images.proto")):
        return root
    return REPO


def free_port():
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc, timeout, name):
    """SIGTERM to `proc` (a Popen or None); returns its exit code (None if it was not
    running). Kills it and raises AssertionError if it outlives `timeout` seconds."""
    if not proc:
        return None
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("%s did not exit within %ds of SIGTERM" % (name, timeout))
    return proc.returncode


def sanitizer_lines(log_path):
    """Lines of the log at `log_path` that start an ASan, LSan or UBSan report."""
    try:
        with open(log_path, "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        return []
    return [l for l in text.splitlines() if any(m in l for m in SANITIZER_MARKERS)]


def remove_tree_with_mounts(path):
    """Lazily unmounts everything mounted under `path` (deepest first), then removes
    it unless BERTH_E2E_KEEP is set (daemons leave overlay and bind mounts behind)."""
    try:
        with open("/proc/self/mounts") as f:
            mounts = [l.split()[1] for l in f]
        for m in sorted(mounts, reverse=True):
            if m.startswith(path + "/"):
                subprocess.run(["umount", "-l", m], capture_output=True)
    except OSError:
        pass
    if not os.environ.get("BERTH_E2E_KEEP"):
        shutil.rmtree(path, ignore_errors=True)


def make_tempdir(prefix="berth-"):
    """mkdtemp under /tmp with a short name (unix socket paths must stay < 108 bytes)."""
    return tempfile.mkdtemp(prefix=prefix, dir="/tmp")


def wait_for(predicate, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError("timed out waiting for %s" % what)


def run(cmd, input=None, timeout=300, check=True, env=None):
    """Runs a command; returns (rc, stdout, stderr) as text."""
    p = subprocess.run(cmd, input=input, capture_output=True, text=True,
                       timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(cmd), p.returncode,
                                                     p.stdout, p.stderr))
    return p.returncode, p.stdout, p.stderr


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tree_snapshot(path, skip=()):
    """Set of relative paths under `path` (not following symlinks), minus `skip` prefixes."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(path):
        rel = os.path.relpath(dirpath, path)
        if any(rel == s or rel.startswith(s + os.sep) for s in skip):
            dirnames[:] = []
            continue
        for n in dirnames + filenames:
            out.add(os.path.normpath(os.path.join(rel, n)))
    return out


# ---------------------------------------------------------------------------
# Token server


class TokenServer:
    """A Docker-registry token server (the "Bearer" flow of the distribution spec).

    GET /token?service=S&scope=repository:NAME:pull,push[&scope=...] with optional
    Basic credentials. Known users get every action they ask for; bad credentials get
    401; anonymous callers get `anonymous_actions` (default none). Tokens are RS256
    JWTs whose "kid" is the libtrust key id of the signing key, which the registry
    finds in its rootcertbundle.
    """

    def __init__(self, workdir, users, service="berth-e2e", issuer="berth-e2e-issuer",
                 anonymous_actions=(), ttl=300):
        self.workdir = workdir
        self.users = dict(users)
        self.service = service
        self.issuer = issuer
        self.anonymous_actions = tuple(anonymous_actions)
        self.ttl = ttl
        self.requests = []  # (account or None, [scopes]) per token request
        self.key = os.path.join(workdir, "token.key")
        self.cert = os.path.join(workdir, "token.crt")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key,
             "-out", self.cert, "-days", "2", "-subj", "/CN=berth-e2e-token"])
        _, der, _ = self._pubkey_der()
        self.kid = self._libtrust_kid(der)
        self.port = free_port()
        self.realm = "http://127.0.0.1:%d/token" % self.port
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def _pubkey_der(self):
        p = subprocess.run(["openssl", "pkey", "-in", self.key, "-pubout", "-outform", "DER"],
                           capture_output=True, check=True)
        return 0, p.stdout, b""

    @staticmethod
    def _libtrust_kid(spki_der):
        # libtrust: sha256 of the DER SubjectPublicKeyInfo, first 240 bits, base32,
        # in groups of four characters joined by ':'.
        b32 = base64.b32encode(hashlib.sha256(spki_der).digest()[:30]).decode().rstrip("=")
        return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                           input=signing_input, capture_output=True, check=True)
        return signing_input.decode() + "." + b64url(p.stdout)

    def issue(self, account, scopes, service):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            typ, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
            allowed = actions if account else [a for a in actions if a in self.anonymous_actions]
            if allowed:
                access.append({"type": typ, "name": name, "actions": allowed})
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": account or "", "aud": service,
                  "exp": now + self.ttl, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": access}
        return self.sign(claims)

    def _handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path != "/token":
                    self.send_error(404)
                    return
                q = urllib.parse.parse_qs(url.query)
                scopes = []
                for s in q.get("scope", []):
                    scopes.extend(s.split(" "))
                service = q.get("service", [server.service])[0]
                account = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    try:
                        user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                    except Exception:
                        user, pw = "", None
                    if server.users.get(user) != pw:
                        server.requests.append(("!" + user, scopes))
                        body = json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                                       "message": "invalid username or password"}]})
                        self._reply(401, body)
                        return
                    account = user
                server.requests.append((account, scopes))
                token = server.issue(account, scopes, service)
                self._reply(200, json.dumps({
                    "token": token, "access_token": token, "expires_in": server.ttl,
                    "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))

            def _reply(self, code, body):
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()


# ---------------------------------------------------------------------------
# Registry


class Registry:
    """Debian's docker-registry (distribution 2.8) on 127.0.0.1:<free port>.

    mode "plain": anonymous push and pull. "basic": htpasswd Basic auth for `users`.
    "token": Bearer tokens from a TokenServer that knows `users`.
    stop()/start() keep the port and the storage, so a test can take the registry
    away and bring it back.
    """

    def __init__(self, mode="plain", users=None, workdir=None):
        assert mode in ("plain", "basic", "token"), mode
        self.mode = mode
        self.users = dict(users or {"alice": "wonderland"})
        self._own_workdir = workdir is None
        self.workdir = workdir or make_tempdir("berth-reg-")
        self.storage = os.path.join(self.workdir, "storage")
        os.makedirs(self.storage, exist_ok=True)
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.url = "http://" + self.host
        self.token_server = None
        self.proc = None
        cfg = {
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": self.storage},
                        "delete": {"enabled": True},
                        "cache": {"blobdescriptor": "inmemory"}},
            "http": {"addr": self.host, "secret": uuid.uuid4().hex},
        }
        if mode == "basic":
            htpasswd = os.path.join(self.workdir, "htpasswd")
            with open(htpasswd, "w") as f:
                for user, pw in self.users.items():
                    _, out, _ = run(["htpasswd", "-Bbn", user, pw])
                    f.write(out.strip() + "\n")
            cfg["auth"] = {"htpasswd": {"realm": "berth-e2e", "path": htpasswd}}
        elif mode == "token":
            self.token_server = TokenServer(self.workdir, self.users)
            cfg["auth"] = {"token": {"realm": self.token_server.realm,
                                     "service": self.token_server.service,
                                     "issuer": self.token_server.issuer,
                                     "rootcertbundle": self.token_server.cert}}
        self.config_path = os.path.join(self.workdir, "config.yml")
        with open(self.config_path, "w") as f:
            json.dump(cfg, f, indent=1)  # JSON is YAML
        self.log_path = os.path.join(self.workdir, "registry.log")
        self.start()

    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", self.config_path],
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("docker-registry exited: " + self.log())
            try:
                urllib.request.urlopen(self.url + "/v2/", timeout=1)
                return True
            except urllib.error.HTTPError as e:
                return e.code == 401
            except OSError:
                return False

        wait_for(up, what="registry on " + self.host)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def close(self):
        self.stop()
        if self.token_server:
            self.token_server.stop()
            self.token_server = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def ref(self, repo, tag="latest"):
        return "%s/%s:%s" % (self.host, repo, tag)

    def client(self, user=None, password=None):
        """A fixtures.RegistryClient for this registry (credentials default to the first user)."""
        from fixtures import RegistryClient
        if self.mode != "plain" and user is None:
            user, password = next(iter(self.users.items()))
        return RegistryClient(self.url, user, password)


# ---------------------------------------------------------------------------
# Daemon


class Daemon:
    """berthd in its own short temporary directory.

    Layout: <dir>/root (data root), <dir>/exec, <dir>/b.sock, <dir>/berthd.pid,
    <dir>/cfg (the CLI's --config dir), <dir>/berthd.log (stderr, appended across restarts).
    """

    def __init__(self, extra_args=(), start=True, workdir=None):
        self.dir = workdir or make_tempdir()
        self.data_root = os.path.join(self.dir, "root")
        self.exec_root = os.path.join(self.dir, "exec")
        self.sock = os.path.join(self.dir, "b.sock")
        self.host = "unix://" + self.sock
        self.pidfile = os.path.join(self.dir, "berthd.pid")
        self.config_dir = os.path.join(self.dir, "cfg")
        os.makedirs(self.config_dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "berthd.log")
        self.extra_args = list(extra_args)
        self.proc = None
        if start:
            self.start()

    def argv(self, extra_args=None):
        return [berthd_path(), "-H", self.host, "--data-root", self.data_root,
                "--exec-root", self.exec_root, "--pidfile", self.pidfile,
                "--log-level", "debug"] + list(self.extra_args if extra_args is None else extra_args)

    def start(self, timeout=30):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("berthd exited with %d:\n%s" % (self.proc.returncode, self.log()))
            if not os.path.exists(self.sock):
                return False
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                try:
                    s.connect(self.sock)
                    return True
                except OSError:
                    return False

        wait_for(ready, timeout=timeout, what="berthd socket " + self.sock)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-8000:]
        except OSError:
            return ""

    def cli(self, *args, input=None, timeout=600, config_dir=None, env=None):
        """Runs `berth -H unix://... --config DIR ARGS...`; returns (rc, stdout, stderr)."""
        cmd = [berth_path(), "-H", self.host, "--config", config_dir or self.config_dir]
        cmd += [str(a) for a in args]
        p = subprocess.run(cmd, input=input, capture_output=True, text=True,
                           timeout=timeout, env=env)
        return p.returncode, p.stdout, p.stderr

    def cli_ok(self, *args, **kw):
        rc, out, err = self.cli(*args, **kw)
        if rc != 0:
            raise AssertionError("berth %s failed (%d):\nstdout: %s\nstderr: %s\ndaemon log:\n%s"
                                 % (" ".join(map(str, args)), rc, out, err, self.log()))
        return out

    def popen_cli(self, *args):
        """Starts the CLI without waiting (for killing the daemon mid-command)."""
        cmd = [berth_path(), "-H", self.host, "--config", self.config_dir] + [str(a) for a in args]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code (None if it was not running)."""
        proc, self.proc = self.proc, None
        return stop_process(proc, timeout, "berthd")

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        self.start()

    def sanitizer_reports(self):
        """Lines of the whole log (all restarts) that start an ASan, LSan or UBSan report."""
        return sanitizer_lines(self.log_path)

    def close(self):
        """Stops berthd and removes its directory; raises AssertionError (after cleaning up)
        if the log holds a sanitizer report, so ASan/UBSan builds fail the test."""
        reports = []
        try:
            if self.alive():
                self.stop()
        finally:
            self.kill9()
            reports = self.sanitizer_reports()
            if reports:
                sys.stderr.write("berthd sanitizer report in %s:\n%s\n"
                                 % (self.log_path, self.log()))
            remove_tree_with_mounts(self.dir)
        if reports:
            raise AssertionError("berthd reported sanitizer errors: " + "; ".join(reports[:5]))
