#include "shim/flags.h"

#include "gtest/gtest.h"

namespace shim {
namespace {

TEST(FlagsTest, ParsesTheAgreedCommandLine) {
  absl::StatusOr<Flags> f = ParseFlags(
      {"--id", "abc", "--bundle", "/run/b", "--state-dir", "/run/b", "--socket", "/run/b/shim.sock",
       "--log-path", "/var/c/abc-json.log", "--log-max-size", "1048576", "--log-max-file=3",
       "--ready-fd", "3"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->options.id, "abc");
  EXPECT_EQ(f->options.bundle, "/run/b");
  EXPECT_EQ(f->options.socket_path, "/run/b/shim.sock");
  EXPECT_EQ(f->options.log_path, "/var/c/abc-json.log");
  EXPECT_EQ(f->options.log_max_size, 1048576);
  EXPECT_EQ(f->options.log_max_file, 3);
  EXPECT_EQ(f->ready_fd, 3);
  EXPECT_FALSE(f->options.no_log);
  EXPECT_FALSE(f->options.open_stdin);
}

TEST(FlagsTest, NoLogAndStdin) {
  absl::StatusOr<Flags> f = ParseFlags({"--id=a", "--bundle=/b", "--state-dir=/b",
                                        "--socket=/b/s", "--no-log", "--stdin"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->options.no_log);
  EXPECT_TRUE(f->options.open_stdin);
  EXPECT_EQ(f->options.log_max_size, -1);
  EXPECT_EQ(f->options.log_max_file, 1);
  EXPECT_EQ(f->ready_fd, -1);
}

TEST(FlagsTest, Errors) {
  EXPECT_EQ(ParseFlags({"--bundle=/b", "--state-dir=/b", "--socket=/s", "--no-log"})
                .status()
                .message(),
            "missing --id");
  EXPECT_EQ(ParseFlags({"--id=a", "--bundle=/b", "--state-dir=/b", "--socket=/s"})
                .status()
                .message(),
            "missing --log-path (or --no-log)");
  EXPECT_EQ(ParseFlags({"--id"}).status().message(), "flag --id needs a value");
  EXPECT_EQ(ParseFlags({"--bogus=1"}).status().message(), "unknown flag --bogus");
  EXPECT_EQ(ParseFlags({"--log-max-file=0"}).status().message(), "bad --log-max-file \"0\"");
  EXPECT_EQ(ParseFlags({"--log-max-size=1k"}).status().message(), "bad --log-max-size \"1k\"");
  EXPECT_EQ(ParseFlags({"stray"}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FlagsTest, StdinAnnotation) {
  EXPECT_TRUE(SpecWantsStdin(R"({"annotations":{"berth.stdin":"true"}})"));
  EXPECT_FALSE(SpecWantsStdin(R"({"annotations":{"berth.stdin":"false"}})"));
  EXPECT_FALSE(SpecWantsStdin(R"({"process":{}})"));
  EXPECT_FALSE(SpecWantsStdin("not json"));
}

}  // namespace
}  // namespace shim
