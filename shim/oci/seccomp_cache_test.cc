#include "shim/oci/seccomp_cache.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace shim::oci {
namespace {

SeccompSpec Profile(const std::string& denied) {
  SeccompSpec spec;
  spec.default_action = "SCMP_ACT_ALLOW";
  spec.architectures = {"SCMP_ARCH_X86_64"};
  SeccompRule rule;
  rule.names = {denied};
  rule.action = "SCMP_ACT_ERRNO";
  rule.errno_ret = 1;
  spec.syscalls.push_back(rule);
  return spec;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') out.push_back(e->d_name);
  }
  closedir(d);
  return out;
}

bool SameProgram(const SeccompProgram& a, const SeccompProgram& b) {
  if (a.flags != b.flags || a.insns.size() != b.insns.size()) return false;
  for (size_t i = 0; i < a.insns.size(); ++i) {
    if (a.insns[i].code != b.insns[i].code || a.insns[i].k != b.insns[i].k ||
        a.insns[i].jt != b.insns[i].jt || a.insns[i].jf != b.insns[i].jf) {
      return false;
    }
  }
  return true;
}

class SeccompCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/cache";
  }
  void TearDown() override { (void)base::RemoveAll(root_); }
  std::string root_, dir_;
};

TEST_F(SeccompCacheTest, SecondCompileReadsTheSameProgram) {
  auto direct = CompileSeccomp(Profile("keyctl"), true);
  ASSERT_TRUE(direct.ok()) << direct.status();
  auto first = CompileSeccompCached(Profile("keyctl"), true, dir_);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(Entries(dir_).size(), 1u);
  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto second = CompileSeccompCached(Profile("keyctl"), true, dir_);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(SameProgram(*direct, *first));
  EXPECT_TRUE(SameProgram(*direct, *second));
}

TEST_F(SeccompCacheTest, DifferentProfilesAndStubChoicesGetTheirOwnEntries) {
  ASSERT_TRUE(CompileSeccompCached(Profile("keyctl"), true, dir_).ok());
  ASSERT_TRUE(CompileSeccompCached(Profile("keyctl"), false, dir_).ok());
  auto other = CompileSeccompCached(Profile("unshare"), true, dir_);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Entries(dir_).size(), 3u);
  EXPECT_TRUE(SameProgram(*other, *CompileSeccomp(Profile("unshare"), true)));
  EXPECT_NE(SeccompCacheKey(Profile("keyctl"), true), SeccompCacheKey(Profile("keyctl"), false));
}

TEST_F(SeccompCacheTest, CorruptOrForeignEntriesAreMisses) {
  ASSERT_TRUE(CompileSeccompCached(Profile("keyctl"), true, dir_).ok());
  std::vector<std::string> entries = Entries(dir_);
  ASSERT_EQ(entries.size(), 1u);
  const std::string path = dir_ + "/" + entries[0];
  // Truncated: recompiled, and the entry is rewritten whole.
  ASSERT_EQ(truncate(path.c_str(), 10), 0);
  auto again = CompileSeccompCached(Profile("keyctl"), true, dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(SameProgram(*again, *CompileSeccomp(Profile("keyctl"), true)));
  // Group-writable: not trusted.
  ASSERT_EQ(chmod(path.c_str(), 0666), 0);
  auto loose = CompileSeccompCached(Profile("keyctl"), true, dir_);
  ASSERT_TRUE(loose.ok());
  EXPECT_TRUE(SameProgram(*loose, *CompileSeccomp(Profile("keyctl"), true)));
}

TEST_F(SeccompCacheTest, CompileErrorsPassThroughAndUnwritableCacheStillCompiles) {
  SeccompSpec bad = Profile("keyctl");
  bad.default_action = "SCMP_ACT_NOPE";
  EXPECT_EQ(CompileSeccompCached(bad, true, dir_).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto nowhere = CompileSeccompCached(Profile("keyctl"), true, "/proc/no-such-dir/cache");
  EXPECT_TRUE(nowhere.ok());
}

}  // namespace
}  // namespace shim::oci
