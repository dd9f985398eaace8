"""Peers for e2e/bench/run and e2e/bench/density: a private containerd driven by ctr, crun on
a prepared OCI bundle, and helpers to find shims and read their memory.

Each peer has prepare() (get the busybox image in place, once, untimed) and run_true()
(one `run --rm ... true`, timed by the caller), and stop() (ends what it started, removes
its directories).
"""

import json
import os
import shutil
import subprocess
import time

from benchlib import log, remove_tree, run, stop_proc, unix_connectable, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.dirname(HERE)


class Containerd:
    """containerd with its own root, state, socket and config; ctr in namespace "bench"."""

    def __init__(self, workdir, image_tar, ref):
        self.dir = os.path.join(workdir, "containerd")
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "c.sock")
        self.root = os.path.join(self.dir, "root")
        self.state = os.path.join(self.dir, "state")
        self.ref = ref
        cfg = os.path.join(self.dir, "config.toml")
        with open(cfg, "w") as f:
            f.write('version = 2\nroot = "%s"\nstate = "%s"\n'
                    'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                    '[grpc]\n  address = "%s"\n[ttrpc]\n  address = "%s.ttrpc"\n'
                    '[debug]\n  level = "warn"\n'
                    % (self.root, self.state, self.sock, self.sock))
        self.log_path = os.path.join(self.dir, "containerd.log")
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(["containerd", "--config", cfg], stdout=logf, stderr=logf,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("containerd exited: " + open(self.log_path).read()[-3000:])
            return unix_connectable(self.sock)
        wait_for(up, 60, "containerd on " + self.sock)
        self.ctr("image", "import", image_tar)
        self.n = 0

    def ctr(self, *args, check=True):
        return run(["ctr", "-a", self.sock, "-n", "bench"] + list(args), check=check)

    def run_true(self):
        self.n += 1
        self.ctr("run", "--rm", self.ref, "bench-%d" % self.n, "true")

    def stop(self):
        self.ctr("tasks", "ls", check=False)
        stop_proc(self.proc, "containerd", timeout=30)
        remove_tree(self.dir)


# Runs inside a private mount namespace: crun 1.8 refuses cgroup v1 "hybrid" hosts whose
# cgroup2 hierarchy (/sys/fs/cgroup/unified) has controllers, so it is unmounted there (the
# host keeps it). Reads one container ID per line, runs crun, answers the wall time in
# seconds or "ERR <message>".
CRUN_HELPER = r"""
import subprocess, sys, time
root, bundle = sys.argv[1], sys.argv[2]
try:
    if open("/sys/fs/cgroup/unified/cgroup.controllers").read().strip():
        subprocess.run(["umount", "/sys/fs/cgroup/unified"], check=True)
except OSError:
    pass
for line in sys.stdin:
    t = time.monotonic()
    p = subprocess.run(["crun", "--root", root, "run", "-b", bundle, line.strip()],
                       capture_output=True, text=True)
    dt = time.monotonic() - t
    if p.returncode != 0:
        print("ERR exit %d: %s" % (p.returncode, p.stderr.strip().replace("\n", " ")), flush=True)
    else:
        print(dt, flush=True)
"""


class Crun:
    """`crun run` on a bundle whose rootfs is the busybox image and whose process is `true`,
    timed inside a helper process in a private mount namespace (see CRUN_HELPER)."""

    def __init__(self, workdir, write_rootfs):
        self.dir = os.path.join(workdir, "crun")
        self.bundle = os.path.join(self.dir, "bundle")
        self.state = os.path.join(self.dir, "state")
        os.makedirs(self.bundle)
        write_rootfs(os.path.join(self.bundle, "rootfs"))
        p = subprocess.run(["crun", "spec"], cwd=self.bundle, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("crun spec: " + p.stderr)
        path = os.path.join(self.bundle, "config.json")
        with open(path) as f:
            spec = json.load(f)
        spec["process"]["args"] = ["true"]
        spec["process"]["terminal"] = False
        spec["root"]["readonly"] = False
        with open(path, "w") as f:
            json.dump(spec, f, indent=2)
        self.helper = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "/usr/bin/python3", "-c", CRUN_HELPER,
             self.state, self.bundle], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.n = 0

    def run_true(self):
        """Returns crun's wall time in seconds (measured next to it, not through the pipe)."""
        self.n += 1
        self.helper.stdin.write("bench-%d\n" % self.n)
        self.helper.stdin.flush()
        answer = self.helper.stdout.readline().strip()
        if not answer or answer.startswith("ERR"):
            raise RuntimeError("crun run: " + (answer or "helper exited"))
        return float(answer)

    def stop(self):
        if self.helper.poll() is None:
            self.helper.stdin.close()
            try:
                self.helper.wait(10)
            except subprocess.TimeoutExpired:
                self.helper.kill()
                self.helper.wait()
        remove_tree(self.dir)


def shim_pids(exec_root):
    """PIDs of berth-shim processes whose command line names `exec_root`."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]).startswith(b"berth-shim") and \
                exec_root.encode() in b" ".join(argv):
            out.append(int(d))
    return out


def rollup_kb(pid, field="Pss"):
    """A field of /proc/<pid>/smaps_rollup in kB, or None."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def timed(fn):
    """Wall time of fn() in seconds, or what fn returns if it measured itself (a float)."""
    t = time.monotonic()
    r = fn()
    dt = time.monotonic() - t
    return r if isinstance(r, float) else dt


__all__ = ["Containerd", "Crun", "shim_pids", "rollup_kb", "timed", "log", "E2E"]
