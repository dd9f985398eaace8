#include "engine/runtime/cgroup_cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

constexpr char kRoot[] = "/sys/fs/cgroup";

bool V2() { return base::PathExists(absl::StrCat(kRoot, "/cgroup.controllers")); }

// A real cgroup "/berth-cleanup-test-<pid>" in the pids and freezer
// hierarchies (v1) or the unified one (v2), with processes moved into it.
class CgroupCleanupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_FAIL() << "needs root";
    path_ = absl::StrCat("/berth-cleanup-test-", getpid());
    if (V2()) {
      dirs_ = {absl::StrCat(kRoot, path_)};
    } else {
      dirs_ = {absl::StrCat(kRoot, "/pids", path_), absl::StrCat(kRoot, "/freezer", path_)};
    }
    for (const std::string& d : dirs_) ASSERT_EQ(mkdir(d.c_str(), 0755), 0) << d;
  }

  void TearDown() override {
    for (pid_t pid : children_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    for (const std::string& d : dirs_) rmdir(d.c_str());
  }

  // Forks a child that joins the cgroup and sleeps (and forks a grandchild
  // that does the same, so the cgroup holds a process that is not ours).
  pid_t SpawnSleeper() {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(ready[0]);
      std::string self = absl::StrCat(getpid());
      for (const std::string& d : dirs_) {
        if (!base::WriteAll(open(absl::StrCat(d, "/cgroup.procs").c_str(), O_WRONLY), self, d)
                 .ok()) {
          _exit(3);
        }
      }
      if (fork() == 0) {
        setsid();
        pause();
        _exit(0);
      }
      (void)!write(ready[1], "x", 1);
      pause();
      _exit(0);
    }
    close(ready[1]);
    char c;
    EXPECT_EQ(read(ready[0], &c, 1), 1);
    close(ready[0]);
    children_.push_back(pid);
    return pid;
  }

  std::string path_;
  std::vector<std::string> dirs_;
  std::vector<pid_t> children_;
};

TEST_F(CgroupCleanupTest, KillsEveryProcessAndRemovesTheDirectories) {
  pid_t pid = SpawnSleeper();
  std::vector<std::string> found = CgroupDirs(path_, kRoot);
  for (const std::string& d : dirs_) {
    EXPECT_NE(std::find(found.begin(), found.end(), d), found.end()) << d;
  }
  ASSERT_TRUE(KillAndRemoveCgroup(path_, kRoot).ok());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  children_.clear();
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  for (const std::string& d : dirs_) EXPECT_FALSE(base::PathExists(d)) << d;
  EXPECT_TRUE(CgroupDirs(path_, kRoot).empty());
}

TEST_F(CgroupCleanupTest, KillsAFrozenCgroup) {
  pid_t pid = SpawnSleeper();
  std::string freeze = V2() ? absl::StrCat(dirs_[0], "/cgroup.freeze")
                            : absl::StrCat(dirs_[1], "/freezer.state");
  int fd = open(freeze.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(base::WriteAll(fd, V2() ? "1" : "FROZEN", freeze).ok());
  close(fd);
  ASSERT_TRUE(KillAndRemoveCgroup(path_, kRoot).ok());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  children_.clear();
  EXPECT_TRUE(WIFSIGNALED(status));
  for (const std::string& d : dirs_) EXPECT_FALSE(base::PathExists(d)) << d;
}

TEST_F(CgroupCleanupTest, RemovesChildCgroups) {
  std::string child = absl::StrCat(dirs_[0], "/nested");
  ASSERT_EQ(mkdir(child.c_str(), 0755), 0);
  ASSERT_TRUE(KillAndRemoveCgroup(path_, kRoot).ok());
  EXPECT_FALSE(base::PathExists(dirs_[0]));
}

TEST(CgroupCleanup, MissingCgroupIsOk) {
  EXPECT_TRUE(KillAndRemoveCgroup("/berth-no-such-cgroup-x", kRoot).ok());
  EXPECT_TRUE(KillAndRemoveCgroup("/x", "/nonexistent-root").ok());
}

TEST(CgroupCleanup, RefusesBadPaths) {
  EXPECT_EQ(KillAndRemoveCgroup("berth/x", kRoot).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KillAndRemoveCgroup("/berth/../x", kRoot).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KillAndRemoveCgroup("/", kRoot).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace engine::runtime
