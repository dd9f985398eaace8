#include "shim/io.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "engine/base/file_util.h"
#include "engine/base/unique_fd.h"
#include "gtest/gtest.h"
#include "shim/connection.h"
#include "shim/event_loop.h"
#include "shim/frame.h"
#include "shim/json_logger.h"

namespace shim {
namespace {

// Runs `script` with the io's child ends as its stdio.
pid_t Spawn(ProcessIo* io, const char* script) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = io->child_stdin() >= 0 ? io->child_stdin() : ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(io->child_stdout(), 1);
    ::dup2(io->child_stderr(), 2);
    ::execl("/bin/sh", "sh", "-c", script, nullptr);
    _exit(127);
  }
  return pid;
}

struct Client {
  base::UniqueFd mine;
  std::shared_ptr<Connection> conn;
};

Client Connect(EventLoop* loop) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), 0);
  Client c;
  c.mine.reset(fds[0]);
  int flags = ::fcntl(fds[0], F_GETFL);
  ::fcntl(fds[0], F_SETFL, flags & ~O_NONBLOCK);
  c.conn = Connection::Create(loop, base::UniqueFd(fds[1]));
  return c;
}

// Reads stream frames until kEnd; returns stdout and stderr bytes.
void ReadAll(int fd, std::string* out, std::string* err, bool* ended) {
  *ended = false;
  for (;;) {
    absl::StatusOr<StreamFrame> f = ReadStreamFrame(fd);
    if (!f.ok()) return;
    if (f->kind == StreamKind::kStdout) out->append(f->payload);
    if (f->kind == StreamKind::kStderr) err->append(f->payload);
    if (f->kind == StreamKind::kEnd) {
      *ended = true;
      return;
    }
  }
}

class ProcessIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    loop_ = std::move(*EventLoop::Create());
  }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  void RunUntilDone(ProcessIo* io) {
    io->SetOnOutputDone([this] { loop_->Stop(); });
    loop_->RunAfter(absl::Seconds(10), [this] { loop_->Stop(); });
    ASSERT_TRUE(loop_->Run().ok());
    // Let the attach streams flush their last frames.
    loop_->RunAfter(absl::Milliseconds(50), [this] { loop_->Stop(); });
    ASSERT_TRUE(loop_->Run().ok());
  }

  std::string dir_;
  std::unique_ptr<EventLoop> loop_;
};

TEST_F(ProcessIoTest, FansOutputToAttachersAndTheLog) {
  auto logger = JsonLogger::Open(dir_ + "/log", -1, 1);
  ASSERT_TRUE(logger.ok());
  auto io = ProcessIo::Create(loop_.get(), false, logger->get());
  ASSERT_TRUE(io.ok());
  EXPECT_EQ((*io)->child_stdin(), -1);
  Client both = Connect(loop_.get());
  Client only_err = Connect(loop_.get());
  (*io)->Attach(both.conn, false, true, true, "");
  (*io)->Attach(only_err.conn, false, false, true, "");
  pid_t pid = Spawn(io->get(), "echo hi; echo oops >&2; printf tail");
  ASSERT_TRUE((*io)->Begin(base::UniqueFd()).ok());
  RunUntilDone(io->get());
  EXPECT_TRUE((*io)->output_done());
  std::string out, err;
  bool ended;
  ReadAll(both.mine.get(), &out, &err, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(out, "hi\ntail");
  EXPECT_EQ(err, "oops\n");
  out.clear();
  err.clear();
  ReadAll(only_err.mine.get(), &out, &err, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "oops\n");
  // The shim closed both streams after kEnd.
  char c;
  EXPECT_EQ(::read(both.mine.get(), &c, 1), 0);
  absl::StatusOr<std::string> log = base::ReadFile(dir_ + "/log");
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\""), std::string::npos);
  EXPECT_NE(log->find("{\"log\":\"oops\\n\",\"stream\":\"stderr\""), std::string::npos);
  EXPECT_NE(log->find("{\"log\":\"tail\",\"stream\":\"stdout\""), std::string::npos);
  int st;
  ::waitpid(pid, &st, 0);
}

