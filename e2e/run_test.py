"""End-to-end: `berth run` in the foreground: stdin (`echo hi | berth run -i busybox cat`), a
TTY session driven through a pty (window size, resize, exit code), attach / detach with
ctrl-p ctrl-q / reattach, exit codes (0, 3, 125, 126, 127) and signals (kill -s, stop,
--sig-proxy)."""

import signal
import subprocess
import time

import base
import container_base
from container_base import ContainerTest, PtySession, berth_argv


class StdioTest(ContainerTest):

    def test_stdin_is_piped_with_i(self):
        out = self.run_ok("-i", "busybox", "cat", input="hi\n")
        self.assertEqual(out, "hi\n")
        out = self.run_ok("-i", "--rm", "busybox", "wc", "-c", input="x" * 100000)
        self.assertEqual(out.strip(), "100000")

    def test_without_i_stdin_is_closed(self):
        # Docker: without -i the container's stdin is /dev/null-like: cat ends at once.
        out = self.run_ok("busybox", "cat", input="ignored\n", timeout=30)
        self.assertEqual(out, "")

    def test_stdout_and_stderr_stay_apart(self):
        rc, out, err = self.run_ctr("busybox", "sh", "-c", "echo to-out; echo to-err >&2")
        self.assertEqual(rc, 0)
        self.assertEqual(out, "to-out\n")
        self.assertEqual(err, "to-err\n")

    def test_environment_workdir_user_entrypoint(self):
        out = self.run_ok("-e", "A=1", "-w", "/tmp", "-u", "nobody", "busybox",
                          "sh", "-c", "echo $A $(pwd) $(id -u):$(id -g) $HOME")
        self.assertEqual(out, "1 /tmp 65534:65534 /nonexistent\n")
        out = self.run_ok("--entrypoint", "echo", "busybox", "a", "b")
        self.assertEqual(out, "a b\n")
        out = self.run_ok("-u", "1234:5678", "busybox", "id")
        self.assertIn("uid=1234 gid=5678", out)
        out = self.run_ok("busybox", "sh", "-c", "echo $PATH; echo $HOSTNAME")
        self.assertTrue(out.startswith("/usr/local/sbin:/usr/local/bin:"), out)
        out = self.run_ok("-w", "/new/dir", "busybox", "pwd")  # created as Docker does
        self.assertEqual(out, "/new/dir\n")
        out = self.run_ok("--hostname", "box1", "busybox", "hostname")
        self.assertEqual(out, "box1\n")

    def test_network_none_has_loopback_only(self):
        out = self.run_ok("--network", "none", "busybox", "ip", "-o", "link")
        names = sorted(l.split(":")[1].strip() for l in out.splitlines())
        self.assertEqual(names, ["lo"])
        self.assertIn("UP", out)
        out = self.run_ok("--network", "host", "busybox", "ip", "-o", "link")
        self.assertGreater(len(out.splitlines()), 1)


class ExitCodeTest(ContainerTest):

    def test_exit_codes(self):
        self.assertEqual(self.run_ctr("busybox", "true")[0], 0)
        self.assertEqual(self.run_ctr("busybox", "sh", "-c", "exit 3")[0], 3)
        rc, out, err = self.run_ctr("busybox", "/no/such/binary")
        self.assertEqual(rc, 127, err)
        self.assertRegex(err, r"(?i)not found|no such file")
        # With --rm a container that cannot start is removed by the engine.
        before = set(self.ps_ids("-a"))
        rc, out, err = self.run_ctr("--rm", "busybox", "/no/such/binary")
        self.assertEqual(rc, 127, err)
        self.assertEqual(set(self.ps_ids("-a")), before)
        rc, out, err = self.run_ctr("busybox", "/etc/passwd")  # not executable
        self.assertEqual(rc, 126, err)
        self.assertRegex(err, r"(?i)permission denied")
        rc, out, err = self.run_ctr("--pull", "never", "library/not-here")
        self.assertEqual(rc, 125, err)
        rc, out, err = self.run_ctr("--no-such-flag", "busybox", "true")
        self.assertEqual(rc, 125, err)
        rc, out, err = self.run_ctr("no-such-image-anywhere")
        self.assertEqual(rc, 125, err)
        # The container's own exit code survives in inspect and wait.
        cid = self.run_d("busybox", "sh", "-c", "exit 42")
        self.assertEqual(self.berth("wait", cid).strip(), "42")
        self.assertEqual(self.state(cid)["ExitCode"], 42)


