#include "engine/server/unix_listener.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace server {
namespace {

constexpr gid_t kGroup = 1234;

class UnixListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/run/berth.sock";
  }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  std::string dir_;
  std::string path_;
};

int Connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(UnixListenerTest, SocketIs0660RootGroupAndDirIsCreated) {
  absl::StatusOr<std::unique_ptr<UnixListener>> l =
      UnixListener::Create(path_, kGroup);
  ASSERT_TRUE(l.ok()) << l.status();
  struct stat st;
  ASSERT_EQ(lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  if (geteuid() == 0) {
    EXPECT_EQ(st.st_uid, 0u);
  }
  EXPECT_EQ(st.st_gid, kGroup);
  // Nothing is left of the private bind directory.
  std::string listing;
  FILE* ls = popen(("ls -A " + dir_ + "/run").c_str(), "r");
  char buf[256];
  while (fgets(buf, sizeof(buf), ls)) listing += buf;
  pclose(ls);
  EXPECT_EQ(listing, "berth.sock\n");
}

// The final name only ever appears through a rename of the finished socket:
// inotify sees IN_MOVED_TO for it and never IN_CREATE / IN_ATTRIB.
TEST_F(UnixListenerTest, FinalPathAppearsOnlyByRename) {
  ASSERT_TRUE(base::MakeDirs(dir_ + "/run").ok());
  int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(in, 0);
  ASSERT_GE(inotify_add_watch(in, (dir_ + "/run").c_str(),
                              IN_CREATE | IN_ATTRIB | IN_MOVED_TO),
            0);
  absl::StatusOr<std::unique_ptr<UnixListener>> l =
      UnixListener::Create(path_, kGroup);
  ASSERT_TRUE(l.ok()) << l.status();
  alignas(inotify_event) char buf[4096];
  ssize_t n = read(in, buf, sizeof(buf));
  ASSERT_GT(n, 0);
  bool moved_to = false;
  for (char* p = buf; p < buf + n;) {
    auto* ev = reinterpret_cast<inotify_event*>(p);
    if (ev->len > 0 && std::string(ev->name) == "berth.sock") {
      EXPECT_EQ(ev->mask & (IN_CREATE | IN_ATTRIB), 0u) << ev->mask;
      if (ev->mask & IN_MOVED_TO) moved_to = true;
    }
    p += sizeof(inotify_event) + ev->len;
  }
  EXPECT_TRUE(moved_to);
  close(in);
}

TEST_F(UnixListenerTest, AcceptsAndHandsOverConnections) {
  absl::StatusOr<std::unique_ptr<UnixListener>> l =
      UnixListener::Create(path_, kGroup);
  ASSERT_TRUE(l.ok()) << l.status();
  std::atomic<int> got{-1};
  absl::Notification done;
  (*l)->Start([&](int fd) {
    int flags = fcntl(fd, F_GETFL);
    EXPECT_NE(flags & O_NONBLOCK, 0);
    EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    (void)!write(fd, "hi", 2);
    got = fd;
    close(fd);
    done.Notify();
  });
  int c = Connect(path_);
  ASSERT_GE(c, 0);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  char buf[2];
  EXPECT_EQ(read(c, buf, 2), 2);
  close(c);
  (*l)->Stop();
  (*l)->Stop();  // idempotent
}

TEST_F(UnixListenerTest, DestructorRemovesTheSocket) {
  {
    absl::StatusOr<std::unique_ptr<UnixListener>> l =
        UnixListener::Create(path_, kGroup);
    ASSERT_TRUE(l.ok());
    (*l)->Start([](int fd) { close(fd); });
  }
  EXPECT_FALSE(base::PathExists(path_));
}

TEST_F(UnixListenerTest, ReplacesAStaleSocket) {
  ASSERT_TRUE(base::MakeDirs(dir_ + "/run").ok());
  {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    close(fd);  // the file stays, nobody listens: stale
  }
  absl::StatusOr<std::unique_ptr<UnixListener>> l =
      UnixListener::Create(path_, kGroup);
  ASSERT_TRUE(l.ok()) << l.status();
  int c = Connect(path_);
  EXPECT_GE(c, 0);
  close(c);
}

TEST_F(UnixListenerTest, RefusesALiveSocketOrAFile) {
  absl::StatusOr<std::unique_ptr<UnixListener>> first =
      UnixListener::Create(path_, kGroup);
  ASSERT_TRUE(first.ok());
  absl::StatusOr<std::unique_ptr<UnixListener>> second =
      UnixListener::Create(path_, kGroup);
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_TRUE(base::PathExists(path_));  // the first one's socket is intact

  std::string file = dir_ + "/run/file";
  ASSERT_TRUE(base::WriteFileAtomic(file, "data").ok());
  absl::StatusOr<std::unique_ptr<UnixListener>> on_file =
      UnixListener::Create(file, kGroup);
  EXPECT_TRUE(absl::IsFailedPrecondition(on_file.status())) << on_file.status();
  EXPECT_EQ(*base::ReadFile(file), "data");
}

TEST_F(UnixListenerTest, RejectsRelativeAndTooLongPaths) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      UnixListener::Create("rel.sock", kGroup).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      UnixListener::Create(dir_ + "/" + std::string(120, 'x'), kGroup).status()));
}

}  // namespace
}  // namespace server
}  // namespace engine
