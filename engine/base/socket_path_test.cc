#include "engine/base/socket_path.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "engine/base/file_util.h"
#include "engine/base/unique_fd.h"
#include "gtest/gtest.h"

namespace base {
namespace {

TEST(SocketPathTest, FreeStaleBusyAndNotASocket) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/s.sock";
  EXPECT_TRUE(CheckSocketPathFree(path).ok());

  UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr = *SocketPathAddress(path);
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener.get(), 1), 0);
  EXPECT_EQ(CheckSocketPathFree(path).message(),
            "another process is already listening on " + path);
  listener.reset();
  EXPECT_TRUE(CheckSocketPathFree(path).ok());  // stale: nobody answers

  const std::string file = dir + "/plain";
  ASSERT_TRUE(WriteFileAtomic(file, "x").ok());
  EXPECT_EQ(CheckSocketPathFree(file).message(), file + " exists and is not a socket");
  EXPECT_EQ(SocketPathAddress(std::string(200, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(RemoveAll(dir).ok());
}

std::string Dir() {
  char tmpl[] = "/tmp/berth-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl), nullptr);
  return tmpl;
}

TEST(UnixSocketFileTest, CreatesReplacesStaleAndRefusesLive) {
  std::string path = Dir() + "/d.sock";
  gid_t gid = getegid();
  auto sock = UnixSocketFile::Create(path, gid);
  ASSERT_TRUE(sock.ok()) << sock.status();
  struct stat st;
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, gid);
  base::UniqueFd fd = sock->TakeFd();
  EXPECT_TRUE(fd.valid());
  EXPECT_TRUE(fcntl(fd.get(), F_GETFD) & FD_CLOEXEC);

  // Someone listens: refused.
  auto second = UnixSocketFile::Create(path, gid);
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();

  // Nobody listens any more: the stale socket is replaced.
  fd.reset();
  auto third = UnixSocketFile::Create(path, gid);
  ASSERT_TRUE(third.ok()) << third.status();
  third->Remove();
  EXPECT_NE(lstat(path.c_str(), &st), 0);

  // Not a socket: left alone.
  int f = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  close(f);
  EXPECT_TRUE(absl::IsFailedPrecondition(UnixSocketFile::Create(path, gid).status()));
  unlink(path.c_str());
  rmdir(path.substr(0, path.rfind('/')).c_str());
}

}  // namespace
}  // namespace base