class SignalTest(ContainerTest):

    TRAP = 'trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.1; done'

    def test_kill_with_signals(self):
        cid = self.run_d("busybox", "sh", "-c", self.TRAP)
        self._wait_log(cid, "ready")
        self.berth("kill", "-s", "TERM", cid)
        self.assertEqual(self.berth("wait", cid).strip(), "42")
        self.assertIn("got-term", self.berth("logs", cid))

        # A pid-1 process never gets a signal it has no handler for (the kernel drops it, so
        # Docker's sh as pid 1 would ignore USR1 too): with --init, sh is not pid 1, the
        # init forwards USR1, its default action ends sh, and the init exits 128+signal.
        cid = self.run_d("--init", "busybox", "sh", "-c", self.TRAP)
        self._wait_log(cid, "ready")
        self.berth("kill", "-s", "SIGUSR1", cid)
        self.assertEqual(self.berth("wait", cid).strip(), str(128 + signal.SIGUSR1))

        cid = self.run_d("busybox", "sleep", "1000")
        self.berth("kill", "-s", "9", cid)
        self.assertEqual(self.berth("wait", cid).strip(), "137")
        err = self.berth_fails("kill", cid)  # not running any more
        self.assertRegex(err, r"(?i)not running")

    def test_stop_sends_term_then_kill(self):
        cid = self.run_d("busybox", "sh", "-c", self.TRAP)
        self._wait_log(cid, "ready")
        t = time.monotonic()
        self.berth("stop", cid)
        self.assertLess(time.monotonic() - t, 5)
        self.assertEqual(self.state(cid)["ExitCode"], 42)

        cid = self.run_d("busybox", "sh", "-c", 'trap "" TERM; echo ready; while true; do sleep 0.1; done')
        self._wait_log(cid, "ready")
        t = time.monotonic()
        self.berth("stop", "-t", "2", cid)
        dt = time.monotonic() - t
        self.assertGreaterEqual(dt, 1.8)
        self.assertLess(dt, 10)
        self.assertEqual(self.state(cid)["ExitCode"], 137)

    def test_sig_proxy_forwards_to_the_container(self):
        p = subprocess.Popen(berth_argv(self.daemon, "run", "--name", "proxied", "busybox",
                                        "sh", "-c", self.TRAP),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(p.stdout.readline(), "ready\n")
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 42, err)
        self.assertEqual(out, "got-term\n")

    def test_init_reaps_and_forwards(self):
        out = self.run_ok("--init", "busybox", "sh", "-c", "echo $$; cat /proc/1/cmdline | tr '\\0' ' '")
        pid, cmdline = out.splitlines()
        self.assertNotEqual(pid, "1")  # sh is not pid 1 under --init
        self.assertFalse(cmdline.startswith("sh "), cmdline)

    def _wait_log(self, cid, text, timeout=20):
        container_base.harness.wait_for(lambda: text in self.daemon.cli("logs", cid)[1],
                                        timeout=timeout, what="%r in logs" % text)


