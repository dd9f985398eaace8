#include "engine/runtime/log_reader.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

std::string Line(absl::string_view text, absl::string_view stream, int second) {
  return absl::StrCat("{\"log\":\"", text, "\\n\",\"stream\":\"", stream,
                      "\",\"time\":\"2026-11-28T08:00:", second < 10 ? "0" : "", second,
                      ".5Z\"}\n");
}

absl::Time At(int second) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 28, 8, 0, second), absl::UTCTimeZone()) +
         absl::Milliseconds(500);
}

class LogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/c-json.log";
  }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  std::vector<std::string> Read(const LogReadOptions& options) {
    std::vector<std::string> out;
    absl::Status s = ReadLogs(path_, options, [&](const LogLine& line) {
      out.push_back(absl::StrCat(line.is_stderr ? "E:" : "O:", line.data));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::string dir_, path_;
};

TEST(ParseLogLineTest, DecodesEscapesAndTime) {
  auto line = ParseLogLine(
      R"({"log":"a\"b\u003c\n","stream":"stderr","time":"2026-11-28T08:00:01.123456789Z"})");
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->data, "a\"b<\n");
  EXPECT_TRUE(line->is_stderr);
  EXPECT_EQ(absl::ToUnixNanos(line->time) % 1000000000, 123456789);
  EXPECT_FALSE(ParseLogLine("not json").ok());
  EXPECT_FALSE(ParseLogLine(R"({"stream":"stdout"})").ok());
}

TEST(ParseTailTest, AllAndNumbers) {
  EXPECT_EQ(*ParseTail("all"), -1);
  EXPECT_EQ(*ParseTail(""), -1);
  EXPECT_EQ(*ParseTail("3"), 3);
  EXPECT_FALSE(ParseTail("-2").ok());
  EXPECT_FALSE(ParseTail("x").ok());
}

TEST_F(LogReaderTest, MissingFileIsEmpty) { EXPECT_TRUE(Read({}).empty()); }

TEST_F(LogReaderTest, ReadsRotatedFilesOldestFirstAndFilters) {
  ASSERT_TRUE(base::WriteFileAtomic(path_ + ".2", Line("one", "stdout", 1)).ok());
  ASSERT_TRUE(base::WriteFileAtomic(path_ + ".1", Line("two", "stderr", 2) + "garbage\n").ok());
  ASSERT_TRUE(
      base::WriteFileAtomic(path_, Line("three", "stdout", 3) + Line("four", "stdout", 4)).ok());
  EXPECT_EQ(Read({}), (std::vector<std::string>{"O:one\n", "E:two\n", "O:three\n", "O:four\n"}));

  LogReadOptions only_err;
  only_err.want_stdout = false;
  EXPECT_EQ(Read(only_err), std::vector<std::string>{"E:two\n"});

  LogReadOptions tail;
  tail.tail = 2;
  EXPECT_EQ(Read(tail), (std::vector<std::string>{"O:three\n", "O:four\n"}));
  tail.tail = 0;
  EXPECT_TRUE(Read(tail).empty());
  tail.tail = 10;
  EXPECT_EQ(Read(tail).size(), 4u);

  LogReadOptions window;
  window.since = At(2);
  window.until = At(3);
  EXPECT_EQ(Read(window), (std::vector<std::string>{"E:two\n", "O:three\n"}));

  // tail applies after since/until, as in Docker.
  window.tail = 1;
  EXPECT_EQ(Read(window), std::vector<std::string>{"O:three\n"});
}

TEST_F(LogReaderTest, FollowSeesAppendsAndRotationUntilStopped) {
  ASSERT_TRUE(base::WriteFileAtomic(path_, Line("a", "stdout", 1)).ok());
  std::atomic<bool> stopped{false};
  std::vector<std::string> got;
  LogReadOptions options;
  options.follow = true;
  std::thread writer([&] {
    usleep(100 * 1000);
    FILE* f = fopen(path_.c_str(), "a");
    fputs(Line("b", "stdout", 2).c_str(), f);
    fclose(f);
    usleep(300 * 1000);
    // Rotate: the live file becomes .1, a new one starts.
    rename(path_.c_str(), (path_ + ".1").c_str());
    f = fopen(path_.c_str(), "w");
    fputs(Line("c", "stderr", 3).c_str(), f);
    fclose(f);
    usleep(300 * 1000);
    f = fopen(path_.c_str(), "a");
    fputs(Line("d", "stdout", 4).c_str(), f);
    fclose(f);
    stopped = true;
  });
  absl::Status s = ReadLogs(
      path_, options,
      [&](const LogLine& line) {
        got.push_back(line.data);
        return true;
      },
      [&] { return stopped.load(); });
  writer.join();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(got, (std::vector<std::string>{"a\n", "b\n", "c\n", "d\n"}));
}

TEST_F(LogReaderTest, SinkStopsFollow) {
  ASSERT_TRUE(base::WriteFileAtomic(path_, Line("a", "stdout", 1) + Line("b", "stdout", 2)).ok());
  LogReadOptions options;
  options.follow = true;
  int n = 0;
  ASSERT_TRUE(ReadLogs(path_, options, [&](const LogLine&) { return ++n < 1; }).ok());
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace engine::runtime