TEST_F(ProcessIoTest, StdinFromTheAttacherAndClose) {
  auto io = ProcessIo::Create(loop_.get(), true, nullptr);
  ASSERT_TRUE(io.ok());
  ASSERT_GE((*io)->child_stdin(), 0);
  Client c = Connect(loop_.get());
  // Frames sent together with the request arrive as `leftover`.
  std::string early = EncodeStreamFrame(StreamKind::kStdin, "early\n");
  (*io)->Attach(c.conn, true, true, true, early);
  pid_t pid = Spawn(io->get(), "cat; echo done");
  ASSERT_TRUE((*io)->Begin(base::UniqueFd()).ok());
  std::string input;
  for (int i = 0; i < 2000; ++i) input += "line " + std::to_string(i) + "\n";
  ASSERT_TRUE(WriteStreamFrame(c.mine.get(), StreamKind::kStdin, input).ok());
  ASSERT_TRUE(WriteStreamFrame(c.mine.get(), StreamKind::kCloseStdin, "").ok());
  std::string out, err;
  bool ended = false;
  // Read on a thread-free path: the loop runs until output is done, the
  // socket buffer holds it (small enough).
  RunUntilDone(io->get());
  ReadAll(c.mine.get(), &out, &err, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(out, "early\n" + input + "done\n");
  int st;
  ::waitpid(pid, &st, 0);
}

TEST_F(ProcessIoTest, NoStdinMeansDevNullAndNoInput) {
  auto io = ProcessIo::Create(loop_.get(), false, nullptr);
  ASSERT_TRUE(io.ok());
  Client c = Connect(loop_.get());
  (*io)->Attach(c.conn, true, true, false, EncodeStreamFrame(StreamKind::kStdin, "ignored\n"));
  pid_t pid = Spawn(io->get(), "cat; echo eof");
  ASSERT_TRUE((*io)->Begin(base::UniqueFd()).ok());
  RunUntilDone(io->get());
  std::string out, err;
  bool ended;
  ReadAll(c.mine.get(), &out, &err, &ended);
  EXPECT_EQ(out, "eof\n");
  int st;
  ::waitpid(pid, &st, 0);
}

TEST_F(ProcessIoTest, AttachAfterTheEndGetsEndAtOnce) {
  auto io = ProcessIo::Create(loop_.get(), false, nullptr);
  ASSERT_TRUE(io.ok());
  pid_t pid = Spawn(io->get(), "true");
  ASSERT_TRUE((*io)->Begin(base::UniqueFd()).ok());
  RunUntilDone(io->get());
  Client c = Connect(loop_.get());
  (*io)->Attach(c.conn, false, true, true, "");
  loop_->RunAfter(absl::Milliseconds(20), [this] { loop_->Stop(); });
  ASSERT_TRUE(loop_->Run().ok());
  std::string out, err;
  bool ended;
  ReadAll(c.mine.get(), &out, &err, &ended);
  EXPECT_TRUE(ended);
  int st;
  ::waitpid(pid, &st, 0);
}

TEST_F(ProcessIoTest, DetachedClientDoesNotStopTheProcess) {
  auto io = ProcessIo::Create(loop_.get(), false, nullptr);
  ASSERT_TRUE(io.ok());
  Client c = Connect(loop_.get());
  (*io)->Attach(c.conn, false, true, true, "");
  c.mine.reset();  // the client leaves at once
  pid_t pid = Spawn(io->get(), "i=0; while [ $i -lt 3000 ]; do echo $i; i=$((i+1)); done");
  ASSERT_TRUE((*io)->Begin(base::UniqueFd()).ok());
  RunUntilDone(io->get());
  EXPECT_TRUE((*io)->output_done());
  EXPECT_EQ((*io)->attacher_count(), 0u);
  int st;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st));
}

TEST_F(ProcessIoTest, ResizeNeedsATerminal) {
  auto io = ProcessIo::Create(loop_.get(), false, nullptr);
  ASSERT_TRUE(io.ok());
  EXPECT_EQ((*io)->Resize(24, 80).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace shim
