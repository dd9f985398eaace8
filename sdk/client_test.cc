#include "sdk/client.h"

#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"
#include "sdk/status.h"

namespace sdk {
namespace {

TEST(NormalizeHost, Forms) {
  EXPECT_EQ(*NormalizeHost("unix:///run/berth/berth.sock"),
            "unix:///run/berth/berth.sock");
  EXPECT_EQ(*NormalizeHost("/tmp/b.sock"), "unix:///tmp/b.sock");
  EXPECT_EQ(*NormalizeHost(""), kDefaultHost);
  EXPECT_EQ(*NormalizeHost("tcp://127.0.0.1:2375"), "127.0.0.1:2375");
  EXPECT_EQ(NormalizeHost("http://x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NormalizeHost("unix://").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Connect, NoDaemonGivesDockerLikeMessage) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string sock = std::string(tmpl) + "/absent.sock";
  auto client = Client::Connect(sock);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsConnectionError(client.status()));
  EXPECT_EQ(client.status().message(),
            "Cannot connect to the Berth daemon at unix://" + sock +
                ": is the daemon running?");
  rmdir(tmpl);
}

TEST(CancelToken, CancelBeforeStart) {
  CancelToken token;
  EXPECT_FALSE(token.cancelled());
  token.Cancel();
  EXPECT_TRUE(token.cancelled());
}

}  // namespace
}  // namespace sdk
