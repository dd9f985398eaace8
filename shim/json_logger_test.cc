#include "shim/json_logger.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace shim {
namespace {

const absl::Time kT = absl::FromUnixNanos(1795852800123456789);

std::string Escape(absl::string_view s) {
  std::string out;
  AppendJsonLogString(&out, s);
  return out;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/berth-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { (void)base::RemoveAll(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> Lines(const std::string& path) {
  absl::StatusOr<std::string> data = base::ReadFile(path);
  if (!data.ok()) return {};
  std::vector<std::string> out = absl::StrSplit(*data, '\n', absl::SkipEmpty());
  return out;
}

std::string LogField(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  EXPECT_FALSE(d.HasParseError()) << line;
  return std::string(d["log"].GetString(), d["log"].GetStringLength());
}

TEST(JsonLoggerTest, EscapesLikeDocker) {
  EXPECT_EQ(Escape("hi\n"), R"("hi\n")");
  EXPECT_EQ(Escape("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Escape("\r\t\x01\x1f"), R"("\r\u0009\u0001\u001f")");
  EXPECT_EQ(Escape("<a&b>"), R"("\u003ca\u0026b\u003e")");
  EXPECT_EQ(Escape(std::string("nul\0x", 5)), R"("nul\u0000x")");
  EXPECT_EQ(Escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"");
  EXPECT_EQ(Escape("bad\xff\xc3"), R"("bad\ufffd\ufffd")");
  EXPECT_EQ(Escape("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a surrogate
  EXPECT_EQ(Escape("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
  EXPECT_EQ(Escape("x\xe2\x80\xa8y\xe2\x80\xa9"), R"("x\u2028y\u2029")");
  EXPECT_EQ(Escape("\x7f"), "\"\x7f\"");
}

TEST(JsonLoggerTest, FormatsAnEntry) {
  EXPECT_EQ(FormatLogEntry("hi\n", LogStream::kStdout, kT),
            "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T08:00:00.123456789Z\"}\n");
  EXPECT_EQ(FormatLogEntry("e", LogStream::kStderr, absl::FromUnixSeconds(1795852800)),
            "{\"log\":\"e\",\"stream\":\"stderr\",\"time\":\"2026-11-28T08:00:00Z\"}\n");
}

TEST(JsonLoggerTest, SplitsAtNewlinesAndJoinsPartialLines) {
  TempDir dir;
  std::string path = dir.path() + "/c-json.log";
  auto logger = JsonLogger::Open(path, -1, 1);
  ASSERT_TRUE(logger.ok()) << logger.status();
  JsonLogger& l = **logger;
  ASSERT_TRUE(l.Write(LogStream::kStdout, "one\ntwo\nthr", kT).ok());
  ASSERT_TRUE(l.Write(LogStream::kStderr, "err ", kT).ok());
  ASSERT_TRUE(l.Write(LogStream::kStdout, "ee\n", kT).ok());
  ASSERT_TRUE(l.Write(LogStream::kStdout, "tail", kT).ok());
  ASSERT_TRUE(l.Flush(LogStream::kStdout, kT).ok());
  ASSERT_TRUE(l.Flush(LogStream::kStderr, kT).ok());
  ASSERT_TRUE(l.Flush(LogStream::kStderr, kT).ok());  // nothing left: no line
  std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(LogField(lines[0]), "one\n");
  EXPECT_EQ(LogField(lines[1]), "two\n");
  EXPECT_EQ(LogField(lines[2]), "three\n");
  EXPECT_EQ(LogField(lines[3]), "tail");
  EXPECT_EQ(lines[4],
            "{\"log\":\"err \",\"stream\":\"stderr\",\"time\":\"2026-11-28T08:00:00.123456789Z\"}");
}

TEST(JsonLoggerTest, LongLinesAreSplitAtTheBufferSize) {
  TempDir dir;
  std::string path = dir.path() + "/c-json.log";
  auto logger = JsonLogger::Open(path, -1, 1);
  ASSERT_TRUE(logger.ok());
  std::string big(kMaxLineBuffer * 2 + 10, 'a');
  ASSERT_TRUE((*logger)->Write(LogStream::kStdout, big.substr(0, 100), kT).ok());
  ASSERT_TRUE((*logger)->Write(LogStream::kStdout, big.substr(100) + "\n", kT).ok());
  std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(LogField(lines[0]).size(), kMaxLineBuffer);
  EXPECT_EQ(LogField(lines[1]).size(), kMaxLineBuffer);
  EXPECT_EQ(LogField(lines[2]), std::string(10, 'a') + "\n");
}

TEST(JsonLoggerTest, RotatesLikeDocker) {
  TempDir dir;
  std::string path = dir.path() + "/c-json.log";
  // Each entry for "N\n" with this time is 78 bytes; rotate at 100 bytes, so
  // every file holds two entries, and keep 3 files.
  auto logger = JsonLogger::Open(path, 100, 3);
  ASSERT_TRUE(logger.ok());
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE((*logger)->Write(LogStream::kStdout, std::to_string(i) + "\n", kT).ok());
  }
  // 0 1 | 2 3 | 4 5 | 6: the first file was dropped.
  auto fields = [](const std::string& p) {
    std::vector<std::string> out;
    for (const std::string& line : Lines(p)) out.push_back(LogField(line));
    return out;
  };
  EXPECT_EQ(fields(path), (std::vector<std::string>{"6\n"}));
  EXPECT_EQ(fields(path + ".1"), (std::vector<std::string>{"4\n", "5\n"}));
  EXPECT_EQ(fields(path + ".2"), (std::vector<std::string>{"2\n", "3\n"}));
  EXPECT_FALSE(base::PathExists(path + ".3"));
}

TEST(JsonLoggerTest, OneFileTruncates) {
  TempDir dir;
  std::string path = dir.path() + "/c-json.log";
  auto logger = JsonLogger::Open(path, 10, 1);
  ASSERT_TRUE(logger.ok());
  ASSERT_TRUE((*logger)->Write(LogStream::kStdout, "a\nb\n", kT).ok());
  std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(LogField(lines[0]), "b\n");
  EXPECT_FALSE(base::PathExists(path + ".1"));
}

TEST(JsonLoggerTest, AppendsAndCountsAnExistingFile) {
  TempDir dir;
  std::string path = dir.path() + "/c-json.log";
  ASSERT_TRUE(base::WriteFileAtomic(path, std::string(200, 'x') + "\n").ok());
  auto logger = JsonLogger::Open(path, 100, 2);
  ASSERT_TRUE(logger.ok());
  EXPECT_EQ((*logger)->current_size(), 201);
  ASSERT_TRUE((*logger)->Write(LogStream::kStdout, "new\n", kT).ok());
  EXPECT_EQ(Lines(path + ".1").size(), 1u);
  ASSERT_EQ(Lines(path).size(), 1u);
  EXPECT_EQ(LogField(Lines(path)[0]), "new\n");
}

}  // namespace
}  // namespace shim
