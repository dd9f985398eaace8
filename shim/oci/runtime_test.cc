// Runs real containers (root, real kernel): a busybox-static rootfs built in
// a temp dir, a config.json written here, Docker's default hardening.

#include "shim/oci/runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "engine/base/file_util.h"
#include "engine/base/unique_fd.h"
#include "gtest/gtest.h"
#include "shim/oci/cgroups.h"

namespace shim::oci {
namespace {

std::string Quote(const std::string& s) {
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

std::string QuoteList(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const std::string& s : v) q.push_back(Quote(s));
  return absl::StrCat("[", absl::StrJoin(q, ","), "]");
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, n);
  }
  return out;
}

// Waits up to `seconds` for `pid`; SIGKILLs it after that. Returns the raw status.
int WaitFor(pid_t pid, int seconds = 30) {
  int status = 0;
  for (int i = 0; i < seconds * 100; ++i) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ADD_FAILURE() << "process " << pid << " did not exit in time";
  return status;
}

const char kCaps[] =
    R"(["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
        "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"])";

struct Options {
  std::vector<std::string> args;
  bool terminal = false;
  bool seccomp = true;
  std::string cwd = "/";
  std::string user = R"({"uid":0,"gid":0})";
  std::string resources = R"({"devices":[{"allow":false,"access":"rwm"},
      {"allow":true,"type":"c","access":"m"},{"allow":true,"type":"b","access":"m"},
      {"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"},
      {"allow":true,"type":"c","major":1,"minor":5,"access":"rwm"},
      {"allow":true,"type":"c","major":1,"minor":9,"access":"rwm"},
      {"allow":true,"type":"c","major":136,"access":"rwm"},
      {"allow":true,"type":"c","major":5,"minor":2,"access":"rwm"}]})";
  std::string annotations = "{}";
  std::string sysctl = "{}";
  bool readonly_root = false;
  bool no_new_privileges = false;
  bool host_network = false;
  std::string extra_mounts;  // ",{...}" appended to the mounts array
};

