"""End-to-end: `berth run hello-world`, the container lifecycle (create, start, ps, inspect,
exec, top, pause, rename, stop, restart, kill, wait, rm), --rm, logs (follow, tail,
timestamps), container events, and 50 containers started at once and removed with nothing
left behind (mounts, cgroups, shims, state directories)."""

import concurrent.futures
import json
import os
import re
import subprocess
import time

import base
import container_base
import testimages
from container_base import ContainerTest


class HelloWorldTest(ContainerTest):
    """On a fresh daemon: the first run pulls, the second starts at once."""

    def test_run_hello_world_pulls_then_greets(self):
        rc, out, err = self.run_ctr("hello-world")
        self.assertEqual(rc, 0, "stdout: %s\nstderr: %s\n%s" % (out, err, self.daemon.log()))
        self.assertIn("Unable to find image 'hello-world:latest' locally", err)
        self.assertIn(testimages.HELLO_MARK, out)
        self.assertEqual(out, testimages.HELLO_TEXT)
        self.assertIn("Status: Downloaded newer image for hello-world:latest", out + err)

        rc, out, err = self.run_ctr("hello-world")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("Unable to find image", err)
        self.assertEqual(out, testimages.HELLO_TEXT)
        # Two exited containers remain (no --rm).
        self.assertEqual(len(self.ps_ids("-a", "--filter", "ancestor=hello-world")), 2)


