#include "engine/runtime/cgroup_stats.h"

#include <stdlib.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

class CgroupStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { (void)base::RemoveAll(root_); }
  void Put(const std::string& rel, const std::string& text) {
    std::string path = root_ + "/" + rel;
    ASSERT_TRUE(base::MakeDirs(path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(base::WriteFileAtomic(path, text).ok());
  }
  std::string root_;
};

TEST_F(CgroupStatsTest, V1) {
  Put("cpuacct/berth/c1/cpuacct.usage", "123456789\n");
  Put("memory/berth/c1/memory.usage_in_bytes", "10000\n");
  Put("memory/berth/c1/memory.limit_in_bytes", "8192\n");
  Put("memory/berth/c1/memory.stat", "cache 5\ntotal_cache 400\ntotal_inactive_file 1000\n");
  Put("memory/berth/c1/cgroup.procs", "12\n7\n");
  Put("pids/berth/c1/pids.current", "3\n");
  Put("pids/berth/c1/pids.max", "max\n");
  Put("blkio/berth/c1/blkio.throttle.io_service_bytes",
      "8:0 Read 100\n8:0 Write 50\n8:16 Read 1\nTotal 151\n");
  ASSERT_FALSE(IsCgroupV2(root_));
  auto s = ReadCgroupStats("/berth/c1", root_);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cpu_total_ns, 123456789u);
  EXPECT_EQ(s->memory_usage, 9000u);
  EXPECT_EQ(s->memory_limit, 8192u);
  EXPECT_EQ(s->memory_cache, 400u);
  EXPECT_EQ(s->pids_current, 3u);
  EXPECT_EQ(s->pids_limit, 0u);
  EXPECT_EQ(s->block_read, 101u);
  EXPECT_EQ(s->block_write, 50u);
  EXPECT_EQ(*CgroupPids("/berth/c1", root_), (std::vector<pid_t>{7, 12}));
  EXPECT_TRUE(absl::IsNotFound(ReadCgroupStats("/berth/none", root_).status()));
}

TEST_F(CgroupStatsTest, V2) {
  Put("cgroup.controllers", "cpu memory pids io\n");
  Put("berth/c2/cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
  Put("berth/c2/memory.current", "5000\n");
  Put("berth/c2/memory.max", "max\n");
  Put("berth/c2/memory.stat", "file 300\ninactive_file 200\n");
  Put("berth/c2/pids.current", "2\n");
  Put("berth/c2/pids.max", "64\n");
  Put("berth/c2/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2\n");
  Put("berth/c2/cgroup.procs", "42\n");
  auto s = ReadCgroupStats("/berth/c2", root_);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cpu_total_ns, 1500000u);
  EXPECT_EQ(s->memory_usage, 4800u);
  EXPECT_GT(s->memory_limit, 0u);  // host memory
  EXPECT_EQ(s->pids_limit, 64u);
  EXPECT_EQ(s->block_read, 10u);
  EXPECT_EQ(s->block_write, 20u);
  EXPECT_EQ(*CgroupPids("/berth/c2", root_), std::vector<pid_t>{42});
}

TEST(TopTest, ParsesPsAndKeepsContainerPids) {
  auto top = ParsePsOutput(
      "UID   PID  PPID  C STIME TTY TIME CMD\n"
      "root    1     0  0 08:00 ?   00:00:01 /sbin/init\n"
      "root  700   690  0 08:01 ?   00:00:00 sleep 100 --x\n",
      {700});
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_EQ(top->titles_size(), 8);
  ASSERT_EQ(top->processes_size(), 1);
  EXPECT_EQ(top->processes(0).values(1), "700");
  EXPECT_EQ(top->processes(0).values(7), "sleep 100 --x");
  EXPECT_FALSE(ParsePsOutput("USER CMD\nroot x\n", {1}).ok());
}

TEST(TopTest, RunsPs) {
  auto top = RunTop({getpid()}, "-o pid,comm");
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_EQ(top->processes_size(), 1);
  EXPECT_EQ(top->processes(0).values(0), absl::StrCat(getpid()));
  EXPECT_TRUE(absl::IsInvalidArgument(RunTop({1}, "--no-such-option").status()));
}

TEST(SystemCpuTest, Positive) {
  EXPECT_GT(*SystemCpuUsageNanos(), 0u);
  EXPECT_GE(OnlineCpus(), 1u);
}

}  // namespace
}  // namespace engine::runtime
