#include "shim/exit_file.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace shim {
namespace {

TEST(ExitFileTest, FormatsLikeGo) {
  absl::Time t = absl::FromUnixNanos(1795852800123456789);  // 2026-11-28T08:00:00.123456789Z
  EXPECT_EQ(FormatRfc3339Nano(t), "2026-11-28T08:00:00.123456789Z");
  EXPECT_EQ(FormatRfc3339Nano(absl::FromUnixNanos(1795852800120000000)),
            "2026-11-28T08:00:00.12Z");
  EXPECT_EQ(FormatRfc3339Nano(absl::FromUnixSeconds(1795852800)), "2026-11-28T08:00:00Z");
  ExitRecord r;
  r.exit_code = 137;
  r.exited_at = t;
  r.oom_killed = true;
  EXPECT_EQ(FormatExitRecord(r),
            R"({"exit_code":137,"exited_at":"2026-11-28T08:00:00.123456789Z","oom_killed":true})");
}

TEST(ExitFileTest, ParsesOffsetsAndDefaults) {
  absl::StatusOr<ExitRecord> r =
      ParseExitRecord(R"({"exit_code":3,"exited_at":"2026-11-28T09:00:00.5+01:00"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->oom_killed);
  EXPECT_EQ(r->exited_at, absl::FromUnixMillis(1795852800500));
}

TEST(ExitFileTest, RejectsBadRecords) {
  for (const char* bad : {"", "[]", R"({"exited_at":"2026-11-28T08:00:00Z"})",
                          R"({"exit_code":"1","exited_at":"2026-11-28T08:00:00Z"})",
                          R"({"exit_code":1,"exited_at":"yesterday"})",
                          R"({"exit_code":1,"exited_at":"2026-11-28T08:00:00Z","oom_killed":1})"}) {
    EXPECT_EQ(ParseExitRecord(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ExitFileTest, WriteThenRead) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  EXPECT_EQ(ReadExitFile(dir).status().code(), absl::StatusCode::kNotFound);
  ExitRecord r;
  r.exit_code = 0;
  r.exited_at = absl::FromUnixNanos(1795852800000000001);
  ASSERT_TRUE(WriteExitFile(dir, r).ok());
  absl::StatusOr<ExitRecord> back = ReadExitFile(dir);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->exit_code, 0);
  EXPECT_EQ(back->exited_at, r.exited_at);
  EXPECT_FALSE(back->oom_killed);
  struct stat st;
  ASSERT_EQ(::stat((dir + "/exit").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_TRUE(base::RemoveAll(dir).ok());
}

}  // namespace
}  // namespace shim