std::string ProcessJson(const Options& o) {
  return absl::StrCat(R"({"terminal":)", o.terminal ? "true" : "false", R"(,"args":)",
                      QuoteList(o.args),
                      R"(,"env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin","HOME=/root"],"cwd":)",
                      Quote(o.cwd), R"(,"user":)", o.user, R"(,"capabilities":{"bounding":)",
                      kCaps, R"(,"effective":)", kCaps, R"(,"permitted":)", kCaps,
                      R"(},"noNewPrivileges":)", o.no_new_privileges ? "true" : "false",
                      R"(,"rlimits":[{"type":"RLIMIT_NOFILE","soft":1024,"hard":1024}]})");
}

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_FAIL() << "needs root";
    if (access("/bin/busybox", X_OK) != 0) GTEST_FAIL() << "needs busybox-static";
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    bundle_ = tmpl;
    id_ = bundle_.substr(bundle_.rfind('-') + 1);
    rootfs_ = bundle_ + "/rootfs";
    for (const char* d : {"bin", "etc", "proc", "sys", "dev", "tmp", "root"}) {
      ASSERT_TRUE(base::MakeDirs(rootfs_ + "/" + d).ok());
    }
    Copy("/bin/busybox", rootfs_ + "/bin/busybox");
    Copy("shim/oci/probe", rootfs_ + "/bin/probe");
    // `busybox --install -s` would link to the host's resolved path
    // (/usr/bin/busybox on merged-/usr hosts); relative links work anywhere.
    ASSERT_EQ(system(absl::StrCat("for a in $(/bin/busybox --list); do [ -e ", rootfs_,
                                  "/bin/$a ] || ln -s busybox ", rootfs_, "/bin/$a; done")
                         .c_str()),
              0);
    ASSERT_TRUE(base::WriteFileAtomic(rootfs_ + "/etc/passwd",
                                      "root:x:0:0:root:/root:/bin/sh\n"
                                      "nobody:x:65534:65534:nobody:/:/bin/false\n")
                    .ok());
    ASSERT_TRUE(
        base::WriteFileAtomic(rootfs_ + "/etc/group", "root:x:0:\nnogroup:x:65534:\n").ok());
    std::ifstream in("shim/oci/testdata/default_seccomp_oci.json");
    std::stringstream text;
    text << in.rdbuf();
    seccomp_ = text.str();
    ASSERT_FALSE(seccomp_.empty());
  }

  void TearDown() override {
    if (bundle_.empty()) return;
    // A failed assertion may leave a container behind.
    if (auto cg = Cgroup::Open(CgroupPath()); cg.ok()) {
      if (base::PathExists((*cg)->dirs().front())) {
        (void)(*cg)->KillAll(SIGKILL);
        EXPECT_TRUE((*cg)->Destroy().ok());
      }
    }
    (void)base::RemoveAll(bundle_);
  }

  void Copy(const std::string& from, const std::string& to) {
    ASSERT_EQ(system(absl::StrCat("cp ", from, " ", to, " && chmod 755 ", to).c_str()), 0)
        << from;
  }

  std::string CgroupPath() const { return "/berth/test-" + id_; }

  void WriteSpec(const Options& o) {
    std::string json = absl::StrCat(
        R"({"ociVersion":"1.0.2","root":{"path":"rootfs","readonly":)",
        o.readonly_root ? "true" : "false", R"(},"hostname":"berth-test","process":)",
        ProcessJson(o), R"(,"annotations":)", o.annotations, R"(,"mounts":[
          {"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},
          {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
          {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
          {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},
          {"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["ro","nosuid","noexec","nodev"]},
          {"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},
          {"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777","size=67108864"]})",
        o.extra_mounts, R"(
        ],"linux":{"sysctl":)", o.sysctl, R"(,"cgroupsPath":)", Quote(CgroupPath()), R"(,"resources":)", o.resources,
        R"(,"namespaces":[{"type":"pid"},)", o.host_network ? "" : R"({"type":"network"},)",
        R"({"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}],
        "maskedPaths":["/proc/acpi","/proc/kcore","/proc/keys","/proc/timer_list","/sys/firmware"],
        "readonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"])",
        o.seccomp ? ",\"seccomp\":" + seccomp_ : std::string(), "}}");
    ASSERT_TRUE(base::WriteFileAtomic(bundle_ + "/config.json", json).ok());
  }

  struct Result {
    absl::Status start;
    int status = 0;
    std::string out;
    std::string err;
  };

  // Creates, starts and waits for a container running `o`.
  Result Run(const Options& o) {
    Result r;
    WriteSpec(o);
    int out[2], err[2];
    EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(err, O_CLOEXEC), 0);
    std::unique_ptr<Process> init;
    auto c = Container::CreateInit(bundle_, Stdio{-1, out[1], err[1]}, &init);
    close(out[1]);
    close(err[1]);
    base::UniqueFd out_r(out[0]), err_r(err[0]);
    if (!c.ok()) {
      r.start = c.status();
      return r;
    }
    r.start = init->Start();
    std::thread err_reader([&] { r.err = ReadAll(err_r.get()); });
    r.out = ReadAll(out_r.get());
    err_reader.join();
    r.status = WaitFor(init->pid());
    EXPECT_TRUE((*c)->Destroy().ok());
    return r;
  }

  std::string bundle_, rootfs_, id_, seccomp_;
};

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

TEST_F(RuntimeTest, EchoThroughAPipe) {
  const auto begin = std::chrono::steady_clock::now();
  Result r = Run({{"/bin/echo", "hi"}});
  const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - begin)
                      .count() / 1000.0;
  // For the benchmark's floor: create + start + wait + destroy, seccomp on.
  std::cout << "container run took " << ms << " ms\n";
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_EQ(ExitCode(r.status), 0);
}

