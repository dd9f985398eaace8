#include "engine/containers/user_lookup.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace containers {
namespace {

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "app:x:1000:1000::/home/app:/bin/sh\n"
    "evil:x:4294967296:0::/:/bin/sh\n"
    "neg:x:-1:0::/:/bin/sh\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "daemon:x:1:\n"
    "wheel:x:10:root,app\n"
    "audio:x:29:app\n"
    "www-data:x:33:\n"
    "app:x:1000:\n"
    "biggid:x:3000000000:\n";

struct Case {
  std::string user;
  std::vector<std::string> group_add;
  uint32_t uid, gid;
  std::vector<uint32_t> additional;
  std::string home;
};

TEST(UserLookupTest, Resolves) {
  std::vector<Case> cases = {
      {"", {}, 0, 0, {10}, "/root"},
      {"root", {}, 0, 0, {10}, "/root"},
      {"0", {}, 0, 0, {10}, "/root"},
      {"www-data", {}, 33, 33, {}, "/var/www"},
      {"33", {}, 33, 33, {}, "/var/www"},
      {"app", {}, 1000, 1000, {10, 29}, "/home/app"},
      {"app:audio", {}, 1000, 29, {}, "/home/app"},
      {"app:33", {}, 1000, 33, {}, "/home/app"},
      {"app:4242", {}, 1000, 4242, {}, "/home/app"},
      {"1234", {}, 1234, 0, {}, "/"},
      {"1234:5678", {}, 1234, 5678, {}, "/"},
      {"daemon", {"wheel", "77"}, 1, 1, {10, 77}, "/usr/sbin"},
  };
  for (const Case& c : cases) {
    auto u = ResolveUserFromFiles(kPasswd, kGroup, c.user, c.group_add);
    ASSERT_TRUE(u.ok()) << c.user << ": " << u.status();
    EXPECT_EQ(u->uid, c.uid) << c.user;
    EXPECT_EQ(u->gid, c.gid) << c.user;
    EXPECT_EQ(u->additional_gids, c.additional) << c.user;
    EXPECT_EQ(u->home, c.home) << c.user;
  }
}

TEST(UserLookupTest, ErrorsAsDocker) {
  auto missing = ResolveUserFromFiles(kPasswd, kGroup, "nobody", {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "unable to find user nobody: no matching entries in passwd file");
  auto group = ResolveUserFromFiles(kPasswd, kGroup, "app:nogroup", {});
  EXPECT_EQ(group.status().message(),
            "unable to find group nogroup: no matching entries in group file");
  auto extra = ResolveUserFromFiles(kPasswd, kGroup, "app", {"nogroup"});
  EXPECT_EQ(extra.status().message(),
            "unable to find group nogroup: no matching entries in group file");
  // No passwd file at all: names fail, numbers work.
  EXPECT_EQ(ResolveUserFromFiles("", "", "app", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ResolveUserFromFiles("", "", "", {}).ok());
  EXPECT_TRUE(ResolveUserFromFiles("", "", "1:2", {}).ok());
}

TEST(UserLookupTest, RefusesIdsBeyondInt32) {
  for (const char* user : {"4294967296", "2147483648", "-1", "1:4294967296", "evil", "neg",
                           "app:biggid"}) {
    auto u = ResolveUserFromFiles(kPasswd, kGroup, user, {});
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << user;
    EXPECT_EQ(u.status().message(), "uids and gids must be in range 0-2147483647") << user;
  }
  EXPECT_EQ(ResolveUserFromFiles(kPasswd, kGroup, "2147483647", {})->uid, 2147483647u);
  // A member of a group with an out-of-range gid is refused too.
  auto member = ResolveUserFromFiles(kPasswd, "big:x:3000000000:app\n", "app", {});
  EXPECT_EQ(member.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(UserLookupTest, ReadsTheRootfsFiles) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  ASSERT_TRUE(base::MakeDirs(root + "/etc").ok());
  ASSERT_TRUE(base::WriteFileAtomic(root + "/etc/passwd", "web:x:80:81::/srv:/bin/sh\n").ok());
  ASSERT_TRUE(base::WriteFileAtomic(root + "/etc/group", "webgrp:x:81:\nops:x:90:web\n").ok());
  auto u = ResolveUser(root, "web", {});
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->uid, 80u);
  EXPECT_EQ(u->gid, 81u);
  EXPECT_EQ(u->additional_gids, std::vector<uint32_t>{90});
  EXPECT_EQ(ResolveUser(root, "x", {}).status().message(),
            "unable to find user x: no matching entries in passwd file");
  ASSERT_TRUE(base::RemoveAll(root).ok());
}

}  // namespace
}  // namespace containers
}  // namespace engine
