#include "engine/base/byte_source.h"

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace base {
namespace {

std::string Drain(ByteSource* src, absl::Status* status) {
  std::string out;
  char buf[7];
  for (;;) {
    auto n = src->Read(buf, sizeof buf);
    if (!n.ok()) {
      *status = n.status();
      return out;
    }
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

TEST(StringSourceTest, ReadsAll) {
  StringSource s("hello world");
  absl::Status st;
  EXPECT_EQ(Drain(&s, &st), "hello world");
  EXPECT_TRUE(st.ok());
}

TEST(BytePipeTest, CarriesBytesAcrossThreadsWithBackpressure) {
  BytePipe pipe(16);
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += std::to_string(i);
  std::thread writer([&] {
    for (size_t i = 0; i < expected.size(); i += 5) {
      ASSERT_TRUE(pipe.Write(absl::string_view(expected).substr(i, 5)).ok());
    }
    pipe.CloseWrite(absl::OkStatus());
  });
  absl::Status st;
  EXPECT_EQ(Drain(&pipe, &st), expected);
  EXPECT_TRUE(st.ok());
  writer.join();
}

TEST(BytePipeTest, WriterErrorReachesReader) {
  BytePipe pipe;
  ASSERT_TRUE(pipe.Write("abc").ok());
  pipe.CloseWrite(absl::DataLossError("connection reset"));
  absl::Status st;
  EXPECT_EQ(Drain(&pipe, &st), "abc");
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
}

TEST(BytePipeTest, ReaderCloseUnblocksWriter) {
  BytePipe pipe(4);
  std::thread reader([&] { pipe.CloseRead(absl::InvalidArgumentError("bad layer")); });
  absl::Status st = pipe.Write(std::string(100, 'x'));
  reader.join();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace base

namespace base {
namespace {

TEST(PrefixedSourceTest, YieldsPrefixThenInner) {
  StringSource inner("world");
  PrefixedSource s("hello ", &inner);
  absl::Status st;
  EXPECT_EQ(Drain(&s, &st), "hello world");
}

}  // namespace
}  // namespace base
