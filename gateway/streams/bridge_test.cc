#include "gateway/streams/bridge.h"

#include <deque>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gateway/streams/stdcopy.h"
#include "gtest/gtest.h"

namespace gateway {
namespace {

// A client connection: Read serves `input` (then EOF, or blocks while
// `hold_open`) until Close().
class FakeConnection : public RawConnection {
 public:
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](FakeConnection* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) {
          return c->closed_ || !c->input_.empty() || !c->hold_open_ || c->read_error_;
        },
        this));
    if (closed_) return absl::CancelledError("closed");
    if (read_error_) return absl::UnavailableError("reset");
    if (input_.empty()) return 0;
    std::string chunk = input_.front();
    input_.pop_front();
    size_t n = std::min(size, chunk.size());
    chunk.copy(buffer, n);
    return n;
  }
  absl::Status Write(absl::string_view data) override {
    absl::MutexLock lock(&mu_);
    if (fail_writes_) return absl::UnavailableError("broken pipe");
    written_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  void CloseWrite() override {
    absl::MutexLock lock(&mu_);
    write_closed_ = true;
  }
  void Close() override {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  void AddInput(std::string s) {
    absl::MutexLock lock(&mu_);
    input_.push_back(std::move(s));
  }
  void set_hold_open(bool v) {
    absl::MutexLock lock(&mu_);
    hold_open_ = v;
  }
  void set_fail_writes(bool v) {
    absl::MutexLock lock(&mu_);
    fail_writes_ = v;
  }
  void set_read_error() {
    absl::MutexLock lock(&mu_);
    read_error_ = true;
  }
  std::string written() {
    absl::MutexLock lock(&mu_);
    return written_;
  }
  bool write_closed() {
    absl::MutexLock lock(&mu_);
    return write_closed_;
  }

 private:
  absl::Mutex mu_;
  std::deque<std::string> input_ ABSL_GUARDED_BY(mu_);
  bool hold_open_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_writes_ ABSL_GUARDED_BY(mu_) = false;
  bool read_error_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool write_closed_ ABSL_GUARDED_BY(mu_) = false;
  std::string written_ ABSL_GUARDED_BY(mu_);
};

// An engine session: Read serves queued outputs; with `end_on_close_stdin`
// the output ends when stdin is closed (as `cat` does), and with
// `end_after_outputs` when the queue runs dry.
class FakeSession : public SessionPort {
 public:
  bool Read(berth::v1::AttachOutput* out) override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](FakeSession* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
          return s->cancelled_ || s->ended_ || !s->outputs_.empty();
        },
        this));
    if (cancelled_) return false;
    if (!outputs_.empty()) {
      *out = outputs_.front();
      outputs_.pop_front();
      if (outputs_.empty() && end_after_outputs_) ended_ = true;
      return true;
    }
    return false;
  }
  absl::Status WriteStdin(absl::string_view data) override {
    absl::MutexLock lock(&mu_);
    stdin_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status CloseStdin() override {
    absl::MutexLock lock(&mu_);
    stdin_closed_ = true;
    if (echo_stdin_) Push(berth::v1::STD_STREAM_STDOUT, stdin_);
    ended_ = true;
    return absl::OkStatus();
  }
  void Cancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  absl::Status Finish() override {
    absl::MutexLock lock(&mu_);
    return cancelled_ ? absl::CancelledError("cancelled") : finish_;
  }

  void Output(berth::v1::StdStream stream, std::string data) {
    absl::MutexLock lock(&mu_);
    Push(stream, std::move(data));
  }
  void Detach() {
    absl::MutexLock lock(&mu_);
    berth::v1::AttachOutput out;
    out.set_detached(true);
    outputs_.push_back(out);
  }
  void set_end_after_outputs() {
    absl::MutexLock lock(&mu_);
    end_after_outputs_ = true;
  }
  void set_echo_stdin() {
    absl::MutexLock lock(&mu_);
    echo_stdin_ = true;
  }
  void set_finish(absl::Status s) {
    absl::MutexLock lock(&mu_);
    finish_ = s;
    ended_ = true;
  }
  bool cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  bool stdin_closed() {
    absl::MutexLock lock(&mu_);
    return stdin_closed_;
  }

 private:
  void Push(berth::v1::StdStream stream, std::string data) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    berth::v1::AttachOutput out;
    out.set_stream(stream);
    out.set_data(std::move(data));
    outputs_.push_back(out);
  }

  absl::Mutex mu_;
  std::deque<berth::v1::AttachOutput> outputs_ ABSL_GUARDED_BY(mu_);
  std::string stdin_ ABSL_GUARDED_BY(mu_);
  bool stdin_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool echo_stdin_ ABSL_GUARDED_BY(mu_) = false;
  bool end_after_outputs_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status finish_ ABSL_GUARDED_BY(mu_);
};

