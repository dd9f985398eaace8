"""End-to-end: containers outlive berthd. `kill -9` of berthd with containers running, then
a restart: they are still running, their logs continue, and an exit that happened while
berthd was down is recorded with its code and time. `kill -9` of a shim: the container is
reported exited. A clean SIGTERM of berthd also leaves containers running."""

import os
import signal
import subprocess
import time

import base
import container_base
from container_base import ContainerTest


class DaemonRestartTest(ContainerTest):

    def test_kill9_daemon_then_restart(self):
        sleeper = self.run_d("--name", "sleeper", "busybox", "sleep", "1000")
        ticker = self.run_d("--name", "ticker", "busybox", "sh", "-c",
                            "i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done")
        quitter = self.run_d("--name", "quitter", "busybox", "sh", "-c", "sleep 3; exit 7")
        for c in (sleeper, ticker, quitter):
            self.wait_running(c)
        pids = {c: self.state(c)["Pid"] for c in (sleeper, ticker)}
        shims = {c: container_base.shim_pid(self.daemon.exec_root, c)
                 for c in (sleeper, ticker, quitter)}
        self.assertTrue(all(shims.values()), shims)
        ticks_before = self.berth("logs", "ticker").split()

        self.daemon.kill9()
        down_at = time.time()
        time.sleep(5)  # quitter exits while berthd is down
        for c, pid in pids.items():
            self.assertTrue(os.path.exists("/proc/%d" % pid), "%s died with berthd" % c)
        self.daemon.start()

        for c in (sleeper, ticker):
            st = self.state(c)
            self.assertTrue(st["Running"], st)
            self.assertEqual(st["Pid"], pids[c])
        st = self.wait_exited(quitter, timeout=10)
        self.assertEqual(st["ExitCode"], 7)
        finished = st["FinishedAt"]
        self.assertNotEqual(finished, "0001-01-01T00:00:00Z")
        # Exited at about start + 3 s, while the daemon was down: not when it came back.
        t = time.mktime(time.strptime(finished[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(t - (down_at + 1.5)), 5, finished)

        # Logs kept flowing while the daemon was down, and continue now.
        time.sleep(1)
        ticks = self.berth("logs", "ticker").split()
        self.assertEqual(ticks[:len(ticks_before)], ticks_before)
        self.assertEqual(ticks, ["tick%d" % i for i in range(len(ticks))])
        self.assertGreater(len(ticks), len(ticks_before) + 20)  # ~5 s at 5 lines/s
        # The ticker writes every 0.2 s and `berth logs` takes a few ms: poll for growth.
        more = []
        deadline = time.time() + 3
        while time.time() < deadline and len(more) <= len(ticks):
            time.sleep(0.1)
            more = self.berth("logs", "ticker").split()
        self.assertGreater(len(more), len(ticks))
        self.assertEqual(more, ["tick%d" % i for i in range(len(more))])

        # The containers are fully manageable again.
        self.assertEqual(self.berth("exec", "sleeper", "echo", "ok").strip(), "ok")
        self.berth("stop", "-t", "1", "sleeper")
        self.assertEqual(self.state("sleeper")["ExitCode"], 137)
        self.berth("rm", "-f", sleeper, ticker, quitter)
        self.assertNothingLeft([sleeper, ticker, quitter])

    def test_sigterm_daemon_leaves_containers_running(self):
        cid = self.run_d("busybox", "sleep", "1000")
        pid = self.wait_running(cid)["Pid"]
        self.assertEqual(self.daemon.stop(), 0)
        self.assertTrue(os.path.exists("/proc/%d" % pid))
        self.daemon.start()
        self.assertTrue(self.state(cid)["Running"])
        self.berth("rm", "-f", cid)
        self.assertNothingLeft([cid])

    def test_attach_after_restart(self):
        cid = self.run_d("-i", "busybox", "cat")
        self.wait_running(cid)
        self.daemon.kill9()
        self.daemon.start()
        # berthd reconnected to the shim: stdin still reaches the container and its output
        # comes back.
        p = subprocess.Popen(container_base.berth_argv(self.daemon, "attach", cid),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            p.stdin.write("after-restart\n")
            p.stdin.flush()
            self.assertEqual(p.stdout.readline(), "after-restart\n")
        finally:
            p.kill()
            p.wait()
            p.stdin.close()
            p.stdout.close()
        self.assertTrue(self.state(cid)["Running"])
        self.berth("rm", "-f", cid)
        self.assertNothingLeft([cid])


class ShimDeathTest(ContainerTest):

    def test_kill9_shim_reports_container_exited(self):
        cid = self.run_d("--name", "orphan", "busybox", "sleep", "1000")
        self.wait_running(cid)
        shim = container_base.shim_pid(self.daemon.exec_root, cid)
        self.assertIsNotNone(shim, "no berth-shim process for %s" % cid)
        os.kill(shim, signal.SIGKILL)
        st = self.wait_exited("orphan", timeout=20)
        self.assertFalse(st["Running"])
        self.assertNotEqual(st["ExitCode"], 0)
        # The workload did not outlive its shim unnoticed, and the container can be removed.
        self.berth("rm", "-f", "orphan")
        self.assertNothingLeft([cid])
        # The daemon is fine.
        self.assertEqual(self.run_ok("--rm", "busybox", "echo", "next"), "next\n")


if __name__ == "__main__":
    base.main()
