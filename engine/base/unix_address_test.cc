#include "engine/base/unix_address.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace base {
namespace {

TEST(UnixAddressTest, BindAndConnectThroughALongPath) {
  char tmpl[] = "/tmp/berth-ua-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = JoinPath(tmpl, std::string(120, 'd'));
  ASSERT_TRUE(MakeDirs(dir).ok());
  std::string path = JoinPath(dir, "s.sock");
  ASSERT_GT(path.size(), 107u);

  auto server_addr = UnixAddress::For(path);
  ASSERT_TRUE(server_addr.ok()) << server_addr.status();
  UniqueFd server(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(::bind(server.get(), server_addr->addr(), server_addr->size()), 0) << strerror(errno);
  ASSERT_EQ(::listen(server.get(), 1), 0);
  EXPECT_TRUE(PathExists(path));  // the socket lives at the real path

  auto client_addr = UnixAddress::For(path);
  ASSERT_TRUE(client_addr.ok());
  UniqueFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(::connect(client.get(), client_addr->addr(), client_addr->size()), 0)
      << strerror(errno);
  ASSERT_TRUE(RemoveAll(tmpl).ok());
}

TEST(UnixAddressTest, ShortPathsAreUsedAsIs) {
  auto a = UnixAddress::For("/run/x.sock");
  ASSERT_TRUE(a.ok());
  EXPECT_STREQ(reinterpret_cast<const sockaddr_un*>(a->addr())->sun_path, "/run/x.sock");
  EXPECT_FALSE(UnixAddress::For("").ok());
}

}  // namespace
}  // namespace base
