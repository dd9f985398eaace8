#include "shim/frame.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "engine/base/unique_fd.h"
#include "gtest/gtest.h"

namespace shim {
namespace {

struct SocketPair {
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    a.reset(fds[0]);
    b.reset(fds[1]);
  }
  base::UniqueFd a, b;
};

TEST(FrameTest, EncodeIsBigEndianLengthThenBytes) {
  EXPECT_EQ(EncodeFrame("abc"), std::string("\0\0\0\3abc", 7));
  EXPECT_EQ(EncodeStreamFrame(StreamKind::kStderr, "hi"), std::string("\2\0\0\0\2hi", 7));
  EXPECT_EQ(EncodeStreamFrame(StreamKind::kEnd, ""), std::string("\3\0\0\0\0", 5));
  std::string big(300, 'x');
  EXPECT_EQ(EncodeFrame(big).substr(0, 4), std::string("\0\0\1\x2c", 4));
}

TEST(FrameTest, DecoderReassemblesByteByByte) {
  std::string wire = EncodeFrame("hello") + EncodeFrame("w");
  FrameDecoder d;
  std::vector<std::string> got;
  for (char c : wire) {
    d.Feed(std::string(1, c));
    std::string f;
    for (;;) {
      absl::StatusOr<bool> r = d.Next(&f);
      ASSERT_TRUE(r.ok());
      if (!*r) break;
      got.push_back(f);
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"hello", "w"}));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameTest, DecoderRejectsBadLengths) {
  FrameDecoder zero;
  zero.Feed(std::string("\0\0\0\0", 4));
  std::string f;
  EXPECT_EQ(zero.Next(&f).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(zero.Next(&f).status().code(), absl::StatusCode::kDataLoss);  // sticky

  FrameDecoder huge;
  huge.Feed(std::string("\0\x10\0\1", 4));  // 1 MiB + 1
  EXPECT_EQ(huge.Next(&f).status().code(), absl::StatusCode::kDataLoss);

  FrameDecoder max;
  max.Feed(std::string("\0\x10\0\0", 4));  // exactly 1 MiB: fine, needs more
  absl::StatusOr<bool> r = max.Next(&f);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(FrameTest, DecoderKeepsTrailingBytes) {
  FrameDecoder d;
  d.Feed(EncodeFrame("req") + EncodeStreamFrame(StreamKind::kStdin, "x"));
  std::string f;
  ASSERT_TRUE(*d.Next(&f));
  EXPECT_EQ(f, "req");
  std::string rest = d.TakeBuffered();
  EXPECT_EQ(rest, EncodeStreamFrame(StreamKind::kStdin, "x"));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameTest, StreamDecoder) {
  StreamFrameDecoder d;
  d.Feed(EncodeStreamFrame(StreamKind::kStdout, "out") + EncodeStreamFrame(StreamKind::kEnd, "") +
         std::string("\1\0", 2));
  StreamFrame f;
  ASSERT_TRUE(*d.Next(&f));
  EXPECT_EQ(f.kind, StreamKind::kStdout);
  EXPECT_EQ(f.payload, "out");
  ASSERT_TRUE(*d.Next(&f));
  EXPECT_EQ(f.kind, StreamKind::kEnd);
  EXPECT_EQ(f.payload, "");
  EXPECT_FALSE(*d.Next(&f));

  StreamFrameDecoder bad;
  bad.Feed(std::string("\x09\0\0\0\0", 5));
  EXPECT_EQ(bad.Next(&f).status().code(), absl::StatusCode::kDataLoss);
}

TEST(FrameTest, Resize) {
  std::string p = EncodeResize(24, 0x1234);
  EXPECT_EQ(p, std::string("\0\x18\x12\x34", 4));
  uint16_t rows = 0, cols = 0;
  ASSERT_TRUE(DecodeResize(p, &rows, &cols).ok());
  EXPECT_EQ(rows, 24);
  EXPECT_EQ(cols, 0x1234);
  EXPECT_EQ(DecodeResize("abc", &rows, &cols).code(), absl::StatusCode::kInvalidArgument);
}

TEST(FrameTest, BlockingRoundTrip) {
  SocketPair p;
  ASSERT_TRUE(WriteFrame(p.a.get(), "ping").ok());
  ASSERT_TRUE(WriteStreamFrame(p.a.get(), StreamKind::kStdout, "data").ok());
  absl::StatusOr<std::string> f = ReadFrame(p.b.get());
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(*f, "ping");
  absl::StatusOr<StreamFrame> s = ReadStreamFrame(p.b.get());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->kind, StreamKind::kStdout);
  EXPECT_EQ(s->payload, "data");
}

TEST(FrameTest, BlockingLargeFrame) {
  SocketPair p;
  std::string big(kMaxFrameSize, 'z');
  // The writer blocks until the reader drains: write from a child.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(WriteFrame(p.a.get(), big).ok() ? 0 : 1);
  absl::StatusOr<std::string> f = ReadFrame(p.b.get());
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(*f, big);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_EQ(st, 0);
}

TEST(FrameTest, WriteRejectsBadSizes) {
  SocketPair p;
  EXPECT_EQ(WriteFrame(p.a.get(), "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteFrame(p.a.get(), std::string(kMaxFrameSize + 1, 'x')).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FrameTest, EofAndShortReads) {
  {
    SocketPair p;
    p.a.reset();
    EXPECT_EQ(ReadFrame(p.b.get()).status().code(), absl::StatusCode::kUnavailable);
  }
  {
    SocketPair p;
    ASSERT_EQ(::write(p.a.get(), "\0\0\0\5ab", 6), 6);
    p.a.reset();
    EXPECT_EQ(ReadFrame(p.b.get()).status().code(), absl::StatusCode::kDataLoss);
  }
  {
    SocketPair p;
    ASSERT_EQ(::write(p.a.get(), "\0\0", 2), 2);
    p.a.reset();
    EXPECT_EQ(ReadFrame(p.b.get()).status().code(), absl::StatusCode::kDataLoss);
  }
  {
    SocketPair p;
    ASSERT_EQ(::write(p.a.get(), "\0\0\0\0", 4), 4);
    EXPECT_EQ(ReadFrame(p.b.get()).status().code(), absl::StatusCode::kDataLoss);
  }
}

TEST(FrameTest, WriteToClosedPeerIsUnavailable) {
  SocketPair p;
  p.b.reset();
  EXPECT_EQ(WriteFrame(p.a.get(), "x").code(), absl::StatusCode::kUnavailable);
}

TEST(FrameTest, WorksOnPipes) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  base::UniqueFd r(fds[0]), w(fds[1]);
  ASSERT_TRUE(WriteFrame(w.get(), "pipe").ok());
  EXPECT_EQ(*ReadFrame(r.get()), "pipe");
}

}  // namespace
}  // namespace shim
