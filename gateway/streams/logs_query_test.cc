#include "gateway/streams/logs_query.h"

#include "gtest/gtest.h"

namespace gateway {
namespace {

Request WithQuery(const std::string& target) {
  Request r;
  r.method = "GET";
  EXPECT_TRUE(ParseTarget(target, &r).ok()) << target;
  return r;
}

TEST(ParseUnixTimestampTest, SecondsAndFractions) {
  auto ts = ParseUnixTimestamp("1700000000.000000000");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->seconds(), 1700000000);
  EXPECT_EQ(ts->nanos(), 0);
  ts = ParseUnixTimestamp("1700000000.5");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->nanos(), 500000000);
  ts = ParseUnixTimestamp("12");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->seconds(), 12);
  ts = ParseUnixTimestamp("1.123456789123");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->nanos(), 123456789);
}

TEST(ParseUnixTimestampTest, RejectsOtherForms) {
  EXPECT_FALSE(ParseUnixTimestamp("").ok());
  EXPECT_FALSE(ParseUnixTimestamp("10m").ok());
  EXPECT_FALSE(ParseUnixTimestamp("2024-01-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseUnixTimestamp("1.").ok());
}

TEST(ParseLogsQueryTest, CliQuery) {
  auto logs = ParseLogsQuery(
      WithQuery("/v1.50/containers/x/logs?follow=1&stderr=1&stdout=1&tail=all"
                "&timestamps=1&since=1700000000.000000000"),
      "abc");
  ASSERT_TRUE(logs.ok()) << logs.status();
  EXPECT_EQ(logs->id(), "abc");
  EXPECT_TRUE(logs->stdout());
  EXPECT_TRUE(logs->stderr());
  EXPECT_TRUE(logs->follow());
  EXPECT_TRUE(logs->timestamps());
  EXPECT_EQ(logs->tail(), "all");
  EXPECT_EQ(logs->since().seconds(), 1700000000);
  EXPECT_FALSE(logs->has_until());
}

TEST(ParseLogsQueryTest, DockerPyBooleansAndTail) {
  auto logs = ParseLogsQuery(
      WithQuery("/containers/x/logs?stderr=0&stdout=1&timestamps=0&follow=0&tail=2"), "x");
  ASSERT_TRUE(logs.ok());
  EXPECT_TRUE(logs->stdout());
  EXPECT_FALSE(logs->stderr());
  EXPECT_FALSE(logs->follow());
  EXPECT_EQ(logs->tail(), "2");
  logs = ParseLogsQuery(WithQuery("/containers/x/logs?stdout=1&tail=-1"), "x");
  ASSERT_TRUE(logs.ok());
  EXPECT_EQ(logs->tail(), "all");
  logs = ParseLogsQuery(WithQuery("/containers/x/logs?stdout=1&since=0"), "x");
  ASSERT_TRUE(logs.ok());
  EXPECT_FALSE(logs->has_since());
}

TEST(ParseLogsQueryTest, NoStreamIsBadParameters) {
  auto logs = ParseLogsQuery(WithQuery("/containers/x/logs?stdout=0&stderr=False"), "x");
  ASSERT_FALSE(logs.ok());
  EXPECT_EQ(logs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logs.status().message(), "Bad parameters: you must choose at least one stream");
}

TEST(ParseLogsQueryTest, MalformedSince) {
  auto logs = ParseLogsQuery(WithQuery("/containers/x/logs?stdout=1&since=yesterday"), "x");
  EXPECT_EQ(logs.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FormatLogRecordTest, FixedNineDigitTimestamps) {
  berth::v1::LogEntry e;
  e.set_data("out1\n");
  e.mutable_time()->set_seconds(1764311921);
  e.mutable_time()->set_nanos(330444812);
  EXPECT_EQ(FormatLogRecord(e, false), "out1\n");
  EXPECT_EQ(FormatLogRecord(e, true), "2025-11-28T06:38:41.330444812Z out1\n");
  e.mutable_time()->set_nanos(500000000);
  EXPECT_EQ(FormatLogRecord(e, true), "2025-11-28T06:38:41.500000000Z out1\n");
}

TEST(StreamContentTypeTest, ByTtyAndVersion) {
  EXPECT_EQ(StreamContentType(false, ApiVersion{1, 50}),
            "application/vnd.docker.multiplexed-stream");
  EXPECT_EQ(StreamContentType(true, ApiVersion{1, 50}), "application/vnd.docker.raw-stream");
  EXPECT_EQ(StreamContentType(false, ApiVersion{1, 41}), "application/vnd.docker.raw-stream");
}

}  // namespace
}  // namespace gateway
