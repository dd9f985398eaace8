// Shim against the fake runtime: the calls of shim.proto over the real
// socket, with the loop on its own thread and the test as berthd.

#include "shim/shim_state.h"

#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "engine/base/file_util.h"
#include "engine/base/unique_fd.h"
#include "gtest/gtest.h"
#include "proto/berth/shim/v1/shim.pb.h"
#include "shim/event_loop.h"
#include "shim/exit_file.h"
#include "shim/fake_runtime.h"
#include "shim/frame.h"

namespace shim {
namespace {

namespace pb = berth::shim::v1;

base::UniqueFd Dial(const std::string& path) {
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path;
  return fd;
}

class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    socket_ = dir_ + "/shim.sock";
  }

  // Writes config.json with `args` and starts the shim's loop.
  void StartShim(const std::string& args_json, bool open_stdin = false) {
    ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/config.json",
                                      "{\"process\":{\"args\":" + args_json + "}}")
                    .ok());
    loop_ = std::move(*EventLoop::Create());
    ShimOptions o;
    o.id = "c1";
    o.bundle = dir_;
    o.state_dir = dir_;
    o.socket_path = socket_;
    o.log_path = dir_ + "/c1-json.log";
    o.open_stdin = open_stdin;
    shim_ = std::make_unique<Shim>(loop_.get(), o, &FakeCreateInit);
    ASSERT_TRUE(shim_->Setup().ok());
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    stop_r_.reset(fds[0]);
    stop_w_.reset(fds[1]);
    ASSERT_TRUE(loop_->Add(stop_r_.get(), EPOLLIN, [this](uint32_t) { loop_->Stop(); }).ok());
    PollReap();
    thread_ = std::thread([this] { (void)loop_->Run(); });
  }

  // Stands in for SIGCHLD.
  void PollReap() {
    loop_->RunAfter(absl::Milliseconds(5), [this] {
      shim_->Reap();
      PollReap();
    });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      (void)!::write(stop_w_.get(), "x", 1);
      thread_.join();
    }
    if (shim_ && shim_->init_pid() > 0) ::kill(-shim_->init_pid(), SIGKILL);
    shim_.reset();
    (void)base::RemoveAll(dir_);
  }

  pb::Response Call(const pb::Request& req) {
    base::UniqueFd fd = Dial(socket_);
    EXPECT_TRUE(WriteFrame(fd.get(), req.SerializeAsString()).ok());
    absl::StatusOr<std::string> frame = ReadFrame(fd.get());
    pb::Response resp;
    EXPECT_TRUE(frame.ok()) << frame.status();
    if (frame.ok()) {
      EXPECT_TRUE(resp.ParseFromString(*frame));
    }
    return resp;
  }

  pb::Response Start(const std::string& exec_id = "") {
    pb::Request r;
    r.mutable_start()->set_exec_id(exec_id);
    return Call(r);
  }
  pb::Response Wait(const std::string& exec_id = "") {
    pb::Request r;
    r.mutable_wait()->set_exec_id(exec_id);
    return Call(r);
  }
  pb::Response State(const std::string& exec_id = "") {
    pb::Request r;
    r.mutable_state()->set_exec_id(exec_id);
    return Call(r);
  }
  pb::Response Kill(int sig, bool all = false, const std::string& exec_id = "") {
    pb::Request r;
    r.mutable_kill()->set_signal(sig);
    r.mutable_kill()->set_all(all);
    r.mutable_kill()->set_exec_id(exec_id);
    return Call(r);
  }
  pb::Response Delete() {
    pb::Request r;
    r.mutable_delete_();
    pb::Response resp = Call(r);
    if (resp.error_code() == 0) {
      thread_.join();  // the shim stops its loop
      EXPECT_TRUE(shim_->finished());
    }
    return resp;
  }
  // Opens an attach stream; returns the connection after the OK.
  base::UniqueFd Attach(const std::string& exec_id, bool in, const std::string& early = "") {
    pb::Request r;
    r.mutable_attach()->set_exec_id(exec_id);
    r.mutable_attach()->set_stdin(in);
    r.mutable_attach()->set_stdout(true);
    r.mutable_attach()->set_stderr(true);
    base::UniqueFd fd = Dial(socket_);
    EXPECT_TRUE(WriteFully(fd.get(), EncodeFrame(r.SerializeAsString()) + early).ok());
    absl::StatusOr<std::string> frame = ReadFrame(fd.get());
    pb::Response resp;
    EXPECT_TRUE(frame.ok() && resp.ParseFromString(*frame));
    EXPECT_EQ(resp.error_code(), 0) << resp.error_message();
    return fd;
  }
  static void ReadOutput(int fd, std::string* out, std::string* err, bool* ended) {
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

  std::string dir_, socket_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Shim> shim_;
  base::UniqueFd stop_r_, stop_w_;
  std::thread thread_;
};

