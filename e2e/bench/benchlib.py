"""Helpers and the peers for the benchmarks: registry, dockerd, berthd, berth-gateway, skopeo,
a naive pipeline.

Every class that starts a process has stop(), which ends that process (by its pid, or its own
process group if it lingers) and removes what it created. Each peer has empty(ref), which leaves
its local store without the image, and pull(ref), which raises on failure.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

REPO_NAME = "bench/big"
TAG = "latest"

DOCKER_SOCK = "/run/bench-docker.sock"
DOCKER_DATA = "/var/lib/bench-docker"
DOCKER_EXEC = "/run/bench-docker"
DOCKER_PID = "/run/bench-docker.pid"

MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def die(msg):
    log("error: " + msg)
    sys.exit(2)


def run(cmd, check=True, quiet=False, env=None, timeout=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(cmd), p.returncode,
                                                     p.stdout[-2000:], p.stderr[-2000:]))
    if not quiet and p.returncode != 0:
        log("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()[-500:]))
    return p


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


def unix_connectable(path):
    if not os.path.exists(path):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(path)
            return True
        except OSError:
            return False


def rss_mb(pid, field="VmRSS"):
    """A /proc/<pid>/status memory field (VmRSS, RssAnon, RssFile) in MB (10^6 bytes), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return None


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def drop_caches():
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False



# ---------------------------------------------------------------------------- registry

class Registry:
    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        storage = os.path.join(workdir, "storage")
        os.makedirs(storage)
        cfg = {
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": storage},
                        "cache": {"blobdescriptor": "inmemory"}},
            "http": {"addr": self.host, "secret": uuid.uuid4().hex},
        }
        self.cfg_path = os.path.join(workdir, "cfg.yml")
        with open(self.cfg_path, "w") as f:
            json.dump(cfg, f)  # JSON is YAML
        self.log_path = os.path.join(workdir, "registry.log")
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", self.cfg_path],
                                         stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("docker-registry exited: " + open(self.log_path).read()[-2000:])
            try:
                urllib.request.urlopen("http://%s/v2/" % self.host, timeout=1)
                return True
            except OSError:
                return False
        wait_for(up, 20, "registry on " + self.host)

    def _conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def push_blob(self, digest, path):
        c = self._conn()
        c.request("HEAD", "/v2/%s/blobs/%s" % (REPO_NAME, digest))
        r = c.getresponse()
        r.read()
        if r.status == 200:
            return
        c.request("POST", "/v2/%s/blobs/uploads/" % REPO_NAME, body=b"",
                  headers={"Content-Length": "0"})
        r = c.getresponse()
        r.read()
        if r.status != 202:
            raise RuntimeError("upload start: HTTP %d" % r.status)
        loc = r.getheader("Location")
        if loc.startswith("http"):
            loc = "/" + loc.split("/", 3)[3]
        loc += ("&" if "?" in loc else "?") + "digest=" + digest
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            c.request("PUT", loc, body=f, headers={"Content-Length": str(size),
                                                   "Content-Type": "application/octet-stream"})
            r = c.getresponse()
            body = r.read()
        if r.status != 201:
            raise RuntimeError("blob PUT %s: HTTP %d %s" % (digest, r.status, body[:300]))
        c.close()

    def push_image(self, image_dir):
        with open(os.path.join(image_dir, "manifest.json"), "rb") as f:
            manifest_bytes = f.read()
        manifest = json.loads(manifest_bytes)
        for desc in [manifest["config"]] + manifest["layers"]:
            self.push_blob(desc["digest"],
                           os.path.join(image_dir, "blobs", desc["digest"].split(":", 1)[1]))
        c = self._conn()
        c.request("PUT", "/v2/%s/manifests/%s" % (REPO_NAME, TAG), body=manifest_bytes,
                  headers={"Content-Type": MT_MANIFEST})
        r = c.getresponse()
        body = r.read()
        if r.status != 201:
            raise RuntimeError("manifest PUT: HTTP %d %s" % (r.status, body[:300]))
        c.close()
        return manifest

    def stop(self):
        stop_proc(self.proc, "docker-registry")


