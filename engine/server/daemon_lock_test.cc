#include "engine/server/daemon_lock.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace server {
namespace {

class DaemonLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  // Tries to acquire the lock in a child process; returns its error message
  // ("" on success).
  std::string AcquireInChild(const std::string& root) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      absl::StatusOr<std::unique_ptr<DaemonLock>> lock = DaemonLock::Acquire(root);
      std::string msg = lock.ok() ? "" : std::string(lock.status().message());
      (void)!write(fds[1], msg.data(), msg.size());
      _exit(lock.ok() ? 0 : 1);
    }
    close(fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, n);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status) == 0, out.empty());
    return out;
  }

  std::string dir_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST_F(DaemonLockTest, CreatesDataRoot0700) {
  std::string root = dir_ + "/a/b/data";
  absl::StatusOr<std::unique_ptr<DaemonLock>> lock = DaemonLock::Acquire(root);
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_EQ(ModeOf(root), 0700u);
  EXPECT_TRUE(base::PathExists(root + "/berthd.lock"));
}

TEST_F(DaemonLockTest, TightensAWiderExistingRoot) {
  std::string root = dir_ + "/data";
  ASSERT_EQ(mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(chmod(root.c_str(), 0777), 0);
  absl::StatusOr<std::unique_ptr<DaemonLock>> lock = DaemonLock::Acquire(root);
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_EQ(ModeOf(root), 0700u);
}

TEST_F(DaemonLockTest, SecondDaemonIsRefusedWithThePid) {
  std::string root = dir_ + "/data";
  absl::StatusOr<std::unique_ptr<DaemonLock>> lock = DaemonLock::Acquire(root);
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_EQ(AcquireInChild(root),
            absl::StrCat("another berthd is already running on data root ",
                         root, " (pid ", getpid(), ")"));
  // Released with the process: once we drop it a child may take it.
  lock->reset();
  EXPECT_EQ(AcquireInChild(root), "");
}

TEST_F(DaemonLockTest, PidfileWrittenAndRemoved) {
  absl::StatusOr<std::unique_ptr<DaemonLock>> lock =
      DaemonLock::Acquire(dir_ + "/data");
  ASSERT_TRUE(lock.ok());
  std::string pidfile = dir_ + "/run/berthd.pid";
  ASSERT_TRUE((*lock)->WritePidfile(pidfile).ok());
  absl::StatusOr<std::string> text = base::ReadFile(pidfile);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, absl::StrCat(getpid()));
  lock->reset();
  EXPECT_FALSE(base::PathExists(pidfile));
}

}  // namespace
}  // namespace server
}  // namespace engine
