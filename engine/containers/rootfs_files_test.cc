#include "engine/containers/rootfs_files.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace containers {
namespace {

class RootfsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/rootfs";
    ASSERT_TRUE(base::MakeDirs(root_ + "/etc").ok());
    // A file outside the rootfs that links try to reach.
    ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/secret", "host secret\n").ok());
  }
  void TearDown() override { ASSERT_TRUE(base::RemoveAll(dir_).ok()); }
  void Write(const std::string& rel, const std::string& data) {
    ASSERT_TRUE(base::WriteFileAtomic(root_ + rel, data).ok());
  }
  void Link(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + rel).c_str()), 0);
  }
  std::string dir_, root_;
};

TEST_F(RootfsFilesTest, ReadsRegularFiles) {
  Write("/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  auto got = ReadFileInRoot(root_, "/etc/passwd");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "root:x:0:0::/root:/bin/sh\n");
  auto missing = ReadFileInRoot(root_, "/etc/group");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());
}

TEST_F(RootfsFilesTest, SymlinksStayInsideTheRoot) {
  // Absolute and relative links that would leave the rootfs on the host.
  Link(dir_ + "/secret", "/etc/passwd");
  Link("../../../../../../secret", "/etc/group");
  auto abs = ReadFileInRoot(root_, "/etc/passwd");
  ASSERT_TRUE(abs.ok()) << abs.status();
  EXPECT_FALSE(abs->has_value());
  auto rel = ReadFileInRoot(root_, "/etc/group");
  ASSERT_TRUE(rel.ok()) << rel.status();
  EXPECT_FALSE(rel->has_value());
  // A link inside the root is followed inside it.
  Write("/secret", "container file\n");
  auto inside = ReadFileInRoot(root_, "/etc/group");
  ASSERT_TRUE(inside.ok() && inside->has_value());
  EXPECT_EQ(**inside, "container file\n");
}

TEST_F(RootfsFilesTest, RefusesHugeFilesFifosAndDirectories) {
  Write("/etc/passwd", std::string(kMaxRootfsFileBytes + 1, 'x'));
  EXPECT_EQ(ReadFileInRoot(root_, "/etc/passwd").status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(::mkfifo((root_ + "/etc/group").c_str(), 0644), 0);
  EXPECT_EQ(ReadFileInRoot(root_, "/etc/group").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFileInRoot(root_, "/etc").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RootfsFilesTest, CleanPath) {
  EXPECT_EQ(CleanPath("/"), "/");
  EXPECT_EQ(CleanPath("//a/./b/../c/"), "/a/c");
  EXPECT_EQ(CleanPath("/../../x"), "/x");
  EXPECT_EQ(CleanPath("a/b"), "/a/b");
}

TEST_F(RootfsFilesTest, ResolvePathFollowsLinksInsideTheRoot) {
  ASSERT_TRUE(base::MakeDirs(root_ + "/srv/app").ok());
  Link("/proc/self/fd/7", "/work");
  Link("srv/app", "/app");
  Link("../../proc", "/srv/p");
  Link("/loop2", "/loop1");
  Link("/loop1", "/loop2");

  EXPECT_EQ(*ResolvePathInRoot(root_, "/srv/app"), "/srv/app");
  EXPECT_EQ(*ResolvePathInRoot(root_, "/work"), "/proc/self/fd/7");
  EXPECT_EQ(*ResolvePathInRoot(root_, "/work/sub"), "/proc/self/fd/7/sub");
  EXPECT_EQ(*ResolvePathInRoot(root_, "/app/x"), "/srv/app/x");
  EXPECT_EQ(*ResolvePathInRoot(root_, "/srv/p/1"), "/proc/1");
  EXPECT_EQ(*ResolvePathInRoot(root_, "/missing/../srv"), "/srv");
  EXPECT_EQ(ResolvePathInRoot(root_, "/loop1").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace containers
}  // namespace engine
