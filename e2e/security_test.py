"""End-to-end: Docker's default hardening. Seccomp denials (unshare, mount, keyctl fail
with EPERM; a syscall newer than the profile gets ENOSYS; the 32-bit entry point is filtered
too), capability masks in /proc/self/status (default, --cap-add/--cap-drop, --privileged),
no-new-privileges, masked and read-only paths, --read-only and --tmpfs, no engine file
descriptor in the container, and hostile image configs (a working dir through
/proc/self/fd, a user id beyond 32 bits) refused with clear errors."""

import errno
import json
import os
import shutil
import tempfile

import base
import testimages
from container_base import ContainerTest

# Prints "<name> <errno>" per probe (0 when the call succeeded).
SECCHECK_C = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char* name, long rc) {
  printf("%s %d\n", name, rc < 0 ? errno : 0);
}

static long ia32_syscall(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
  return ret;
}

int main(int argc, char** argv) {
  report("unshare", unshare(CLONE_NEWNS | CLONE_NEWUTS));
  report("mount", mount("none", "/mnt", "tmpfs", 0, NULL));
  /* keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1) */
  report("keyctl", syscall(SYS_keyctl, 0, -3, 1));
  report("nosys", syscall(1000, 0, 0, 0));
  if (argc > 1 && strcmp(argv[1], "ia32") == 0) {
    /* i386 keyctl is 288; with create=1 it needs nothing but the syscall. */
    report("ia32_keyctl", ia32_syscall(288, 0, -3, 1));
  }
  fflush(stdout);
  return 0;
}
"""

DEFAULT_CAPS = 0x00000000a80425fb  # Docker's 14 default capabilities
CAP_NET_ADMIN = 12
CAP_CHOWN = 0


def status_fields(text):
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k.strip()] = v.strip()
    return out


def has_ia32_emulation():
    for path in ("/proc/config.gz",):
        if os.path.exists(path):
            import gzip
            return b"CONFIG_IA32_EMULATION=y" in gzip.open(path).read()
    rel = os.uname().release
    try:
        with open("/boot/config-" + rel, "rb") as f:
            return b"CONFIG_IA32_EMULATION=y" in f.read()
    except OSError:
        return None


class SecurityTest(ContainerTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        binary = testimages.compile_static(SECCHECK_C, "seccheck")
        cls.sec_image = testimages.busybox_with({"/usr/local/bin/seccheck": (binary, 0o755)})
        cls.sec_image.push(cls.reg, "e2e/seccheck", "latest")
        cls.SEC = cls.registry.ref("e2e/seccheck")

    def probes(self, *run_args):
        ia32 = ["ia32"] if has_ia32_emulation() else []
        out = self.run_ok("--rm", *run_args, self.SEC, "seccheck", *ia32)
        return {l.split()[0]: int(l.split()[1]) for l in out.splitlines()}

    def test_default_seccomp_denies_with_eperm(self):
        got = self.probes()
        self.assertEqual(got["unshare"], errno.EPERM, got)
        self.assertEqual(got["mount"], errno.EPERM, got)
        self.assertEqual(got["keyctl"], errno.EPERM, got)
        self.assertEqual(got["nosys"], errno.ENOSYS, got)
        if "ia32_keyctl" in got:
            self.assertEqual(got["ia32_keyctl"], errno.EPERM, got)

    def test_unconfined_lifts_the_filter(self):
        got = self.probes("--security-opt", "seccomp=unconfined")
        self.assertNotEqual(got["keyctl"], errno.EPERM, got)
        self.assertNotEqual(got["mount"], 0, got)  # still no CAP_SYS_ADMIN
        out = self.run_ok("--rm", "--security-opt", "seccomp=unconfined", "busybox",
                          "grep", "^Seccomp:", "/proc/self/status")
        self.assertEqual(out.split(), ["Seccomp:", "0"])

    def test_custom_profile(self):
        # A profile without "architectures" filters the native ABI only, and the kernel
        # kills a process that enters through another one (libseccomp's bad-arch action,
        # as with Docker): name the 32-bit ABIs so the ia32 probe is filtered, not killed.
        profile = {"defaultAction": "SCMP_ACT_ALLOW",
                   "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                   "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO",
                                 "errnoRet": errno.EACCES}]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/tmp", delete=False) as f:
            json.dump(profile, f)
        try:
            got = self.probes("--security-opt", "seccomp=" + f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(got["keyctl"], errno.EACCES, got)
        if "ia32_keyctl" in got:
            self.assertEqual(got["ia32_keyctl"], errno.EACCES, got)

    def test_capability_masks(self):
        def caps(*args):
            out = self.run_ok("--rm", *args, "busybox", "cat", "/proc/self/status")
            return status_fields(out)

        st = caps()
        for k in ("CapPrm", "CapEff", "CapBnd"):
            self.assertEqual(int(st[k], 16), DEFAULT_CAPS, "%s %s" % (k, st[k]))
        self.assertEqual(int(st["CapInh"], 16), 0)
        self.assertEqual(int(st["CapAmb"], 16), 0)
        self.assertEqual(st["NoNewPrivs"], "0")
        self.assertEqual(st["Seccomp"], "2")

        st = caps("--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN")
        want = (DEFAULT_CAPS | (1 << CAP_NET_ADMIN)) & ~(1 << CAP_CHOWN)
        self.assertEqual(int(st["CapEff"], 16), want, st["CapEff"])
        self.assertEqual(int(caps("--cap-drop", "ALL")["CapEff"], 16), 0)

        st = caps("--privileged")
        with open("/proc/self/status") as f:
            host = status_fields(f.read())
        self.assertEqual(int(st["CapEff"], 16), int(host["CapBnd"], 16))
        self.assertEqual(st["Seccomp"], "0")

        st = caps("--security-opt", "no-new-privileges")
        self.assertEqual(st["NoNewPrivs"], "1")

        # A non-root user has no effective capabilities, bounding set unchanged.
        st = caps("-u", "nobody")
        self.assertEqual(int(st["CapEff"], 16), 0)
        self.assertEqual(int(st["CapBnd"], 16), DEFAULT_CAPS)

    def test_masked_and_read_only_paths(self):
        script = ("for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do "
                  "  [ -e $f ] && echo $f $(cat $f 2>/dev/null | wc -c); done; "
                  "echo firmware $(ls -A /sys/firmware 2>/dev/null | wc -l); "
                  "echo 1 > /proc/sysrq-trigger 2>/dev/null && echo sysrq-writable; "
                  "echo x > /proc/sys/kernel/domainname 2>/dev/null && echo procsys-writable; "
                  "touch /sys/x 2>/dev/null && echo sys-writable; "
                  "mount | grep -E ' /proc/(bus|fs|irq|sys|sysrq-trigger) ' | grep -c '(ro,'")
        out = self.run_ok("--rm", "busybox", "sh", "-c", script)
        lines = out.splitlines()
        for l in lines[:-1]:
            if l.startswith("/proc/"):
                self.assertTrue(l.endswith(" 0"), "masked file readable: " + l)
        self.assertIn("firmware 0", lines)
        self.assertNotIn("sysrq-writable", out)
        self.assertNotIn("procsys-writable", out)
        self.assertNotIn("sys-writable", out)
        self.assertGreaterEqual(int(lines[-1]), 4, out)

        # --privileged unmasks them.
        out = self.run_ok("--rm", "--privileged", "busybox", "sh", "-c",
                          "ls -A /sys/firmware | wc -l")
        self.assertGreater(int(out), 0)

    def test_read_only_rootfs_and_tmpfs(self):
        rc, out, err = self.run_ctr("--rm", "--read-only", "busybox", "touch", "/x")
        self.assertNotEqual(rc, 0)
        self.assertIn("Read-only file system", out + err)
        out = self.run_ok("--rm", "--read-only", "--tmpfs", "/scratch:size=1m", "busybox",
                          "sh", "-c", "echo ok > /scratch/f && cat /scratch/f && "
                          "grep ' /scratch ' /proc/mounts")
        self.assertTrue(out.startswith("ok\n"), out)
        self.assertIn("tmpfs", out)
        self.assertIn("size=1024k", out)

    def test_default_mounts_and_devices(self):
        out = self.run_ok("--rm", "busybox", "sh", "-c",
                          "ls /dev; grep -E ' (/proc|/dev|/dev/pts|/dev/shm|/dev/mqueue|/sys) ' "
                          "/proc/mounts | cut -d' ' -f2,3")
        for dev in ("null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx",
                    "fd", "stdin", "stdout", "stderr"):
            self.assertIn(dev, out.split(), out)
        for mp, fs in (("/proc", "proc"), ("/dev", "tmpfs"), ("/dev/pts", "devpts"),
                       ("/dev/shm", "tmpfs"), ("/dev/mqueue", "mqueue"), ("/sys", "sysfs")):
            self.assertIn("%s %s" % (mp, fs), out)
        rc, _, _ = self.run_ctr("--rm", "busybox", "sh", "-c", "head -c 1 /dev/sda")
        self.assertNotEqual(rc, 0)

    def test_no_engine_fd_leaks_into_the_container(self):
        out = self.run_ok("--rm", "busybox", "ls", "/proc/self/fd")
        fds = sorted(int(x) for x in out.split())
        self.assertLessEqual(fds[-1], 3, "extra fds in the container: %s" % fds)
        out = self.run_ok("--rm", "busybox", "sh", "-c", "ls -l /proc/1/fd")
        self.assertNotIn("berth", out)
        self.assertNotIn("socket:", out)

    def test_bind_mounts(self):
        d = tempfile.mkdtemp(prefix="berth-vol-", dir="/tmp")
        try:
            with open(os.path.join(d, "in"), "w") as f:
                f.write("from-host\n")
            out = self.run_ok("--rm", "-v", d + ":/data", "busybox", "sh", "-c",
                              "cat /data/in; echo from-ctr > /data/out")
            self.assertEqual(out, "from-host\n")
            with open(os.path.join(d, "out")) as f:
                self.assertEqual(f.read(), "from-ctr\n")
            rc, out, err = self.run_ctr("--rm", "-v", d + ":/data:ro", "busybox",
                                        "touch", "/data/x")
            self.assertNotEqual(rc, 0)
            self.assertIn("Read-only file system", out + err)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class HostileConfigTest(ContainerTest):

    def push(self, repo, **config):
        image = testimages.busybox(**config)
        image.push(self.reg, repo, "latest")
        return self.registry.ref(repo)

    def test_workdir_through_proc_self_fd_is_refused(self):
        for fd in (3, 4, 5, 6, 7, 8):
            ref = self.push("e2e/evil-cwd%d" % fd, WorkingDir="/proc/self/fd/%d" % fd,
                            Cmd=["sh", "-c", "echo escaped; ls ../../.."])
            rc, out, err = self.run_ctr("--rm", ref)
            self.assertNotEqual(rc, 0, "ran with cwd /proc/self/fd/%d: %s" % (fd, out))
            self.assertNotIn("escaped", out)
            self.assertRegex(err, r"(?i)work(ing)?[ _-]?dir|cwd|/proc/self/fd", err)
        rc, out, err = self.run_ctr("--rm", "-w", "/proc/self/fd/7", "busybox", "echo", "escaped")
        self.assertNotEqual(rc, 0)
        self.assertNotIn("escaped", out)
        self.assertRegex(err, r"(?i)work(ing)?[ _-]?dir|cwd|/proc/self/fd")

    def test_user_beyond_int32_is_refused(self):
        for user in ("4294967296", "4294967296:0", "0:4294967296", "-1", "2147483648x"):
            ref = self.push("e2e/evil-user", User=user, Cmd=["id"])
            rc, out, err = self.run_ctr("--rm", ref)
            self.assertNotEqual(rc, 0, "ran as user %s: %s" % (user, out))
            self.assertNotIn("uid=0", out)
            self.assertRegex(err, r"(?i)user|uid|gid", err)
        rc, out, err = self.run_ctr("--rm", "-u", "4294967296", "busybox", "id")
        self.assertNotEqual(rc, 0)
        self.assertNotIn("uid=", out)
        self.assertRegex(err, r"(?i)uid|user|range")

    def test_unknown_user_name_is_refused(self):
        rc, out, err = self.run_ctr("--rm", "-u", "nosuchuser", "busybox", "id")
        self.assertNotEqual(rc, 0)
        self.assertIn("nosuchuser", err)


if __name__ == "__main__":
    base.main()