TEST_F(RuntimeTest, ExitCodeAndPathLookup) {
  Result r = Run({{"sh", "-c", "echo out; echo err >&2; exit 3"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(ExitCode(r.status), 3);
}

TEST_F(RuntimeTest, MissingExecutableIsNotFound) {
  Result r = Run({{"no-such-program"}});
  EXPECT_EQ(r.start.code(), absl::StatusCode::kNotFound) << r.start;
  EXPECT_EQ(r.start.message(),
            "exec: \"no-such-program\": executable file not found in $PATH");
  EXPECT_EQ(ExitCode(r.status), 127);
}

TEST_F(RuntimeTest, NonExecutableIsPermissionDenied) {
  ASSERT_TRUE(base::WriteFileAtomic(rootfs_ + "/bin/data", "not a program", 0644).ok());
  Result r = Run({{"/bin/data"}});
  EXPECT_EQ(r.start.code(), absl::StatusCode::kPermissionDenied) << r.start;
  EXPECT_EQ(r.start.message(), "exec: \"/bin/data\": permission denied");
  EXPECT_EQ(ExitCode(r.status), 126);
}

TEST_F(RuntimeTest, PidOneHostnameAndProc) {
  Result r = Run({{"sh", "-c", "echo $$; hostname; test -d /proc/1 && echo proc; ulimit -n;"
                               "cat /sys/class/net/lo/flags; ls /sys/class/net"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  // Its own network namespace: only lo, and up (IFF_UP | IFF_LOOPBACK).
  EXPECT_EQ(r.out, "1\nberth-test\nproc\n1024\n0x9\nlo\n");
}

TEST_F(RuntimeTest, MaskedAndReadOnlyPaths) {
  Result r = Run({{"sh", "-c",
                   "cat /proc/keys | wc -c; ls /sys/firmware | wc -l;"
                   "echo x > /proc/sys/kernel/domainname 2>/dev/null || echo procsys-ro;"
                   "mkdir /sys/fs/x 2>/dev/null || echo sys-ro;"
                   "touch /sys/fs/cgroup/memory/x 2>/dev/null || echo cgroup-ro;"
                   "touch /tmp/ok && echo root-rw"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "0\n0\nprocsys-ro\nsys-ro\ncgroup-ro\nroot-rw\n");
}

TEST_F(RuntimeTest, ReadOnlyRootfs) {
  Options o{{"sh", "-c", "touch /x 2>/dev/null || echo ro; touch /dev/shm/x && echo shm-rw"}};
  o.readonly_root = true;
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "ro\nshm-rw\n");
}

TEST_F(RuntimeTest, DefaultCapabilities) {
  Result r = Run({{"sh", "-c", "grep ^Cap /proc/self/status"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_TRUE(absl::StrContains(r.out, "CapInh:\t0000000000000000")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "CapPrm:\t00000000a80425fb")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "CapEff:\t00000000a80425fb")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "CapBnd:\t00000000a80425fb")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "CapAmb:\t0000000000000000")) << r.out;
}

TEST_F(RuntimeTest, NonRootUser) {
  Options o{{"sh", "-c", "id -u; id -g; id -G; grep ^CapEff /proc/self/status"}};
  o.user = R"({"uid":65534,"gid":65534,"additionalGids":[65534,5]})";
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_TRUE(absl::StartsWith(r.out, "65534\n65534\n65534 5\n")) << r.out;
}

TEST_F(RuntimeTest, SeccompDeniesAndNewerSyscallsGetEnosys) {
  Result r = Run({{"sh", "-c",
                   "probe unshare-user; probe mount; probe keyctl; probe clone3;"
                   "probe syscall 1000; probe syscall 39"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  // 39 is getpid on x86_64: allowed.
  EXPECT_EQ(r.out, "EPERM\nEPERM\nEPERM\nENOSYS\nENOSYS\nOK\n");
}

TEST_F(RuntimeTest, SeccompArgumentRules) {
  // x86_64: 135 personality, 41 socket. ADDR_NO_RANDOMIZE and AF_VSOCK are
  // denied; a personality query and AF_UNIX are allowed.
  Result r = Run({{"sh", "-c", "probe syscall 135 0x0040000; probe syscall 135 0xffffffff;"
                               "probe syscall 41 40 1 0; probe syscall 41 1 1 0"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "EPERM\nOK\nEPERM\nOK\n");
}

TEST_F(RuntimeTest, SeccompFiltersThe32BitEntryPoint) {
  // i386: 288 keyctl, 310 unshare, 20 getpid, 460 is beyond the profile.
  Result r = Run({{"sh", "-c", "probe int80 288; probe int80 310; probe int80 20; "
                               "probe int80 460"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "EPERM\nEPERM\nOK\nENOSYS\n");
}

TEST_F(RuntimeTest, UserMountsStayInsideTheRoot) {
  const std::string host = bundle_ + "/host";
  ASSERT_TRUE(base::MakeDirs(host).ok());
  ASSERT_TRUE(base::WriteFileAtomic(host + "/f", "from-host\n").ok());
  ASSERT_TRUE(base::WriteFileAtomic(bundle_ + "/hostname", "etc-hostname\n").ok());
  // An absolute symlink in the image must resolve inside the rootfs.
  ASSERT_EQ(symlink("/", (rootfs_ + "/evil").c_str()), 0);
  const std::string escape = "/berth-escape-" + id_;
  Options o{{"sh", "-c",
             "cat /data/f; touch /data/x 2>/dev/null || echo data-ro; cat /etc/hostname;"
             "grep -c ' /run tmpfs' /proc/mounts; test -d /evil/" + escape.substr(1) +
                 " && echo inside; ls /sys/class/net | grep -c lo"}};
  o.host_network = true;
  o.extra_mounts = absl::StrCat(
      R"(,{"destination":"/data","type":"bind","source":)", Quote(host),
      R"(,"options":["rbind","rprivate","ro"]},
      {"destination":"/run","type":"tmpfs","source":"tmpfs","options":["nosuid","size=1m"]},
      {"destination":"/etc/hostname","type":"bind","source":)", Quote(bundle_ + "/hostname"),
      R"(,"options":["rbind","rprivate","rw"]},
      {"destination":)", Quote("/evil" + escape), R"(,"type":"tmpfs","source":"tmpfs"})");
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_TRUE(absl::StartsWith(r.out, "from-host\ndata-ro\netc-hostname\n1\ninside\n")) << r.out;
  EXPECT_FALSE(base::PathExists(escape));
  EXPECT_TRUE(base::PathExists(rootfs_ + escape));
}

TEST_F(RuntimeTest, DeviceCgroupAllowsMknodButNotAccess) {
  Result r = Run({{"sh", "-c",
                   "mknod /tmp/sda b 8 0 && echo made; head -c 1 /tmp/sda 2>&1 >/dev/null;"
                   "head -c 1 /dev/zero | wc -c"}});
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "made\nhead: /tmp/sda: Operation not permitted\n1\n");
}

TEST_F(RuntimeTest, NamespacedSysctl) {
  Options o{{"cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"}};
  o.sysctl = R"({"net.ipv4.ip_unprivileged_port_start":"0"})";
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(RuntimeTest, NoNewPrivilegesWithSeccomp) {
  Options o{{"sh", "-c", "grep NoNewPrivs /proc/self/status; probe keyctl; "
                         "grep CapEff /proc/self/status"}};
  o.no_new_privileges = true;
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "NoNewPrivs:\t1\nEPERM\nCapEff:\t00000000a80425fb\n");
}

TEST_F(RuntimeTest, WithoutSeccompTheKernelDecides) {
  Options o{{"probe", "keyctl"}};
  o.seccomp = false;
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_NE(r.out, "EPERM\n");
}

TEST_F(RuntimeTest, NoDescriptorLeaks) {
  int leaked = open("/", O_RDONLY);  // not O_CLOEXEC on purpose
  ASSERT_GE(leaked, 0);
  Result r = Run({{"probe", "fds"}});
  close(leaked);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "0 1 2 \n");
}

TEST_F(RuntimeTest, HostileConfigsAreRefused) {
  Options cwd{{"true"}};
  cwd.cwd = "/proc/self/fd/3";
  EXPECT_EQ(Run(cwd).start.code(), absl::StatusCode::kInvalidArgument);
  Options uid{{"true"}};
  uid.user = R"({"uid":4294967294,"gid":0})";
  EXPECT_EQ(Run(uid).start.code(), absl::StatusCode::kInvalidArgument);
  // A /proc that is a symlink in the image.
  ASSERT_EQ(rmdir((rootfs_ + "/proc").c_str()), 0);
  ASSERT_EQ(symlink("/tmp", (rootfs_ + "/proc").c_str()), 0);
  Result r = Run({{"true"}});
  EXPECT_EQ(r.start.code(), absl::StatusCode::kInvalidArgument) << r.start;
  EXPECT_FALSE(base::PathExists("/sys/fs/cgroup/memory" + CgroupPath()));
}

TEST_F(RuntimeTest, WorkingDirectoryIsCreatedInsideTheRoot) {
  Options o{{"pwd"}};
  o.cwd = "/work/dir";
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "/work/dir\n");
  EXPECT_TRUE(base::PathExists(rootfs_ + "/work/dir"));
}

TEST_F(RuntimeTest, MemoryLimitOomKills) {
  Options o{{"dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1"}};
  o.resources = R"({"memory":{"limit":33554432,"swap":33554432}})";  // no device rules
  WriteSpec(o);
  std::unique_ptr<Process> init;
  auto c = Container::CreateInit(bundle_, Stdio{}, &init);
  ASSERT_TRUE(c.ok()) << c.status();
  int efd = (*c)->OomEventFd();
  EXPECT_GE(efd, 0);
  EXPECT_FALSE((*c)->OomKilled());
  ASSERT_TRUE(init->Start().ok());
  int status = WaitFor(init->pid());
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_TRUE((*c)->OomKilled());
  pollfd p{efd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 1000), 1);
  EXPECT_TRUE((*c)->Destroy().ok());
}

TEST_F(RuntimeTest, PidsLimitHoldsAForkLoop) {
  Options o{{"probe", "forks", "40"}};
  o.resources = R"({"pids":{"limit":10}})";
  WriteSpec(o);
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  std::unique_ptr<Process> init;
  auto c = Container::CreateInit(bundle_, Stdio{-1, out[1], -1}, &init);
  close(out[1]);
  base::UniqueFd out_r(out[0]);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(init->Start().ok());
  char buf[64] = {};
  ASSERT_GT(read(out_r.get(), buf, sizeof(buf) - 1), 0);
  // The probe itself is one of the 10.
  EXPECT_EQ(std::string(buf), "forked=9 failed=31\n");
  auto current = base::ReadFile("/sys/fs/cgroup/pids" + CgroupPath() + "/pids.current");
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(std::stoi(*current), 10);
  ASSERT_TRUE((*c)->KillAll(SIGKILL).ok());
  int status = WaitFor(init->pid());
  EXPECT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_TRUE((*c)->Destroy().ok());
  EXPECT_FALSE(base::PathExists("/sys/fs/cgroup/pids" + CgroupPath()));
}

TEST_F(RuntimeTest, PauseResumeAndKillAll) {
  Options o{{"sleep", "100"}};
  o.resources = R"({"memory":{"limit":67108864},"cpu":{"shares":512,"quota":50000,
      "period":100000,"cpus":"0"},"pids":{"limit":100}})";
  WriteSpec(o);
  std::unique_ptr<Process> init;
  auto c = Container::CreateInit(bundle_, Stdio{}, &init);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->cgroup_path(), CgroupPath());
  ASSERT_TRUE(init->Start().ok());
  auto cgfile = [&](const char* ctl, const char* file) {
    return *base::ReadFile(absl::StrCat("/sys/fs/cgroup/", ctl, CgroupPath(), "/", file));
  };
  EXPECT_EQ(cgfile("memory", "memory.limit_in_bytes"), "67108864\n");
  EXPECT_EQ(cgfile("cpu", "cpu.shares"), "512\n");
  EXPECT_EQ(cgfile("cpu", "cpu.cfs_quota_us"), "50000\n");
  EXPECT_EQ(cgfile("cpuset", "cpuset.cpus"), "0\n");
  EXPECT_EQ(cgfile("pids", "pids.max"), "100\n");
  EXPECT_TRUE(absl::StrContains(cgfile("memory", "cgroup.procs"), absl::StrCat(init->pid())));
  const std::string state = "/sys/fs/cgroup/freezer" + CgroupPath() + "/freezer.state";
  ASSERT_TRUE((*c)->Pause().ok());
  EXPECT_EQ(*base::ReadFile(state), "FROZEN\n");
  ASSERT_TRUE((*c)->Resume().ok());
  EXPECT_EQ(*base::ReadFile(state), "THAWED\n");
  ASSERT_TRUE((*c)->KillAll(SIGKILL).ok());
  int status = WaitFor(init->pid());
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  ASSERT_TRUE((*c)->Destroy().ok());
  for (const char* ctl : {"memory", "cpu", "cpuacct", "pids", "freezer", "devices", "blkio",
                          "cpuset"}) {
    EXPECT_FALSE(base::PathExists(absl::StrCat("/sys/fs/cgroup/", ctl, CgroupPath()))) << ctl;
  }
}

TEST_F(RuntimeTest, Terminal) {
  Options o{{"sh", "-c", "tty; echo hello; test -c /dev/console && echo console"}};
  o.terminal = true;
  WriteSpec(o);
  std::unique_ptr<Process> init;
  auto c = Container::CreateInit(bundle_, Stdio{}, &init);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_GE(init->pty_master(), 0);
  base::UniqueFd master(init->TakePtyMaster());
  EXPECT_EQ(init->pty_master(), -1);
  ASSERT_TRUE(init->Start().ok());
  std::string out = ReadAll(master.get());  // ends with EIO once the slave closes
  EXPECT_TRUE(absl::StrContains(out, "/dev/pts/0\r\nhello\r\nconsole\r\n")) << out;
  EXPECT_EQ(ExitCode(WaitFor(init->pid())), 0);
  EXPECT_TRUE((*c)->Destroy().ok());
}

TEST_F(RuntimeTest, InitReaperForwardsSignalsAndExitStatus) {
  Options o{{"sh", "-c", "echo $$; sleep 1 & exit 7"}};
  o.annotations = R"({"berth.init":"true"})";
  Result r = Run(o);
  ASSERT_TRUE(r.start.ok()) << r.start;
  EXPECT_EQ(r.out, "2\n");
  EXPECT_EQ(ExitCode(r.status), 7);

  o.args = {"sleep", "100"};
  WriteSpec(o);
  std::unique_ptr<Process> init;
  auto c = Container::CreateInit(bundle_, Stdio{}, &init);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(init->Start().ok());
  usleep(200000);
  ASSERT_EQ(kill(init->pid(), SIGTERM), 0);
  EXPECT_EQ(ExitCode(WaitFor(init->pid())), 128 + SIGTERM);
  EXPECT_TRUE((*c)->Destroy().ok());
}

TEST_F(RuntimeTest, ExecJoinsARunningContainer) {
  WriteSpec({{"sleep", "100"}});
  std::unique_ptr<Process> init;
  auto c = Container::CreateInit(bundle_, Stdio{}, &init);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(init->Start().ok());

  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  Options e{{"sh", "-c", "echo $$; hostname; cat /proc/1/cmdline; echo; probe fds; "
                         "grep CapEff /proc/self/status; pwd"}};
  e.cwd = "/tmp";
  auto exec = (*c)->CreateExec(ProcessJson(e), Stdio{-1, out[1], -1});
  close(out[1]);
  base::UniqueFd out_r(out[0]);
  ASSERT_TRUE(exec.ok()) << exec.status();
  ASSERT_TRUE((*exec)->Start().ok());
  std::string text = ReadAll(out_r.get());
  EXPECT_EQ(ExitCode(WaitFor((*exec)->pid())), 0);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  ASSERT_GE(lines.size(), 6u) << text;
  EXPECT_NE(lines[0], "1");
  EXPECT_EQ(lines[1], "berth-test");
  EXPECT_EQ(lines[2], std::string("sleep\0" "100\0", 10));
  EXPECT_EQ(lines[3], "0 1 2 ");
  EXPECT_EQ(lines[4], "CapEff:\t00000000a80425fb");
  EXPECT_EQ(lines[5], "/tmp");
  // The exec'd process was in the container's cgroup.
  auto missing = (*c)->CreateExec(ProcessJson({{"nope"}}), Stdio{});
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ((*missing)->Start().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ExitCode(WaitFor((*missing)->pid())), 127);

  // With a terminal of its own.
  Options t{{"sh", "-c", "tty; echo $TERM-less"}};
  t.terminal = true;
  auto tty = (*c)->CreateExec(ProcessJson(t), Stdio{});
  ASSERT_TRUE(tty.ok()) << tty.status();
  base::UniqueFd master((*tty)->TakePtyMaster());
  ASSERT_TRUE(master.valid());
  ASSERT_TRUE((*tty)->Start().ok());
  std::string tty_out = ReadAll(master.get());
  EXPECT_TRUE(absl::StrContains(tty_out, "/dev/pts/")) << tty_out;
  EXPECT_TRUE(absl::StrContains(tty_out, "-less")) << tty_out;
  EXPECT_EQ(ExitCode(WaitFor((*tty)->pid())), 0);

  ASSERT_TRUE((*c)->KillAll(SIGKILL).ok());
  WaitFor(init->pid());
  EXPECT_TRUE((*c)->Destroy().ok());
  // The container is gone: exec fails cleanly.
  auto late = (*c)->CreateExec(ProcessJson({{"true"}}), Stdio{});
  EXPECT_FALSE(late.ok());
}

}  // namespace
}  // namespace shim::oci