std::string Frame(StdType type, absl::string_view data) {
  std::string out;
  AppendStdcopyFrame(type, data, &out);
  return out;
}

TEST(BridgeTest, FramesOutputAndHalfClosesAtTheEnd) {
  FakeConnection conn;  // no stdin: the client half-closes at once
  FakeSession session;
  session.Output(berth::v1::STD_STREAM_STDOUT, "out\n");
  session.Output(berth::v1::STD_STREAM_STDERR, "err\n");
  session.set_end_after_outputs();
  BridgeResult r = RunBridge(&conn, &session, BridgeOptions{});
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.wrote_output);
  EXPECT_FALSE(r.client_gone);
  EXPECT_FALSE(session.stdin_closed());  // EOF without stdin means nothing
  EXPECT_EQ(conn.written(), Frame(StdType::kStdout, "out\n") + Frame(StdType::kStderr, "err\n"));
  EXPECT_TRUE(conn.write_closed());
}

TEST(BridgeTest, TtyOutputIsRaw) {
  FakeConnection conn;
  FakeSession session;
  session.Output(berth::v1::STD_STREAM_STDOUT, "# ");
  session.set_end_after_outputs();
  BridgeOptions o;
  o.tty = true;
  RunBridge(&conn, &session, o);
  EXPECT_EQ(conn.written(), "# ");
}

TEST(BridgeTest, StdinEofClosesTheProcessStdinAndOutputContinues) {
  FakeConnection conn;
  conn.AddInput("hi\n");
  FakeSession session;
  session.set_echo_stdin();  // `cat`: prints its input once stdin closes
  BridgeOptions o;
  o.stdin = true;
  BridgeResult r = RunBridge(&conn, &session, o);
  EXPECT_TRUE(session.stdin_closed());
  EXPECT_FALSE(session.cancelled());
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(conn.written(), Frame(StdType::kStdout, "hi\n"));
}

TEST(BridgeTest, StdinEofCanEndTheSession) {
  FakeConnection conn;  // a TTY client that closed (e.g. detached client-side)
  FakeSession session;
  BridgeOptions o;
  o.stdin = true;
  o.tty = true;
  o.on_input_eof = InputEof::kEndSession;
  BridgeResult r = RunBridge(&conn, &session, o);
  EXPECT_TRUE(session.cancelled());
  EXPECT_FALSE(session.stdin_closed());
  EXPECT_EQ(r.status.code(), absl::StatusCode::kCancelled);
}

TEST(BridgeTest, WriteFailureCancelsTheSession) {
  FakeConnection conn;
  conn.set_hold_open(true);
  conn.set_fail_writes(true);
  FakeSession session;
  session.Output(berth::v1::STD_STREAM_STDOUT, "tick\n");
  BridgeResult r = RunBridge(&conn, &session, BridgeOptions{});
  EXPECT_TRUE(r.client_gone);
  EXPECT_TRUE(session.cancelled());
  EXPECT_FALSE(conn.write_closed());
}

TEST(BridgeTest, ReadErrorCancelsTheSession) {
  FakeConnection conn;
  conn.set_hold_open(true);
  FakeSession session;
  std::thread reset([&conn] { conn.set_read_error(); });
  BridgeResult r = RunBridge(&conn, &session, BridgeOptions{});
  reset.join();
  EXPECT_TRUE(r.client_gone);
  EXPECT_TRUE(session.cancelled());
}

TEST(BridgeTest, DetachEndsTheSessionWithoutError) {
  FakeConnection conn;
  conn.set_hold_open(true);  // the client keeps its stdin open
  FakeSession session;
  session.Output(berth::v1::STD_STREAM_STDOUT, "x");
  session.Detach();
  BridgeOptions o;
  o.stdin = true;
  BridgeResult r = RunBridge(&conn, &session, o);
  EXPECT_TRUE(r.detached);
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(conn.write_closed());
}

TEST(BridgeTest, EpilogueIsSentLastWithTheFinalStatus) {
  FakeConnection conn;
  FakeSession session;
  session.set_finish(absl::InvalidArgumentError("exec: \"nosuchcmd\": not found"));
  BridgeOptions o;
  absl::Status seen;
  o.epilogue = [&seen](const absl::Status& s, bool wrote) {
    seen = s;
    EXPECT_FALSE(wrote);
    return Frame(StdType::kStdout, std::string(s.message()) + "\r\n");
  };
  BridgeResult r = RunBridge(&conn, &session, o);
  EXPECT_EQ(seen.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(conn.written(), Frame(StdType::kStdout, "exec: \"nosuchcmd\": not found\r\n"));
  EXPECT_TRUE(conn.write_closed());
}

}  // namespace
}  // namespace gateway