TEST_F(ShimTest, RunsAttachesWaitsLogsAndDeletes) {
  StartShim(R"(["sh", "-c", "echo hi; echo err >&2; exit 3"])");
  struct stat st;
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  pb::Response s = State();
  EXPECT_EQ(s.state().status(), pb::STATUS_CREATED);
  EXPECT_EQ(s.state().pid(), 0);
  EXPECT_EQ(s.state().shim_pid(), ::getpid());

  base::UniqueFd attach = Attach("", false);
  pb::Response started = Start();
  ASSERT_EQ(started.error_code(), 0) << started.error_message();
  EXPECT_GT(started.start().pid(), 0);
  std::string out, err;
  bool ended;
  ReadOutput(attach.get(), &out, &err, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(out, "hi\n");
  EXPECT_EQ(err, "err\n");

  pb::Response w = Wait();
  ASSERT_EQ(w.error_code(), 0);
  EXPECT_EQ(w.wait().exit_code(), 3);
  EXPECT_GT(w.wait().exited_at_unix_nanos(), 0);

  s = State();
  EXPECT_EQ(s.state().status(), pb::STATUS_STOPPED);
  EXPECT_EQ(s.state().exit_code(), 3);
  EXPECT_EQ(s.state().pid(), started.start().pid());

  absl::StatusOr<ExitRecord> exit = ReadExitFile(dir_);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_EQ(absl::ToUnixNanos(exit->exited_at), w.wait().exited_at_unix_nanos());

  absl::StatusOr<std::string> log = base::ReadFile(dir_ + "/c1-json.log");
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\""), std::string::npos);
  EXPECT_NE(log->find("{\"log\":\"err\\n\",\"stream\":\"stderr\",\"time\":\""), std::string::npos);

  EXPECT_EQ(Start().error_code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Delete().error_code(), 0);
  EXPECT_FALSE(base::PathExists(socket_));
}

