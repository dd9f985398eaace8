#include "gateway/streams/stdcopy.h"

#include <string>

#include "gtest/gtest.h"

namespace gateway {
namespace {

TEST(StdcopyTest, StdoutFrameMatchesDockersBytes) {
  std::string out;
  AppendStdcopyFrame(StdType::kStdout, "hi\n", &out);
  EXPECT_EQ(out, std::string("\x01\x00\x00\x00\x00\x00\x00\x03hi\n", 11));
}

TEST(StdcopyTest, StderrFrameAndBigEndianSize) {
  std::string payload(0x010203, 'x');
  std::string out;
  AppendStdcopyFrame(StdType::kStderr, payload, &out);
  ASSERT_EQ(out.size(), 8 + payload.size());
  EXPECT_EQ(out.substr(0, 8), std::string("\x02\x00\x00\x00\x00\x01\x02\x03", 8));
}

TEST(StdcopyTest, EmptyPayloadAppendsNothing) {
  std::string out = "keep";
  AppendStdcopyFrame(StdType::kStdout, "", &out);
  EXPECT_EQ(out, "keep");
}

TEST(StdcopyTest, StdTypeFollowsTheEngineStream) {
  EXPECT_EQ(StdTypeFor(berth::v1::STD_STREAM_STDOUT), StdType::kStdout);
  EXPECT_EQ(StdTypeFor(berth::v1::STD_STREAM_STDERR), StdType::kStderr);
  EXPECT_EQ(StdTypeFor(berth::v1::STD_STREAM_UNSPECIFIED), StdType::kStdout);
}

TEST(StdcopyTest, TtyOutputIsRaw) {
  EXPECT_EQ(EncodeOutput(true, berth::v1::STD_STREAM_STDERR, "a\r\n"), "a\r\n");
  EXPECT_EQ(EncodeOutput(false, berth::v1::STD_STREAM_STDERR, "e"),
            std::string("\x02\x00\x00\x00\x00\x00\x00\x01" "e", 9));
}

TEST(StdcopyTest, DecoderReassemblesFramesFedInPieces) {
  std::string stream = EncodeOutput(false, berth::v1::STD_STREAM_STDOUT, "out\n") +
                       EncodeOutput(false, berth::v1::STD_STREAM_STDERR, "err\n");
  StdcopyDecoder decoder;
  StdType type;
  std::string payload;
  for (char c : stream.substr(0, 10)) {
    decoder.Feed(std::string(1, c));
  }
  ASSERT_FALSE(decoder.Next(&type, &payload));
  decoder.Feed(stream.substr(10));
  ASSERT_TRUE(decoder.Next(&type, &payload));
  EXPECT_EQ(type, StdType::kStdout);
  EXPECT_EQ(payload, "out\n");
  ASSERT_TRUE(decoder.Next(&type, &payload));
  EXPECT_EQ(type, StdType::kStderr);
  EXPECT_EQ(payload, "err\n");
  EXPECT_FALSE(decoder.Next(&type, &payload));
  EXPECT_EQ(decoder.pending(), 0u);
}

}  // namespace
}  // namespace gateway