class LifecycleTest(ContainerTest):

    def test_create_start_inspect_stop_restart_rm(self):
        out = self.berth("create", "--name", "life", "-e", "FOO=bar", "busybox", "sleep", "1000").strip()
        cid = out.splitlines()[-1]
        self.assertRegex(cid, r"^[0-9a-f]{64}$")
        info = self.cinspect("life")
        self.assertEqual(info["Id"], cid)
        self.assertEqual(info["Name"], "/life")
        self.assertEqual(info["State"]["Status"], "created")
        self.assertFalse(info["State"]["Running"])
        self.assertEqual(info["Path"], "sleep")
        self.assertEqual(info["Args"], ["1000"])
        self.assertIn("FOO=bar", info["Config"]["Env"])
        self.assertEqual(info["Config"]["Hostname"], cid[:12])
        self.assertEqual(info["Config"]["Image"], "busybox")

        rows = base.parse_table(self.berth("ps", "-a"))
        row = [r for r in rows if r["NAMES"] == "life"]
        self.assertEqual(len(row), 1, rows)
        self.assertEqual(row[0]["CONTAINER ID"], cid[:12])
        self.assertEqual(row[0]["STATUS"], "Created")
        self.assertNotIn(cid, self.ps_ids())  # not running: only in ps -a

        self.assertEqual(self.berth("start", "life").strip(), "life")
        st = self.wait_running("life")
        self.assertGreater(st["Pid"], 0)
        self.assertTrue(st["StartedAt"].startswith(time.strftime("%Y-")))
        row = [r for r in base.parse_table(self.berth("ps")) if r["NAMES"] == "life"][0]
        self.assertRegex(row["STATUS"], r"^Up ")
        self.assertEqual(self.ps_ids("--filter", "name=life"), [cid])

        # The ID prefix resolves; exec sees the environment and the hostname.
        self.assertEqual(self.berth("exec", cid[:8], "sh", "-c", "echo $FOO").strip(), "bar")
        self.assertEqual(self.berth("exec", "life", "hostname").strip(), cid[:12])
        self.assertEqual(self.berth("exec", "life", "cat", "/etc/hostname"), cid[:12] + "\n")
        # With no address besides loopback (this release has no bridge network), Docker's
        # /etc/hosts is the localhost block alone, as for --network none: libnetwork writes
        # the "<ip> <hostname>" line only for an endpoint with an address.
        hosts = self.berth("exec", "life", "cat", "/etc/hosts")
        self.assertIn("127.0.0.1\tlocalhost", hosts)
        rc, _, _ = self.daemon.cli("exec", "life", "sh", "-c", "exit 4")
        self.assertEqual(rc, 4)

        top = self.berth("top", "life")
        self.assertIn("sleep 1000", top)

        self.berth("pause", "life")
        st = self.state("life")
        self.assertTrue(st["Paused"])
        self.assertEqual(st["Status"], "paused")
        self.berth("unpause", "life")
        self.assertFalse(self.state("life")["Paused"])

        self.berth("rename", "life", "life2")
        self.assertEqual(self.cinspect("life2")["Name"], "/life2")
        self.berth_fails("inspect", "--type", "container", "life")

        # sleep as pid 1 ignores SIGTERM: stop -t 1 ends it with SIGKILL after a second.
        t = time.monotonic()
        self.berth("stop", "-t", "1", "life2")
        self.assertLess(time.monotonic() - t, 10)
        st = self.state("life2")
        self.assertEqual(st["Status"], "exited")
        self.assertEqual(st["ExitCode"], 137)
        self.assertFalse(st["OOMKilled"])
        self.assertNotEqual(st["FinishedAt"], "0001-01-01T00:00:00Z")
        row = [r for r in base.parse_table(self.berth("ps", "-a")) if r["NAMES"] == "life2"][0]
        self.assertRegex(row["STATUS"], r"^Exited \(137\) ")

        self.berth("restart", "-t", "1", "life2")
        st = self.wait_running("life2")
        self.berth("kill", "life2")
        self.assertEqual(self.berth("wait", "life2").strip(), "137")

        err = self.berth_fails("rm", "nonexistent-container")
        self.assertIn("No such container", err)
        self.berth("start", "life2")
        self.wait_running("life2")
        err = self.berth_fails("rm", "life2")  # running: needs -f
        self.assertRegex(err, r"(?i)running|stop")
        self.berth("rm", "-f", "life2")
        self.assertNotIn(cid, self.ps_ids("-a"))
        self.assertNothingLeft([cid])

    def test_ambiguous_prefix_is_an_error(self):
        ids = [self.berth("create", "busybox", "true").strip().splitlines()[-1] for _ in range(20)]
        # Among 20 random IDs two share their first hex digit (pigeonhole: 16 digits).
        by_first = {}
        for i in ids:
            by_first.setdefault(i[0], []).append(i)
        prefix = next(k for k, v in by_first.items() if len(v) > 1)
        err = self.berth_fails("inspect", "--type", "container", prefix)
        self.assertRegex(err, r"(?i)ambiguous|multiple")
        self.berth("rm", *ids)

    def test_image_prune_all_keeps_images_in_use(self):
        cid = self.berth("create", "busybox", "true").strip().splitlines()[-1]
        try:
            self.berth("image", "prune", "-a", "-f")
            repos = self.berth("images", "--format", "{{.Repository}}").split()
            self.assertIn("busybox", repos, "prune -a deleted an image a container uses")
            self.run_ok("--rm", "busybox", "true")
        finally:
            self.berth("rm", cid)

    def test_run_rm_removes_the_container(self):
        before = set(self.ps_ids("-a"))
        out = self.run_ok("--rm", "busybox", "echo", "bye")
        self.assertEqual(out, "bye\n")
        time.sleep(0.5)
        self.assertEqual(set(self.ps_ids("-a")), before)
        rc, out, _ = self.run_ctr("--rm", "busybox", "sh", "-c", "exit 5")
        self.assertEqual(rc, 5)
        time.sleep(0.5)
        self.assertEqual(set(self.ps_ids("-a")), before)

    def test_detached_run_prints_the_id_and_ps_filters(self):
        cid = self.run_d("--name", "det", "busybox", "sleep", "1000")
        self.assertEqual(self.cinspect("det")["Id"], cid)
        rows = base.parse_json_lines(self.berth("ps", "--format", "json", "--filter", "name=det"))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["Names"], "det")
        self.assertEqual(rows[0]["Image"], "busybox")
        self.assertEqual(rows[0]["State"], "running")
        self.assertEqual(self.ps_ids("-l"), [cid])
        self.assertIn(cid, self.ps_ids("--filter", "status=running"))
        self.assertNotIn(cid, self.ps_ids("-a", "--filter", "status=exited"))
        self.berth("rm", "-f", "det")
        self.assertNothingLeft([cid])

    def test_name_conflict(self):
        self.berth("create", "--name", "dup", "busybox", "true")
        rc, out, err = self.daemon.cli("create", "--name", "dup", "busybox", "true")
        self.assertEqual(rc, 125)
        self.assertRegex(err, r"(?i)conflict|already in use")
        self.berth("rm", "dup")


