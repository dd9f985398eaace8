"""Shared pieces of the container e2e tests (containers_, run_, restart_, security_,
limits_test.py): a TestCase whose daemon has the project's test images behind a docker.io
mirror, pty sessions for -t, and the checks that nothing is left behind.

ContainerTest starts one plain registry, pushes hello-world and busybox to it as
library/<name>:latest (e2e/testimages.py), and starts berthd with
`--registry-mirror <registry>` (and `--shim-binary` when the shim is built), so
`berth run busybox ...` resolves docker.io/library/busybox through the local mirror.
"""

import errno
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

import base
import harness
import testimages
from base import E2ETest

CGROUP_ROOT = "/sys/fs/cgroup"


def shim_path():
    return os.path.join(harness.bin_dir(), "shim", "berth-shim")


def require_container_binaries():
    base.require_binaries()
    # A missing shim is a failure, not a skip: every container test needs it.
    if not os.path.exists(shim_path()):
        raise AssertionError("berth-shim not built: %s (bazel build //shim:berth-shim)"
                             % shim_path())


class ContainerTest(E2ETest):
    """A registry seeded with the test images and a berthd that mirrors docker.io to it."""

    EXTRA_DAEMON_ARGS = ()
    IMAGES = ("hello-world", "busybox")

    @classmethod
    def setUpClass(cls):
        require_container_binaries()
        cls.registry = harness.Registry("plain")
        cls.addClassCleanup(cls.registry.close)
        cls.reg = cls.registry.client()
        testimages.seed(cls.reg, cls.IMAGES)
        args = ["--registry-mirror", cls.registry.url, "--shim-binary", shim_path()]
        cls.daemon = harness.Daemon(extra_args=args + list(cls.EXTRA_DAEMON_ARGS))
        cls.addClassCleanup(cls._cleanup_containers)
        cls.addClassCleanup(cls.daemon.close)

    @classmethod
    def _cleanup_containers(cls):
        """Force-removes every container (class cleanup runs LIFO: before daemon.close)."""
        if not cls.daemon.alive():
            return
        rc, out, _ = cls.daemon.cli("ps", "-a", "-q", "--no-trunc", timeout=60)
        ids = out.split() if rc == 0 else []
        if ids:
            cls.daemon.cli("rm", "-f", *ids, timeout=120)

    # -- running ----------------------------------------------------------------

    def run_ctr(self, *args, input=None, timeout=120):
        """`berth run ARGS`; returns (rc, stdout, stderr) whatever the exit code."""
        return self.daemon.cli("run", *args, input=input, timeout=timeout)

    def run_ok(self, *args, **kw):
        rc, out, err = self.run_ctr(*args, **kw)
        self.assertEqual(rc, 0, "berth run %s exited %d\nstdout: %s\nstderr: %s\ndaemon log:\n%s"
                         % (" ".join(args), rc, out, err, self.daemon.log()))
        return out

    def run_d(self, *args):
        """`berth run -d ARGS`; returns the full container ID."""
        cid = self.berth("run", "-d", *args).strip()
        self.assertRegex(cid, r"^[0-9a-f]{64}$")
        return cid

    def cinspect(self, name):
        out = json.loads(self.berth("inspect", name))
        self.assertIsInstance(out, list)
        self.assertEqual(len(out), 1)
        return out[0]

    def state(self, name):
        return self.cinspect(name)["State"]

    def wait_state(self, name, pred, timeout=30, what="state"):
        last = {}

        def check():
            last["s"] = self.state(name)
            return pred(last["s"])
        try:
            harness.wait_for(check, timeout=timeout, interval=0.1, what=what)
        except TimeoutError:
            self.fail("timed out waiting for %s of %s; last State: %s" % (what, name, last.get("s")))
        return last["s"]

    def wait_running(self, name, timeout=30):
        return self.wait_state(name, lambda s: s["Running"], timeout, "running")

    def wait_exited(self, name, timeout=30):
        return self.wait_state(name, lambda s: s["Status"] == "exited", timeout, "exited")

    def ps_ids(self, *extra):
        return self.berth("ps", "-q", "--no-trunc", *extra).split()

    def events(self, since, *extra):
        """`berth events --since S --until now --format json` as a list of dicts."""
        out = self.berth("events", "--since", str(since), "--until", str(int(time.time()) + 1),
                         "--format", "json", *extra, timeout=60)
        return base.parse_json_lines(out)

    # -- what a container leaves behind ----------------------------------------

    def leftovers(self, ids):
        """Everything that still refers to containers `ids`: mounts, cgroups, shims, files."""
        found = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4]
                if any(i in line for i in ids) or mp.startswith(self.daemon.exec_root + "/"):
                    found.append("mount " + mp)
        for ctl in cgroup_controllers():
            for i in ids:
                p = os.path.join(CGROUP_ROOT, ctl, "berth", i)
                if os.path.exists(p):
                    found.append("cgroup " + p)
        for pid, cmd in shim_processes(self.daemon.exec_root):
            found.append("shim pid %d: %s" % (pid, cmd))
        for i in ids:
            for d in (os.path.join(self.daemon.exec_root, "containers", i),
                      os.path.join(self.daemon.data_root, "containers", i)):
                if os.path.exists(d):
                    found.append("path " + d)
        return found

    def assertNothingLeft(self, ids, timeout=10):
        last = []

        def clean():
            last[:] = self.leftovers(ids)
            return not last
        try:
            harness.wait_for(clean, timeout=timeout, interval=0.2, what="cleanup")
        except TimeoutError:
            self.fail("left behind after removal:\n  " + "\n  ".join(last[:40]))