def stop_proc(proc, name, timeout=30):
    """SIGTERM a process this script started, SIGKILL its process group if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log("%s did not exit after SIGTERM; killing its process group" % name)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()



# ---------------------------------------------------------------------------- daemons

def mounts_under(prefixes):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if any(mp == p or mp.startswith(p + "/") for p in prefixes):
                out.append(mp)
    return out


def remove_tree(path):
    """rm -rf `path` after lazily unmounting anything left mounted below it."""
    for mp in sorted(mounts_under([path]), key=len, reverse=True):
        run(["umount", "-l", mp], check=False)
    shutil.rmtree(path, ignore_errors=True)


class Dockerd:
    def __init__(self, workdir):
        if os.path.exists(DOCKER_PID):
            try:
                pid = int(open(DOCKER_PID).read().strip() or "0")
            except ValueError:
                pid = 0
            if pid and os.path.exists("/proc/%d" % pid):
                die("a dockerd from an earlier run is still running (pid %d, %s); stop it first"
                    % (pid, DOCKER_PID))
            os.unlink(DOCKER_PID)
        for p in (DOCKER_SOCK,):
            if os.path.exists(p):
                os.unlink(p)
        cfg = os.path.join(workdir, "docker-cli")  # an empty CLI config: no credentials
        os.makedirs(cfg, exist_ok=True)
        self.env = dict(os.environ, DOCKER_HOST="unix://" + DOCKER_SOCK, DOCKER_CONFIG=cfg)
        self.env.pop("DOCKER_CONTEXT", None)
        self.log_path = os.path.join(workdir, "dockerd.log")
        argv = [shutil.which("dockerd"), "-H", "unix://" + DOCKER_SOCK, "--data-root", DOCKER_DATA,
                "--exec-root", DOCKER_EXEC, "--pidfile", DOCKER_PID, "--bridge=none",
                "--iptables=false"]
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(argv, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("dockerd exited: " + open(self.log_path).read()[-3000:])
            return (unix_connectable(DOCKER_SOCK) and
                    self.docker("version", check=False, quiet=True).returncode == 0)
        wait_for(up, 90, "dockerd on " + DOCKER_SOCK)
        info = self.docker("info", "--format", "{{.ServerVersion}} {{.Driver}}", check=False).stdout
        log("dockerd %s up" % info.strip())

    def docker(self, *args, check=True, quiet=False):
        return run(["docker"] + list(args), check=check, quiet=quiet, env=self.env)

    def empty(self, ref):
        self.docker("rmi", "-f", ref, check=False, quiet=True)
        self.docker("image", "prune", "-af", check=False)

    def pull(self, ref):
        self.docker("pull", "-q", ref)

    def rss(self):
        """(dockerd MB, its containerd MB or None)."""
        ctd = [c for c in children(self.proc.pid) if comm(c).startswith("containerd")]
        return rss_mb(self.proc.pid), (rss_mb(ctd[0]) if ctd else None)

    def stop(self):
        stop_proc(self.proc, "dockerd", timeout=60)
        for p in (DOCKER_SOCK, DOCKER_PID):
            if os.path.exists(p):
                os.unlink(p)
        remove_tree(DOCKER_EXEC)
        remove_tree(DOCKER_DATA)


class Berthd:
    def __init__(self, workdir, bin_dir, extra_args=()):
        self.workdir = workdir
        self.extra_args = list(extra_args)
        self.berthd = os.path.join(bin_dir, "engine", "berthd")
        self.berth = os.path.join(bin_dir, "cli", "berth")
        self.sock = os.path.join(workdir, "b.sock")
        self.host = "unix://" + self.sock
        self.generation = 0
        self.proc = None
        self.log_path = os.path.join(workdir, "berthd.log")
        self.config_dir = os.path.join(workdir, "cli")  # an empty CLI config: no credentials
        os.makedirs(self.config_dir, exist_ok=True)
        self.start()

    def start(self):
        self.generation += 1
        self.root = os.path.join(self.workdir, "root%d" % self.generation)
        self.exec_root = os.path.join(self.workdir, "exec%d" % self.generation)
        argv = [self.berthd, "-H", self.host, "--data-root", self.root,
                "--exec-root", self.exec_root, "--pidfile", os.path.join(self.workdir, "berthd.pid")]
        argv += self.extra_args
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(argv, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("berthd exited %d: %s" % (self.proc.returncode,
                                                             open(self.log_path).read()[-3000:]))
            return unix_connectable(self.sock)
        wait_for(up, 30, "berthd on " + self.sock)

    def cli(self, *args, check=True, quiet=False):
        return run([self.berth, "-H", self.host, "--config", self.config_dir] + list(args),
                   check=check, quiet=quiet)

    def empty(self, ref):
        # rmi fails with "No such image" when the image is already gone: judge by inspect.
        self.cli("rmi", "-f", ref, check=False, quiet=True)
        pruned = self.cli("image", "prune", "-a", "-f", check=False, quiet=True).returncode == 0
        gone = self.cli("image", "inspect", ref, check=False, quiet=True).returncode != 0
        if not (pruned and gone):
            if self.generation == 1:
                log("berth rmi/prune failed; restarting berthd on a fresh data root before each pull")
            self.stop()
            self.start()

    def pull(self, ref):
        self.cli("pull", ref)

    def stop(self):
        if self.proc is not None:
            stop_proc(self.proc, "berthd")
            self.proc = None
        remove_tree(self.root)
        remove_tree(self.exec_root)


# ---------------------------------------------------------------------------- the other tools

class Skopeo:
    def __init__(self, workdir):
        self.policy = os.path.join(workdir, "policy.json")
        with open(self.policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
        self.dest = os.path.join(workdir, "skopeo-dir")

    def empty(self, ref):
        shutil.rmtree(self.dest, ignore_errors=True)

    def pull(self, ref):
        run(["skopeo", "--policy", self.policy, "copy", "-q", "--src-tls-verify=false",
             "docker://" + ref, "dir:" + self.dest])


class Naive:
    """One `curl | gunzip | tar -x` pipeline per layer, all in parallel, each checking sha256."""

    def __init__(self, workdir, registry, manifest):
        self.dest = os.path.join(workdir, "naive")
        self.urls = ["http://%s/v2/%s/blobs/%s" % (registry.host, REPO_NAME, l["digest"])
                     for l in manifest["layers"]]
        self.digests = [l["digest"] for l in manifest["layers"]]

    def empty(self, ref):
        shutil.rmtree(self.dest, ignore_errors=True)

    def pull(self, ref):
        procs = []
        for i, url in enumerate(self.urls):
            d = os.path.join(self.dest, "l%d" % i)
            os.makedirs(d)
            script = ('set -o pipefail; curl -sfL "$1" | tee >(sha256sum > "$2.sha") | gunzip | '
                      'tar -x -C "$2"; rc=$?; wait $!; exit $rc')
            procs.append(subprocess.Popen(["bash", "-c", script, "naive", url, d],
                                          stderr=subprocess.PIPE, text=True))
        errors = []
        for i, p in enumerate(procs):
            _, err = p.communicate()
            if p.returncode != 0:
                errors.append("layer %d: exit %d %s" % (i, p.returncode, err.strip()))
                continue
            got = "sha256:" + open(os.path.join(self.dest, "l%d.sha" % i)).read().split()[0]
            if got != self.digests[i]:
                errors.append("layer %d: digest %s, want %s" % (i, got, self.digests[i]))
        if errors:
            raise RuntimeError("; ".join(errors))



class BerthGateway:
    """berth-gateway (<bin_dir>/gateway/berth-gateway) serving the Docker API on
    <workdir>/docker.sock in front of `berthd` (a Berthd); logs to <workdir>/gateway.log."""

    def __init__(self, workdir, bin_dir, berthd):
        self.binary = os.path.join(bin_dir, "gateway", "berth-gateway")
        self.sock = os.path.join(workdir, "docker.sock")
        self.host = "unix://" + self.sock
        self.log_path = os.path.join(workdir, "gateway.log")
        argv = [self.binary, "-H", self.host, "--engine", berthd.host]
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(argv, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("berth-gateway exited %d: %s"
                                   % (self.proc.returncode, open(self.log_path).read()[-3000:]))
            return unix_connectable(self.sock)
        wait_for(up, 30, "berth-gateway on " + self.sock)

    def stop(self):
        if self.proc is not None:
            stop_proc(self.proc, "berth-gateway")
            self.proc = None
        if os.path.exists(self.sock):
            os.unlink(self.sock)