TEST_F(ShimTest, WaitParksUntilTheExitAndSignalsMapTo128PlusN) {
  StartShim(R"(["sleep", "100"])");
  ASSERT_EQ(Start().error_code(), 0);
  EXPECT_EQ(State().state().status(), pb::STATUS_RUNNING);
  EXPECT_EQ(Delete().error_code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  pb::Response w;
  std::thread waiter([&] { w = Wait(); });
  ::usleep(100 * 1000);
  EXPECT_EQ(Kill(SIGKILL).error_code(), 0);
  waiter.join();
  EXPECT_EQ(w.wait().exit_code(), 137);
  EXPECT_EQ(Kill(SIGTERM).error_code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Delete().error_code(), 0);
}

TEST_F(ShimTest, MissingExecutableIsNotFound) {
  StartShim(R"(["/no/such/program"])");
  pb::Response r = Start();
  EXPECT_EQ(r.error_code(), static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(r.error_message(), "exec: \"/no/such/program\": executable file not found in $PATH");
  EXPECT_EQ(Wait().wait().exit_code(), 127);
  EXPECT_EQ(Delete().error_code(), 0);
}

TEST_F(ShimTest, StdinFromAnAttachedClient) {
  StartShim(R"(["cat"])", /*open_stdin=*/true);
  base::UniqueFd attach = Attach("", true, EncodeStreamFrame(StreamKind::kStdin, "early "));
  ASSERT_EQ(Start().error_code(), 0);
  ASSERT_TRUE(WriteStreamFrame(attach.get(), StreamKind::kStdin, "hello\n").ok());
  ASSERT_TRUE(WriteStreamFrame(attach.get(), StreamKind::kCloseStdin, "").ok());
  std::string out, err;
  bool ended;
  ReadOutput(attach.get(), &out, &err, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(out, "early hello\n");
  EXPECT_EQ(Wait().wait().exit_code(), 0);
  EXPECT_EQ(Delete().error_code(), 0);
}

TEST_F(ShimTest, DetachAndReattach) {
  StartShim(R"(["sh", "-c", "echo one; read x; echo two $x"])", /*open_stdin=*/true);
  base::UniqueFd first = Attach("", true);
  ASSERT_EQ(Start().error_code(), 0);
  absl::StatusOr<StreamFrame> f = ReadStreamFrame(first.get());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->payload, "one\n");
  first.reset();  // detach
  ::usleep(50 * 1000);
  base::UniqueFd second = Attach("", true);
  ASSERT_TRUE(WriteStreamFrame(second.get(), StreamKind::kStdin, "back\n").ok());
  std::string out, err;
  bool ended;
  ReadOutput(second.get(), &out, &err, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(out, "two back\n");
  EXPECT_EQ(Wait().wait().exit_code(), 0);
  EXPECT_EQ(Delete().error_code(), 0);
}

TEST_F(ShimTest, ExecsJoinTheContainer) {
  StartShim(R"(["sleep", "100"])");
  pb::Request exec;
  exec.mutable_exec()->set_exec_id("e1");
  exec.mutable_exec()->set_process_json(R"({"args":["sh","-c","echo from exec; exit 5"]})");
  EXPECT_EQ(Call(exec).error_code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  ASSERT_EQ(Start().error_code(), 0);
  ASSERT_EQ(Call(exec).error_code(), 0);
  EXPECT_EQ(Call(exec).error_code(), static_cast<int>(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(State("e1").state().status(), pb::STATUS_CREATED);
  EXPECT_EQ(State("nope").error_code(), static_cast<int>(absl::StatusCode::kNotFound));
  base::UniqueFd attach = Attach("e1", false);
  ASSERT_EQ(Start("e1").error_code(), 0);
  std::string out, err;
  bool ended;
  ReadOutput(attach.get(), &out, &err, &ended);
  EXPECT_EQ(out, "from exec\n");
  EXPECT_EQ(Wait("e1").wait().exit_code(), 5);
  EXPECT_EQ(State("e1").state().status(), pb::STATUS_STOPPED);
  EXPECT_EQ(State().state().status(), pb::STATUS_RUNNING);
  // An exec's output is not the container's log.
  absl::StatusOr<std::string> log = base::ReadFile(dir_ + "/c1-json.log");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->find("from exec"), std::string::npos);

  EXPECT_EQ(Kill(SIGKILL, /*all=*/true).error_code(), 0);
  EXPECT_EQ(Wait().wait().exit_code(), 137);
  EXPECT_FALSE(ReadExitFile(dir_).status().code() == absl::StatusCode::kNotFound);
  EXPECT_EQ(Delete().error_code(), 0);
}

TEST_F(ShimTest, PauseAndResume) {
  StartShim(R"(["sleep", "100"])");
  pb::Request pause;
  pause.mutable_pause();
  pb::Request resume;
  resume.mutable_resume();
  EXPECT_EQ(Call(pause).error_code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  ASSERT_EQ(Start().error_code(), 0);
  ASSERT_EQ(Call(pause).error_code(), 0);
  EXPECT_EQ(State().state().status(), pb::STATUS_PAUSED);
  ASSERT_EQ(Call(resume).error_code(), 0);
  EXPECT_EQ(State().state().status(), pb::STATUS_RUNNING);
  EXPECT_EQ(Call(resume).error_code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Kill(SIGKILL).error_code(), 0);
  EXPECT_EQ(Wait().wait().exit_code(), 137);
  EXPECT_EQ(Delete().error_code(), 0);
}

TEST_F(ShimTest, MalformedRequestIsInvalidArgument) {
  StartShim(R"(["true"])");
  base::UniqueFd fd = Dial(socket_);
  ASSERT_TRUE(WriteFully(fd.get(), std::string("\0\0\0\0", 4)).ok());
  absl::StatusOr<std::string> frame = ReadFrame(fd.get());
  ASSERT_TRUE(frame.ok());
  pb::Response resp;
  ASSERT_TRUE(resp.ParseFromString(*frame));
  EXPECT_EQ(resp.error_code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  // A Request with only an unknown field (11, empty) sets no call.
  fd = Dial(socket_);
  ASSERT_TRUE(WriteFrame(fd.get(), std::string("\x5a\x00", 2)).ok());
  frame = ReadFrame(fd.get());
  ASSERT_TRUE(frame.ok());
  ASSERT_TRUE(resp.ParseFromString(*frame));
  EXPECT_EQ(resp.error_code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(resp.error_message(), "request: no call set");
}

}  // namespace
}  // namespace shim
