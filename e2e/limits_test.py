"""End-to-end: resource limits. A memory hog under -m 16m is OOM-killed and reported (exit
137, State.OOMKilled true, an "oom" event); a fork bomb is held by --pids-limit and the
container is still removable; --cpus and -m land in the container's cgroup."""

import os
import time

import base
import container_base
from container_base import ContainerTest, cgroup_file


def read_int(path):
    with open(path) as f:
        return int(f.read().split()[0])


class MemoryTest(ContainerTest):

    def test_memory_hog_is_oom_killed_and_reported(self):
        since = int(time.time()) - 1
        rc, out, err = self.run_ctr("--name", "hog", "-m", "16m", "busybox", "sh", "-c",
                                    "echo start; x=0123456789abcdef; while true; do x=$x$x; done",
                                    timeout=120)
        self.assertEqual(rc, 137, "stdout: %s\nstderr: %s" % (out, err))
        self.assertEqual(out, "start\n")
        st = self.state("hog")
        self.assertEqual(st["ExitCode"], 137)
        self.assertTrue(st["OOMKilled"], st)
        self.assertEqual(self.cinspect("hog")["HostConfig"]["Memory"], 16 << 20)
        cid = self.cinspect("hog")["Id"]
        actions = [e.get("Action") or e.get("status") for e in self.events(since)
                   if e.get("Actor", {}).get("ID") == cid]
        self.assertIn("oom", actions)
        self.assertIn("die", actions)
        self.assertLess(actions.index("oom"), actions.index("die"))
        row = [r for r in base.parse_table(self.berth("ps", "-a")) if r["NAMES"] == "hog"][0]
        self.assertRegex(row["STATUS"], r"^Exited \(137\) ")
        self.berth("rm", "hog")
        self.assertNothingLeft([cid])

    def test_memory_and_cpu_limits_reach_the_cgroup(self):
        cid = self.run_d("-m", "64m", "--cpus", "0.5", "busybox", "sleep", "1000")
        self.wait_running(cid)
        self.assertEqual(read_int(cgroup_file(cid, "memory", "memory.limit_in_bytes")), 64 << 20)
        self.assertEqual(read_int(cgroup_file(cid, "cpu", "cpu.cfs_quota_us")), 50000)
        self.assertEqual(read_int(cgroup_file(cid, "cpu", "cpu.cfs_period_us")), 100000)
        pid = self.state(cid)["Pid"]
        with open("/proc/%d/cgroup" % pid) as f:
            cg = f.read()
        self.assertIn("/berth/" + cid, cg)
        # An unlimited container is still in its own cgroup.
        cid2 = self.run_d("busybox", "sleep", "1000")
        self.assertTrue(os.path.exists(cgroup_file(cid2, "pids", "pids.current")))
        self.berth("rm", "-f", cid, cid2)
        self.assertNothingLeft([cid, cid2])


class PidsTest(ContainerTest):

    def test_fork_bomb_is_held_by_the_pids_limit(self):
        cid = self.run_d("--pids-limit", "32", "busybox", "sh", "-c",
                         "(b() { b | b & }; b) & exec sleep 1000")
        self.assertEqual(read_int(cgroup_file(cid, "pids", "pids.max")), 32)
        time.sleep(3)
        current = read_int(cgroup_file(cid, "pids", "pids.current"))
        self.assertLessEqual(current, 32)
        self.assertGreater(current, 5, "the fork bomb did not run")
        # The host is fine and the engine still answers; the container goes away cleanly.
        self.assertEqual(self.run_ok("--rm", "busybox", "echo", "alive"), "alive\n")
        t = time.monotonic()
        self.berth("rm", "-f", cid, timeout=60)
        self.assertLess(time.monotonic() - t, 30)
        self.assertNothingLeft([cid])

    def test_pids_limit_makes_fork_fail_inside(self):
        rc, out, err = self.run_ctr("--rm", "--pids-limit", "10", "busybox", "sh", "-c",
                                    "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done; "
                                    "echo forks-done", timeout=60)
        # busybox sh gives up with status 2 when fork fails (EAGAIN from the pids cgroup).
        self.assertEqual(rc, 2, "stdout: %s\nstderr: %s" % (out, err))
        self.assertNotIn("forks-done", out)
        self.assertIn("can't fork: Resource temporarily unavailable", err)


if __name__ == "__main__":
    base.main()
