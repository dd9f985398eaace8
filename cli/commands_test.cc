#include <stdlib.h>

#include <sstream>

#include "cli/image_commands.h"
#include "cli/registry_commands.h"
#include "cli/system_commands.h"
#include "gtest/gtest.h"

namespace cli {
namespace {

TEST(Commands, HasTagOrDigest) {
  EXPECT_FALSE(HasTagOrDigest("alpine"));
  EXPECT_FALSE(HasTagOrDigest("127.0.0.1:5000/x"));
  EXPECT_TRUE(HasTagOrDigest("alpine:3"));
  EXPECT_TRUE(HasTagOrDigest("127.0.0.1:5000/x:1"));
  EXPECT_TRUE(HasTagOrDigest("x@sha256:abc"));
}

TEST(Commands, BytesSize) {
  EXPECT_EQ(BytesSize(8335523840.0), "7.763GiB");
  EXPECT_EQ(BytesSize(512), "512B");
}

TEST(Commands, VersionLine) {
  EXPECT_EQ(VersionLine().rfind("Berth version 0.1.0, build ", 0), 0u);
}

// A command that needs the daemon reports Docker's connection message.
TEST(Commands, NoDaemon) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  Invocation inv;
  inv.global.host = std::string("unix://") + tmpl + "/none.sock";
  inv.global.config_dir = std::string(tmpl) + "/cfg";
  inv.args = {"alpine"};
  std::ostringstream out, err;
  std::istringstream in;
  Context ctx(&inv, &out, &err, &in);
  absl::Status s = RunImages(&ctx);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("Cannot connect to the Berth daemon at unix://"),
            absl::string_view::npos);

  // logout works locally even without a daemon.
  inv.args = {"127.0.0.1:5000"};
  EXPECT_TRUE(RunLogout(&ctx).ok());
  EXPECT_EQ(out.str(), "Not logged in to 127.0.0.1:5000\n");

  // login with --password-stdin but no user is refused before any I/O.
  inv.login.password_stdin = true;
  EXPECT_EQ(RunLogin(&ctx).message(),
            "Must provide --username with --password-stdin");
  // Non-interactive login without a password.
  inv.login = LoginOptions{};
  inv.login.username = "bob";
  EXPECT_EQ(RunLogin(&ctx).message(),
            "Error: Cannot perform an interactive login from a non TTY device");

  // Prune without -f asks and stops on anything but y.
  std::istringstream no("n\n");
  Context ask(&inv, &out, &err, &no);
  out.str("");
  EXPECT_TRUE(RunImagePrune(&ask).ok());
  EXPECT_EQ(out.str(),
            "WARNING! This will remove all dangling images.\n"
            "Are you sure you want to continue? [y/N] ");
  system((std::string("rm -rf ") + tmpl).c_str());
}

}  // namespace
}  // namespace cli
