#include "engine/base/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace base {
namespace {

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-fu-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { ASSERT_TRUE(RemoveAll(dir_).ok()); }
  std::string dir_;
};

TEST_F(FileUtilTest, AtomicWriteThenRead) {
  std::string p = JoinPath(dir_, "f");
  ASSERT_TRUE(WriteFileAtomic(p, "hello", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(p, "world").ok());
  auto got = ReadFile(p);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "world");
}

TEST_F(FileUtilTest, ReplaceFileSwapsContentAndMode) {
  std::string p = JoinPath(dir_, "state");
  ASSERT_TRUE(ReplaceFile(p, "one", 0600).ok());
  ASSERT_TRUE(ReplaceFile(p, "two", 0644).ok());
  EXPECT_EQ(*ReadFile(p), "two");
  struct stat st;
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_FALSE(PathExists(absl::StrCat(p, ".tmp-", getpid())));
  absl::Status s = ReplaceFile(JoinPath(dir_, "no/such/dir/f"), "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no/such/dir/f.tmp-"), absl::string_view::npos);
}

TEST_F(FileUtilTest, ListDirAtNamesEntries) {
  ASSERT_TRUE(MakeDirs(JoinPath(dir_, "d/sub")).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir_, "d/f"), "x").ok());
  int fd = open(JoinPath(dir_, "d").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto names = ListDirAt(fd);
  close(fd);
  ASSERT_TRUE(names.ok()) << names.status();
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"f", "sub"}));
  EXPECT_FALSE(ListDirAt(-1).ok());
}

TEST_F(FileUtilTest, ReadMissingNamesPath) {
  auto got = ReadFile(JoinPath(dir_, "nope"));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("open /tmp/berth-fu-"),
            absl::string_view::npos);
  EXPECT_NE(got.status().message().find("No such file or directory"),
            absl::string_view::npos);
}

TEST_F(FileUtilTest, ReadCapsSize) {
  std::string p = JoinPath(dir_, "big");
  ASSERT_TRUE(WriteFileAtomic(p, std::string(100, 'x')).ok());
  EXPECT_EQ(ReadFile(p, 10).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(FileUtilTest, MakeDirsAndRemoveAll) {
  std::string deep = JoinPath(dir_, "a/b/c");
  ASSERT_TRUE(MakeDirs(deep).ok());
  ASSERT_TRUE(MakeDirs(deep).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(deep, "f"), "x").ok());
  ASSERT_TRUE(RemoveAll(JoinPath(dir_, "a")).ok());
  EXPECT_FALSE(PathExists(JoinPath(dir_, "a")));
  EXPECT_TRUE(RemoveAll(JoinPath(dir_, "a")).ok());
}

TEST(JoinPathTest, SingleSlashes) {
  EXPECT_EQ(JoinPath("/a/", "/b"), "/a/b");
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

}  // namespace
}  // namespace base
