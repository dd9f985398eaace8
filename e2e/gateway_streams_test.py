"""The gateway's stream routes driven by the real docker CLI: docker run (attach before
start, stdin, exit codes, TTY), logs (framing, -t, --tail, -f), attach and detach, start -a,
exec (output, exit codes, -i, -it, -e/-w/-u, errors), and clients that disconnect in the
middle of a stream (the gateway stays up and its descriptors return to the baseline).

Run: bazel test //e2e:gateway_streams_test (as root; needs /usr/local/bin/docker).
"""

import socket
import time
import unittest

import harness
import testimages
from gateway_base import GatewayTest


class GatewayStreamsTest(GatewayTest):

    # -- helpers ---------------------------------------------------------------

    def pty(self, *args, rows=24, cols=80):
        return self.docker_pty(*args, rows=rows, cols=cols)

    def run_d(self, *args):
        out = self.docker_ok("run", "-d", *args)
        return out.strip()

    def wait_exited(self, name):
        rc, out, err = self.docker("wait", name)
        self.assertEqual(rc, 0, err)
        return int(out.strip())

    def status(self, name):
        return self.docker_ok("inspect", "-f", "{{.State.Status}}", name).strip()

    # -- docker run --------------------------------------------------------------

    def test_run_hello_world_pulls_then_prints(self):
        self.docker("rmi", "-f", "hello-world")
        rc, out, err = self.docker("run", "--rm", "hello-world")
        self.assertEqual(rc, 0, err)
        self.assertIn(testimages.HELLO_MARK, out)
        self.assertIn("Unable to find image", err)

    def test_run_exit_code(self):
        rc, out, err = self.docker("run", "--rm", "busybox", "sh", "-c", "exit 3")
        self.assertEqual(rc, 3, err)

    def test_run_piped_stdin(self):
        rc, out, err = self.docker("run", "--rm", "-i", "busybox", "cat", input="hi\n")
        self.assertEqual((rc, out), (0, "hi\n"), err)

    def test_run_keeps_stdout_and_stderr_apart(self):
        rc, out, err = self.docker("run", "--rm", "busybox", "sh", "-c",
                                   "echo out; echo err >&2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "out\n")
        self.assertEqual(err.strip(), "err")

    def test_run_it_through_a_pty(self):
        s = self.pty("run", "-it", "--rm", "busybox", "sh")
        s.expect(r"# ")
        s.send("echo $((6*7))\r")
        s.expect(r"\r\n42\r\n")
        s.send("exit 5\r")
        self.assertEqual(s.wait(), 5, s.buf)

    def test_run_t_starts_at_the_console_size(self):
        # The docker CLI sends HostConfig.ConsoleSize; without -i it has no
        # chance to resize before `stty size` runs.
        s = self.pty("run", "-t", "--rm", "busybox", "stty", "size", rows=31, cols=91)
        s.expect(r"31 91\r+\n")
        self.assertEqual(s.wait(), 0, s.buf)

    # -- logs ------------------------------------------------------------------

    def test_logs_tail_and_timestamps(self):
        self.run_d("--name", "logs1", "busybox", "sh", "-c", "echo out1; echo err1 >&2")
        self.assertEqual(self.wait_exited("logs1"), 0)
        rc, out, err = self.docker("logs", "logs1")
        self.assertEqual((rc, out, err), (0, "out1\n", "err1\n"))
        rc, out, err = self.docker("logs", "-t", "logs1")
        self.assertEqual(rc, 0, err)
        stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z "
        self.assertRegex(out, "^" + stamp + "out1\n$")
        self.assertRegex(err, "^" + stamp + "err1\n$")
        rc, out, err = self.docker("logs", "--tail", "1", "logs1")
        self.assertEqual((rc, out, err), (0, "", "err1\n"))
        # follow on a stopped container returns at once
        rc, out, err = self.docker("logs", "-f", "logs1", timeout=20)
        self.assertEqual((rc, out), (0, "out1\n"), err)

    def test_logs_follow_sees_new_lines_and_ends_with_the_container(self):
        self.run_d("--name", "follow1", "busybox", "sh", "-c",
                   "for i in 1 2 3 4 5; do echo line$i; sleep 0.3; done")
        proc = self.docker_popen("logs", "-f", "follow1")
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(out, "".join("line%d\n" % i for i in range(1, 6)))

    # -- attach, start -a --------------------------------------------------------

    def test_attach_and_detach_with_ctrl_p_ctrl_q(self):
        self.run_d("-it", "--name", "att1", "busybox", "sh")
        s = self.pty("attach", "att1")
        s.send("echo $((6*7))\r")
        s.expect(r"42")
        s.send(b"\x10\x11")
        # The CLI spots the keys itself, closes the connection and reports the detach
        # (exit 1, as with dockerd); the container keeps running.
        self.assertEqual(s.wait(), 1, s.buf)
        self.assertIn(b"read escape sequence", s.buf)
        self.assertEqual(self.status("att1"), "running")
        self.docker_ok("rm", "-f", "att1")

    def test_attach_ends_with_the_container(self):
        self.run_d("--name", "att2", "busybox", "sh", "-c",
                   "sleep 1; echo bye; exit 4")
        rc, out, err = self.docker("attach", "att2", timeout=30)
        self.assertEqual((rc, out), (4, "bye\n"), err)

    def test_start_attach(self):
        self.docker_ok("create", "--name", "sa1", "busybox", "sh", "-c", "echo started; exit 2")
        rc, out, err = self.docker("start", "-a", "sa1")
        self.assertEqual((rc, out), (2, "started\n"), err)
        # again, now that it has exited: the next run's output
        rc, out, err = self.docker("start", "-a", "sa1")
        self.assertEqual((rc, out), (2, "started\n"), err)

    def test_start_attach_interactive_twice(self):
        # `docker start -ai` of a container that has run before carries stdin.
        self.docker_ok("create", "-i", "--name", "sai1", "busybox", "cat")
        for text in ("one\n", "two\n"):
            rc, out, err = self.docker("start", "-a", "-i", "sai1", input=text)
            self.assertEqual((rc, out), (0, text), err)

    # -- exec ------------------------------------------------------------------

    def test_exec(self):
        self.run_d("--name", "ex1", "busybox", "sleep", "600")
        self.assertEqual(self.docker("exec", "ex1", "echo", "hi")[:2], (0, "hi\n"))
        rc, out, err = self.docker("exec", "ex1", "sh", "-c", "echo to-err >&2; exit 7")
        self.assertEqual((rc, out, err), (7, "", "to-err\n"))
        rc, out, err = self.docker("exec", "-i", "ex1", "cat", input="piped\n")
        self.assertEqual((rc, out), (0, "piped\n"), err)
        rc, out, err = self.docker("exec", "-e", "A=1", "-w", "/tmp", "-u", "1000", "ex1",
                                   "sh", "-c", "echo $A $(pwd) $(id -u)")
        self.assertEqual((rc, out), (0, "1 /tmp 1000\n"), err)
        rc, out, err = self.docker("exec", "-d", "ex1", "sh", "-c", "echo x > /tmp/detached")
        self.assertEqual(rc, 0, err)
        harness.wait_for(lambda: self.docker("exec", "ex1", "cat", "/tmp/detached")[1] == "x\n",
                         what="exec -d ran")
        rc, out, err = self.docker("exec", "ex1", "nosuchcmd")
        self.assertEqual(rc, 126, out + err)
        rc, out, err = self.docker("exec", "nosuchctr", "true")
        self.assertEqual(rc, 1)
        self.assertIn("No such container: nosuchctr", err)
        self.docker_ok("rm", "-f", "ex1")

    def test_exec_in_a_stopped_container(self):
        self.run_d("--name", "ex2", "busybox", "true")
        self.wait_exited("ex2")
        rc, out, err = self.docker("exec", "ex2", "true")
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"Error response from daemon: container [0-9a-f]{64} is not running")

    def test_exec_it_through_a_pty(self):
        self.run_d("--name", "ex3", "busybox", "sleep", "600")
        s = self.pty("exec", "-it", "ex3", "sh", "-c", "stty size; exit 4", rows=30, cols=90)
        s.expect(r"30 90")
        self.assertEqual(s.wait(), 4, s.buf)
        s = self.pty("exec", "-it", "ex3", "sh")
        s.expect(r"# ")
        s.send("echo $((6*7))\r")
        s.expect(r"\r\n42\r\n")
        s.send("exit 3\r")
        self.assertEqual(s.wait(), 3, s.buf)
        self.docker_ok("rm", "-f", "ex3")

    # -- docker-py -------------------------------------------------------------

    def test_dockerpy_logs_and_exec(self):
        client = self.dockerpy()
        self.assertEqual(client.containers.run("busybox", "echo hi", remove=True), b"hi\n")
        c = client.containers.run("busybox", ["sh", "-c", "echo a; sleep 0.3; echo b; "
                                              "sleep 600"], detach=True, name="py1")
        self.addCleanup(self.docker, "rm", "-f", "py1")
        lines = []
        for chunk in c.logs(stream=True, follow=True):
            lines.append(chunk)
            if b"".join(lines) == b"a\nb\n":
                break
        self.assertEqual(b"".join(lines), b"a\nb\n")
        result = c.exec_run(["sh", "-c", "echo from-exec; exit 6"])
        self.assertEqual((result.exit_code, result.output), (6, b"from-exec\n"))
        result = c.exec_run(["sh", "-c", "echo o; echo e >&2"], demux=True)
        self.assertEqual(result.output, (b"o\n", b"e\n"))

    # -- disconnects -------------------------------------------------------------

    def raw_attach(self, cid):
        """Opens a hijacked attach by hand; returns the socket after the 101 head."""
        sock = self.raw_socket()
        sock.sendall(("POST /v1.50/containers/%s/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
                      "Host: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                      "Content-Length: 0\r\n\r\n" % cid).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            self.assertTrue(chunk, "connection closed before the head: %r" % head)
            head += chunk
        self.assertTrue(head.startswith(b"HTTP/1.1 101"), head)
        return sock, head.split(b"\r\n\r\n", 1)[1]

    def test_clients_that_leave_mid_stream(self):
        self.docker_ok("version")
        tick = self.run_d("--name", "tick1", "busybox", "sh", "-c",
                          "while true; do echo tick; sleep 0.1; done")
        quiet = self.run_d("--name", "quiet1", "busybox", "sleep", "600")
        time.sleep(0.5)
        baseline = self.gateway_fds()

        for _ in range(3):
            # logs -f, interrupted
            proc = self.docker_popen("logs", "-f", "tick1")
            self.assertEqual(proc.stdout.readline(), "tick\n")
            proc.kill()
            proc.communicate()
            # docker attach, interrupted
            proc = self.docker_popen("attach", "--no-stdin", "--sig-proxy=false", "tick1")
            self.assertEqual(proc.stdout.readline(), "tick\n")
            proc.kill()
            proc.communicate()
            # a raw attach that half-closes (no stdin), reads, then goes
            sock, _ = self.raw_attach(tick)
            sock.shutdown(socket.SHUT_WR)
            self.assertTrue(sock.recv(64))
            sock.close()
            # a raw attach to a container with no output, closed at once
            sock, _ = self.raw_attach(quiet)
            sock.close()

        # The attach to the quiet container holds its session until the
        # gateway writes again; stopping the container releases it.
        self.docker_ok("rm", "-f", "tick1", "quiet1")
        self.wait_gateway_fds(baseline, timeout=30)
        self.assertEqual(self.docker("version")[0], 0)


if __name__ == "__main__":
    unittest.main()
