#include "engine/base/log.h"

#include "gtest/gtest.h"

namespace base {
namespace {

TEST(LogTest, FormatsLogfmt) {
  std::string r = FormatLogRecord(LogLevel::kInfo, "pull complete",
                                  {{"ref", "docker.io/library/x:1"}, {"err", "a \"b\""}});
  EXPECT_NE(r.find(" level=info msg=\"pull complete\" ref=docker.io/library/x:1 err=\"a \\\"b\\\"\"\n"),
            std::string::npos) << r;
  EXPECT_EQ(r.rfind("time=\"", 0), 0u);
}

TEST(LogTest, ParsesDockerLevelNames) {
  LogLevel l;
  EXPECT_TRUE(ParseLogLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("fatal", &l));
  EXPECT_EQ(l, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud", &l));
}

}  // namespace
}  // namespace base
