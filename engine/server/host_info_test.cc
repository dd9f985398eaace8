#include "engine/server/host_info.h"

#include <stdlib.h>

#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace server {
namespace {

TEST(HostInfoTest, ParsesOsRelease) {
  EXPECT_EQ(ParseOsReleasePrettyName("NAME=\"Debian GNU/Linux\"\n"
                                     "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                                     "ID=debian\n"),
            "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(ParseOsReleasePrettyName("PRETTY_NAME=Alpine\n"), "Alpine");
  EXPECT_EQ(ParseOsReleasePrettyName("PRETTY_NAME='It\\'s'\n"), "It's");
  EXPECT_EQ(ParseOsReleasePrettyName("ID=x\n"), "");
}

TEST(HostInfoTest, ParsesMemTotal) {
  EXPECT_EQ(ParseMemTotal("MemTotal:       16318412 kB\nMemFree: 1 kB\n"),
            16318412LL * 1024);
  EXPECT_EQ(ParseMemTotal("MemFree: 1 kB\n"), 0);
}

TEST(HostInfoTest, CollectsThisHost) {
  HostInfo info = CollectHostInfo();
  EXPECT_FALSE(info.hostname.empty());
  EXPECT_FALSE(info.kernel_version.empty());
  EXPECT_FALSE(info.architecture.empty());
  EXPECT_NE(info.architecture, "x86_64");
  EXPECT_GT(info.ncpu, 0);
  EXPECT_GT(info.mem_total, 0);
  EXPECT_TRUE(info.cgroup_version == "1" || info.cgroup_version == "2");
  EXPECT_EQ(info.os_type, "linux");
}

TEST(HostInfoTest, EngineIdIsMadeOnceAndKept) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  absl::StatusOr<std::string> id = LoadOrCreateEngineId(dir);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->size(), 36u);
  EXPECT_EQ((*id)[14], '4');
  absl::StatusOr<std::string> again = LoadOrCreateEngineId(dir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *id);

  char other[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(mkdtemp(other), nullptr);
  EXPECT_NE(*LoadOrCreateEngineId(other), *id);

  ASSERT_TRUE(base::WriteFileAtomic(dir + "/engine-id", "garbage").ok());
  EXPECT_TRUE(absl::IsDataLoss(LoadOrCreateEngineId(dir).status()));
  (void)base::RemoveAll(dir);
  (void)base::RemoveAll(other);
}

}  // namespace
}  // namespace server
}  // namespace engine