class TtyTest(ContainerTest):

    def test_interactive_tty_session(self):
        s = PtySession(berth_argv(self.daemon, "run", "-it", "--name", "tty1", "busybox", "sh"),
                       rows=30, cols=100)
        try:
            s.send("tty; echo $((6*7))\r")
            s.expect(rb"/dev/pts/\d+\r\n")
            s.expect(rb"42\r\n")
            s.send("stty size\r")
            s.expect(rb"30 100\r\n")
            s.resize(40, 120)  # the CLI forwards SIGWINCH as a resize
            time.sleep(0.5)
            s.send("stty size\r")
            s.expect(rb"40 120\r\n")
            s.send("exit 5\r")
            self.assertEqual(s.wait(), 5)
        finally:
            s.close()
        info = self.cinspect("tty1")
        self.assertTrue(info["Config"]["Tty"])
        self.assertEqual(info["State"]["ExitCode"], 5)
        # The TTY output (with the shell's echo) went to the log as well.
        self.assertIn("42", self.berth("logs", "tty1"))

    def test_attach_detach_reattach(self):
        cid = self.run_d("-it", "--name", "att", "busybox", "sh")
        s = PtySession(berth_argv(self.daemon, "attach", "att"))
        try:
            s.send("echo one-$((1+1))\r")
            s.expect(rb"one-2\r\n")
            s.send(b"\x10\x11")  # ctrl-p ctrl-q
            s.wait()  # exits (the docker CLI exits 1 after "read escape sequence")
            self.assertIn(b"read escape sequence", s.buf)
        finally:
            s.close()
        self.assertTrue(self.state("att")["Running"], "detaching stopped the container")

        s = PtySession(berth_argv(self.daemon, "attach", "att"))
        try:
            s.send("echo two-$((1+2))\r")
            s.expect(rb"two-3\r\n")
            s.send("exit 7\r")
            self.assertEqual(s.wait(), 7)
        finally:
            s.close()
        self.assertEqual(self.wait_exited("att")["ExitCode"], 7)
        self.berth("rm", cid)

    def test_tty_starts_at_the_terminal_size(self):
        # No -i: the CLI cannot resize before the program runs, so the size
        # must come with the create (HostConfig console size).
        s = PtySession(berth_argv(self.daemon, "run", "-t", "--rm", "busybox", "stty", "size"),
                       rows=33, cols=77)
        try:
            s.expect(rb"33 77\r+\n")
            self.assertEqual(s.wait(), 0)
        finally:
            s.close()

    def test_detach_from_run_it_keeps_the_shell(self):
        # `run -it` is StdinOnce with a TTY: as with dockerd, detaching must
        # not close the shell's stdin (that would end the shell).
        s = PtySession(berth_argv(self.daemon, "run", "-it", "--name", "rdt", "busybox", "sh"))
        try:
            s.send("echo a-$((2+3))\r")
            s.expect(rb"a-5\r\n")
            s.send(b"\x10\x11")
            s.wait()
        finally:
            s.close()
        time.sleep(0.5)
        self.assertTrue(self.state("rdt")["Running"], "detaching ended the shell")
        s = PtySession(berth_argv(self.daemon, "attach", "rdt"))
        try:
            s.send("echo b-$((3+4))\r")
            s.expect(rb"b-7\r\n")
            s.send("exit 4\r")
            self.assertEqual(s.wait(), 4)
        finally:
            s.close()
        self.berth("rm", "rdt")

    def test_start_attach_interactive(self):
        self.berth("create", "-i", "--name", "sai", "busybox", "cat")
        p = subprocess.run(berth_argv(self.daemon, "start", "-a", "-i", "sai"), input="xyz\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "xyz\n")
        # Again, now that it has exited: the attach made before the start
        # gets the second run's output and carries stdin to it.
        p = subprocess.run(berth_argv(self.daemon, "start", "-a", "-i", "sai"), input="second\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "second\n")

    def test_start_attach_an_exited_container(self):
        rc, out, _ = self.run_ctr("--name", "sax", "busybox", "sh", "-c", "echo run-$$; exit 3")
        self.assertEqual((rc, out), (3, "run-1\n"))
        rc, out, err = self.daemon.cli("start", "-a", "sax", timeout=60)
        self.assertEqual((rc, out), (3, "run-1\n"), err)
        # A plain attach to a stopped container is refused, as with docker.
        rc, _, err = self.daemon.cli("attach", "sax", timeout=60)
        self.assertEqual(rc, 1)
        self.assertIn("You cannot attach to a stopped container, start it first", err)
        self.berth("rm", "sax")


if __name__ == "__main__":
    base.main()
