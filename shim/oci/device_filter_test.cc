#include "shim/oci/device_filter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace shim::oci {
namespace {

constexpr long kCgroup2Magic = 0x63677270;

DeviceRule Rule(bool allow, char type, int64_t major, int64_t minor, const char* access) {
  DeviceRule r;
  r.allow = allow;
  r.type = type;
  r.major = major;
  r.minor = minor;
  r.access = access;
  return r;
}

// A cgroup2 mount to attach to: the v2 root, or a hybrid host's unified
// hierarchy (this machine's kind: v1 controllers plus /sys/fs/cgroup/unified).
std::string Cgroup2Root() {
  for (const char* dir : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs fs;
    if (statfs(dir, &fs) == 0 && fs.f_type == kCgroup2Magic) return dir;
  }
  return "";
}

TEST(DeviceFilterTest, CompilesOneBlockPerRule) {
  std::vector<DeviceRule> rules = {Rule(false, 'a', -1, -1, "rwm"),
                                   Rule(true, 'c', 1, 3, "rwm")};
  std::vector<bpf_insn> prog = CompileDeviceFilter(rules);
  // Prologue (6), the 'c 1:3 rwm' block (type, major, minor, r0, exit), then
  // the 'a' block (r0, exit), which matches everything and ends the program.
  ASSERT_EQ(prog.size(), 6u + 5u + 2u);
  EXPECT_EQ(prog.back().code, BPF_JMP | BPF_EXIT);
  EXPECT_EQ(prog[6].off, 4);  // a failed type check skips to the next block
}

// Runs `probe` in a child moved into a fresh cgroup2 directory carrying the
// filter for `rules`; returns the child's exit status.
int RunFiltered(const std::vector<DeviceRule>& rules, int (*probe)()) {
  const std::string root = Cgroup2Root();
  EXPECT_FALSE(root.empty()) << "no cgroup2 mount (v2 root or hybrid /sys/fs/cgroup/unified)";
  if (root.empty()) return -1;
  const std::string dir = absl::StrCat(root, "/berth-devtest-", getpid());
  rmdir(dir.c_str());
  EXPECT_EQ(mkdir(dir.c_str(), 0755), 0) << strerror(errno);
  absl::Status attached = AttachDeviceFilter(dir, rules);
  EXPECT_TRUE(attached.ok()) << attached;
  int status = -1;
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) _exit(100);
    close(fd);
    _exit(probe());
  }
  waitpid(pid, &status, 0);
  // Back in the parent's cgroup the child is gone; the empty cgroup goes.
  rmdir(dir.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// 0: /dev/null opens; 1: it does not.
int OpenNull() {
  int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) return 1;
  close(fd);
  return 0;
}

// 0: /dev/zero is refused with EPERM; 1: it opened; 2: another error.
int ZeroRefused() {
  int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    return 1;
  }
  return errno == EPERM ? 0 : 2;
}

// 0: mknod of a block device works (the rules allow 'b *:* m') but opening
// it is refused; else the step that went wrong.
int BlockNodeUnusable() {
  const std::string node = absl::StrCat("/tmp/berth-devtest-node-", getpid());
  unlink(node.c_str());
  if (mknod(node.c_str(), S_IFBLK | 0600, makedev(7, 0)) != 0) return 3;  // loop0
  int fd = open(node.c_str(), O_RDONLY | O_CLOEXEC);
  int err = errno;
  unlink(node.c_str());
  if (fd >= 0) {
    close(fd);
    return 1;
  }
  return err == EPERM ? 0 : 2;
}

std::vector<DeviceRule> DockerLike() {
  // Docker's rules start by denying everything; the standard nodes follow.
  return {Rule(false, 'a', -1, -1, "rwm"), Rule(true, 'c', -1, -1, "m"),
          Rule(true, 'b', -1, -1, "m"), Rule(true, 'c', 1, 3, "rwm")};
}

TEST(DeviceFilterTest, KernelEnforcesTheRules) {
  EXPECT_EQ(RunFiltered(DockerLike(), OpenNull), 0) << "/dev/null refused";
  EXPECT_EQ(RunFiltered(DockerLike(), ZeroRefused), 0) << "/dev/zero not refused with EPERM";
  EXPECT_EQ(RunFiltered(DockerLike(), BlockNodeUnusable), 0)
      << "a block device node created in the container could be opened";
}

TEST(DeviceFilterTest, AccessSubsetsAndLastRuleWins) {
  // Read-only /dev/null: opening it read-write is refused.
  std::vector<DeviceRule> ro = {Rule(false, 'a', -1, -1, "rwm"), Rule(true, 'c', 1, 3, "r")};
  EXPECT_EQ(RunFiltered(ro, OpenNull), 1);
  // A later deny overrides an earlier allow.
  std::vector<DeviceRule> later = {Rule(true, 'c', 1, 3, "rwm"), Rule(false, 'c', 1, 3, "rwm")};
  EXPECT_EQ(RunFiltered(later, OpenNull), 1);
  // Nothing matching: allowed, as in a fresh v1 cgroup.
  EXPECT_EQ(RunFiltered({Rule(false, 'b', 8, -1, "rwm")}, OpenNull), 0);
}

}  // namespace
}  // namespace shim::oci
