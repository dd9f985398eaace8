"""End-to-end: berthd's process contract (socket and data-root permissions, single
instance per data root, clean SIGTERM, pidfile, logfmt logs) and version / info."""

import grp
import json
import os
import re
import stat
import subprocess
import unittest

import base
from base import fixtures, harness


def _some_group():
    for name in ("adm", "daemon", "nogroup", "users"):
        try:
            return grp.getgrnam(name)
        except KeyError:
            pass
    raise AssertionError("no non-root group (adm, daemon, nogroup, users) on this machine")


class DaemonTest(unittest.TestCase):

    def setUp(self):
        base.require_binaries()

    def start(self, *args, **kw):
        d = harness.Daemon(extra_args=args, **kw)
        self.addCleanup(d.close)
        return d

    def test_permissions_socket_0660_and_data_root_0700(self):
        group = _some_group()
        d = self.start("--group", group.gr_name)
        st = os.stat(d.sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertEqual(st.st_uid, 0)
        self.assertEqual(st.st_gid, group.gr_gid)
        self.assertEqual(stat.S_IMODE(os.stat(d.data_root).st_mode), 0o700)

    def test_pidfile_and_sigterm_exits_zero(self):
        d = self.start()
        with open(d.pidfile) as f:
            self.assertEqual(int(f.read().strip()), d.proc.pid)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(d.pidfile), "pidfile left after clean shutdown")

    def test_sigterm_after_work_exits_zero_and_restart_keeps_images(self):
        reg = harness.Registry("plain")
        self.addCleanup(reg.close)
        im = fixtures.Image(fixtures.standard_layers("gzip", big_size=1000, seed=71))
        im.push(reg.client(), "d/keep", "v1")
        d = self.start()
        d.cli_ok("pull", reg.ref("d/keep", "v1"))
        self.assertEqual(d.stop(), 0)
        d.start()
        info = json.loads(d.cli_ok("image", "inspect", reg.ref("d/keep", "v1")))
        self.assertEqual(info[0]["Id"], im.id)

    def test_second_daemon_on_same_data_root_is_refused(self):
        d = self.start()
        other = harness.make_tempdir()
        self.addCleanup(fixtures.rmtree, other)
        argv = [harness.berthd_path(), "-H", "unix://%s/b.sock" % other, "--data-root", d.data_root,
                "--exec-root", other + "/exec", "--pidfile", other + "/berthd.pid"]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(p.stderr.strip(), "refused without saying why")
        self.assertTrue(d.alive())
        self.assertIn("Version", d.cli_ok("version"))

    def test_logs_are_logfmt_on_stderr(self):
        d = self.start()
        d.cli_ok("version")
        self.assertEqual(d.stop(), 0)
        lines = [l for l in d.log().splitlines() if l.strip()]
        self.assertTrue(lines)
        for l in lines:
            self.assertRegex(l, r"\blevel=\w+", l)
            self.assertRegex(l, r"\bmsg=", l)

    def test_version_and_info(self):
        d = self.start("--max-concurrent-downloads", "5", "--insecure-registry", "10.0.0.1:5000")
        out = d.cli_ok("version")
        self.assertIn("Client", out)
        self.assertIn("Server", out)
        self.assertRegex(out, r"Version:\s+\S+")
        self.assertRegex(out, r"API version:\s+\S+")
        out = d.cli_ok("info")
        self.assertIn(d.data_root, out)
        self.assertRegex(out, r"Images:\s+0")
        self.assertIn("10.0.0.1:5000", out)

    def test_config_file_daemon_json(self):
        tmp = harness.make_tempdir()
        self.addCleanup(fixtures.rmtree, tmp)
        path = os.path.join(tmp, "daemon.json")
        with open(path, "w") as f:
            json.dump({"insecure-registries": ["10.9.9.9:5000"],
                       "registry-mirrors": ["http://127.0.0.1:1"],
                       "max-concurrent-downloads": 2}, f)
        d = self.start("--config-file", path)
        out = d.cli_ok("info")
        self.assertIn("10.9.9.9:5000", out)
        self.assertIn("http://127.0.0.1:1", out)

    def test_cli_uses_berth_host_env(self):
        d = self.start()
        env = dict(os.environ, BERTH_HOST=d.host)
        p = subprocess.run([harness.berth_path(), "--config", d.config_dir, "version"],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Server", p.stdout)

    def test_cli_without_daemon_fails_clearly(self):
        tmp = harness.make_tempdir()
        self.addCleanup(fixtures.rmtree, tmp)
        p = subprocess.run([harness.berth_path(), "-H", "unix://%s/none.sock" % tmp, "images"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(re.search(r"connect|daemon", p.stderr, re.I), p.stderr)


if __name__ == "__main__":
    base.main()