def cgroup_controllers():
    """Directories under /sys/fs/cgroup that are v1 hierarchies (or "" for a v2 root)."""
    if os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers")):
        return [""]
    out = []
    for n in sorted(os.listdir(CGROUP_ROOT)):
        p = os.path.join(CGROUP_ROOT, n)
        if os.path.isdir(p) and not os.path.islink(p):
            out.append(n)
    return out


def cgroup_file(cid, controller, name):
    """Path of a cgroup file of container `cid` (v1 layout /sys/fs/cgroup/<ctl>/berth/<id>)."""
    if os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers")):
        return os.path.join(CGROUP_ROOT, "berth", cid, name)
    return os.path.join(CGROUP_ROOT, controller, "berth", cid, name)


def shim_processes(exec_root=None):
    """(pid, cmdline) of berth-shim processes, those under `exec_root` if given."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if not argv or not os.path.basename(argv[0]).startswith(b"berth-shim"):
            continue
        cmd = b" ".join(argv).decode(errors="replace")
        if exec_root is None or exec_root in cmd:
            out.append((int(d), cmd))
    return out


def shim_pid(exec_root, cid):
    for pid, cmd in shim_processes(exec_root):
        if cid in cmd:
            return pid
    return None


# ---------------------------------------------------------------------------
# A command on a pseudo-terminal (for -t, attach and detach keys)


class PtySession:
    """Runs argv with a new pty as its controlling terminal and stdin/stdout/stderr."""

    def __init__(self, argv, rows=24, cols=80):
        self.master, slave = pty.openpty()
        self.resize(rows, cols)

        def child_setup():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     preexec_fn=child_setup, close_fds=True)
        os.close(slave)
        self.buf = b""

    def resize(self, rows, cols):
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError as e:
            if e.errno == errno.EIO:  # the other side closed
                return None
            raise
        if not chunk:
            return None
        self.buf += chunk
        return True

    def expect(self, pattern, timeout=20):
        """Waits until the output so far matches `pattern` (bytes regex); returns the match
        and consumes the output up to its end."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self._read(left) is None:
                m = rx.search(self.buf)
                if m:
                    self.buf = self.buf[m.end():]
                    return m
                raise AssertionError("pty: %r not seen; output: %r" % (pattern, self.buf[-2000:]))

    def wait(self, timeout=30):
        """Drains output until the process exits; returns its exit code."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            if self._read(0.1) is None:
                break
        try:
            return self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("pty: command still running; output: %r" % self.buf[-2000:])

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


def berth_argv(daemon, *args):
    return [harness.berth_path(), "-H", daemon.host, "--config", daemon.config_dir] + list(args)
