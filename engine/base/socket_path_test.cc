#include "engine/base/socket_path.h"

#include <stdlib.h>
#include <sys/socket.h>
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

}  // namespace
}  // namespace base