class LogsTest(ContainerTest):

    def test_logs_follow_tail_timestamps_streams(self):
        script = "for i in 1 2 3 4 5 6; do echo out$i; echo err$i >&2; sleep 0.3; done"
        cid = self.run_d("--name", "talk", "busybox", "sh", "-c", script)
        # -f returns when the container exits, with every line in order.
        p = subprocess.run(container_base.berth_argv(self.daemon, "logs", "-f", "talk"),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "".join("out%d\n" % i for i in range(1, 7)))
        self.assertEqual(p.stderr, "".join("err%d\n" % i for i in range(1, 7)))
        self.wait_exited("talk")

        # --tail counts log records of both streams together (Docker's json-file reader):
        # the last 4 are the last two iterations' lines, whatever their order within one.
        rc, out, err = self.daemon.cli("logs", "--tail", "4", "talk")
        self.assertEqual(out, "out5\nout6\n")
        self.assertEqual(err, "err5\nerr6\n")
        out = self.berth("logs", "-t", "talk")
        lines = out.splitlines()
        self.assertEqual(len(lines), 6)
        for l in lines:
            self.assertRegex(l, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z out\d$")
        future = self.berth("logs", "--since", str(int(time.time()) + 60), "talk")
        self.assertEqual(future, "")

        # The log file is Docker's json-file format.
        path = self.cinspect("talk")["LogPath"]
        with open(path) as f:
            recs = [json.loads(l) for l in f]
        self.assertEqual(len(recs), 12)
        self.assertEqual({r["stream"] for r in recs}, {"stdout", "stderr"})
        self.assertIn({"log": "out1\n", "stream": "stdout"},
                      [{"log": r["log"], "stream": r["stream"]} for r in recs])
        self.berth("rm", cid)

    def test_logs_follow_sees_new_lines_while_running(self):
        self.run_d("--name", "ticker", "busybox", "sh", "-c",
                   "i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done")
        p = subprocess.Popen(container_base.berth_argv(self.daemon, "logs", "-f", "ticker"),
                             stdout=subprocess.PIPE, text=True)
        try:
            seen = [p.stdout.readline() for _ in range(8)]
            self.assertEqual(seen, ["tick%d\n" % i for i in range(8)])
        finally:
            p.kill()
            p.wait()
            p.stdout.close()
        self.berth("rm", "-f", "ticker")

    def test_log_rotation(self):
        rc, out, err = self.daemon.cli("create", "--log-opt", "max-size=10k", "busybox", "true")
        self.assertEqual(rc, 0, err)
        self.berth("rm", out.split()[-1])
        cid = self.run_d("--log-opt", "max-size=10k", "--log-opt", "max-file=2", "busybox",
                         "sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done")
        self.wait_exited(cid)
        path = self.cinspect(cid)["LogPath"]
        self.assertTrue(os.path.exists(path + ".1"), "no rotated file %s.1" % path)
        self.assertFalse(os.path.exists(path + ".2"), "max-file=2 keeps one rotated file")
        self.assertLessEqual(os.path.getsize(path), 12 * 1024)
        out = self.berth("logs", "--tail", "1", cid)
        self.assertEqual(out, "line1999\n")
        self.berth("rm", cid)


class EventsTest(ContainerTest):

    def test_container_events(self):
        since = int(time.time()) - 1
        cid = self.run_d("--name", "ev", "busybox", "sh", "-c", "sleep 0.5; exit 2")
        self.wait_exited("ev")
        self.berth("rm", "ev")
        evs = [e for e in self.events(since) if e.get("Type") == "container"
               and (e.get("Actor", {}).get("ID") == cid or e.get("id") == cid)]
        actions = [e.get("Action") or e.get("status") for e in evs]
        for a in ("create", "start", "die", "destroy"):
            self.assertIn(a, actions, evs)
        self.assertLess(actions.index("create"), actions.index("start"))
        self.assertLess(actions.index("start"), actions.index("die"))
        die = evs[actions.index("die")]
        self.assertEqual(die["Actor"]["Attributes"].get("exitCode"), "2")
        self.assertEqual(die["Actor"]["Attributes"].get("name"), "ev")


class ConcurrencyTest(ContainerTest):

    def test_fifty_at_once_then_nothing_left(self):
        self.berth("pull", "busybox")
        n = 50

        def start(i):
            return self.daemon.cli("run", "-d", "--name", "many%d" % i, "busybox", "sleep", "3600",
                                   timeout=300)
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            results = list(pool.map(start, range(n)))
        failed = [(i, r) for i, r in enumerate(results) if r[0] != 0]
        self.assertEqual(failed, [], "runs failed:\n%s\n%s" % (failed[:5], self.daemon.log()))
        ids = [r[1].strip() for r in results]
        self.assertEqual(len(set(ids)), n)
        running = set(self.ps_ids())
        self.assertTrue(set(ids) <= running, "not running: %s" % (set(ids) - running))
        self.assertEqual(len(container_base.shim_processes(self.daemon.exec_root)), n)

        def remove(cid):
            return self.daemon.cli("rm", "-f", cid, timeout=300)
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            results = list(pool.map(remove, ids))
        failed = [r for r in results if r[0] != 0]
        self.assertEqual(failed, [])
        self.assertEqual(self.ps_ids("-a"), [])
        self.assertNothingLeft(ids, timeout=20)
        with open("/proc/self/mountinfo") as f:
            self.assertFalse([l for l in f
                              if re.search(r"\s/\S*/containers/[0-9a-f]{64}/rootfs\s", l)
                              and self.daemon.dir in l])


if __name__ == "__main__":
    base.main()
