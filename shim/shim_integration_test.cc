// The real berth-shim binary with the real runtime (root, namespaces,
// cgroups): a busybox rootfs in a temp dir and a hand-written config.json;
// the test plays berthd over the socket with the frame code.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "engine/base/file_util.h"
#include "engine/base/unique_fd.h"
#include "gtest/gtest.h"
#include "proto/berth/shim/v1/shim.pb.h"
#include "shim/exit_file.h"
#include "shim/frame.h"

namespace shim {
namespace {

namespace pb = berth::shim::v1;

const char kShimBinary[] = "shim/berth-shim";

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

bool Dead(pid_t pid) {
  absl::StatusOr<std::string> stat = base::ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return true;
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] == 'Z';
}

bool WaitDead(pid_t pid, absl::Duration timeout = absl::Seconds(5)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Dead(pid)) return true;
    ::usleep(10 * 1000);
  }
  return false;
}

class ShimBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_FAIL() << "needs root";
    if (::access("/bin/busybox", X_OK) != 0) GTEST_FAIL() << "needs busybox-static";
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    bundle_ = tmpl;
    id_ = "shimtest-" + bundle_.substr(bundle_.rfind('-') + 1);
    std::string rootfs = bundle_ + "/rootfs";
    for (const char* d : {"bin", "etc", "proc", "sys", "dev", "tmp", "root"}) {
      ASSERT_TRUE(base::MakeDirs(rootfs + "/" + d).ok());
    }
    ASSERT_EQ(::system(absl::StrCat("cp /bin/busybox ", rootfs, "/bin/busybox && ",
                                    "for a in $(/bin/busybox --list); do [ -e ", rootfs,
                                    "/bin/$a ] || ln -s busybox ", rootfs, "/bin/$a; done")
                           .c_str()),
              0);
    ASSERT_TRUE(base::WriteFileAtomic(rootfs + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                    .ok());
    ASSERT_TRUE(base::WriteFileAtomic(rootfs + "/etc/group", "root:x:0:\n").ok());
    socket_ = bundle_ + "/shim.sock";
    log_ = bundle_ + "/" + id_ + "-json.log";
  }

  void TearDown() override {
    if (bundle_.empty()) return;
    if (shim_pid_ > 0 && !Dead(shim_pid_)) ::kill(shim_pid_, SIGKILL);
    // A failed test may leave the container's cgroups behind.
    ::system(absl::StrCat("for d in /sys/fs/cgroup/*/berth/", id_, " /sys/fs/cgroup/berth/", id_,
                          "; do [ -d $d ] && (cat $d/cgroup.procs | xargs -r kill -9; sleep 0.1;"
                          " rmdir $d); done 2>/dev/null")
                 .c_str());
    (void)base::RemoveAll(bundle_);
  }

  void WriteSpec(const std::string& args_json, bool terminal = false) {
    std::string json = absl::StrCat(
        R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},"hostname":"shimtest",)",
        R"("process":{"terminal":)", terminal ? "true" : "false", R"(,"args":)", args_json,
        R"(,"env":["PATH=/bin"],"cwd":"/","user":{"uid":0,"gid":0},)",
        R"("capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]}},)",
        R"("mounts":[
          {"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},
          {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
          {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]}
        ],"linux":{"cgroupsPath":)",
        Quote("/berth/" + id_),
        R"(,"namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]}})");
    ASSERT_TRUE(base::WriteFileAtomic(bundle_ + "/config.json", json).ok());
  }

  // Starts berth-shim as berthd does; returns its ready line. With
  // `via_parent`, an intermediate process starts it and is then killed.
  std::string LaunchShim(bool via_parent = false, bool open_stdin = false) {
    int ready[2];
    EXPECT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    std::vector<std::string> args = {kShimBinary,     "--id",       id_,
                                     "--bundle",      bundle_,      "--state-dir",
                                     bundle_,         "--socket",   socket_,
                                     "--log-path",    log_,         "--log-max-size",
                                     "-1",            "--log-max-file", "1",
                                     "--ready-fd",    "3"};
    if (open_stdin) args.push_back("--stdin");
    pid_t parent = ::fork();
    if (parent == 0) {
      auto exec_shim = [&] {
        ::dup2(ready[1], 3);
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(kShimBinary, argv.data());
        _exit(127);
      };
      if (!via_parent) exec_shim();
      if (::fork() == 0) exec_shim();
      ::close(ready[1]);
      ::pause();  // the "berthd" that will be killed
      _exit(0);
    }
    ::close(ready[1]);
    base::UniqueFd r(ready[0]);
    std::string line;
    char buf[256];
    ssize_t n;
    while ((n = ::read(r.get(), buf, sizeof buf)) > 0) line.append(buf, static_cast<size_t>(n));
    if (via_parent) ::kill(parent, SIGKILL);
    int st;
    ::waitpid(parent, &st, 0);
    absl::StatusOr<std::string> pid_text = base::ReadFile(bundle_ + "/shim.pid");
    if (pid_text.ok()) {
      EXPECT_TRUE(absl::SimpleAtoi(*pid_text, &shim_pid_));
    }
    return line;
  }

  base::UniqueFd Dial() {
    base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return fd;
  }

  pb::Response Call(const pb::Request& req, base::UniqueFd* keep = nullptr) {
    base::UniqueFd fd = Dial();
    EXPECT_TRUE(WriteFrame(fd.get(), req.SerializeAsString()).ok());
    absl::StatusOr<std::string> frame = ReadFrame(fd.get());
    pb::Response resp;
    EXPECT_TRUE(frame.ok()) << frame.status();
    if (frame.ok()) {
      EXPECT_TRUE(resp.ParseFromString(*frame));
    }
    if (keep != nullptr) *keep = std::move(fd);
    return resp;
  }

  pb::Response State() {
    pb::Request r;
    r.mutable_state();
    return Call(r);
  }

  base::UniqueFd AttachStream(const std::string& exec_id, bool in) {
    pb::Request attach;
    attach.mutable_attach()->set_exec_id(exec_id);
    attach.mutable_attach()->set_stdin(in);
    attach.mutable_attach()->set_stdout(true);
    attach.mutable_attach()->set_stderr(true);
    base::UniqueFd stream;
    EXPECT_EQ(Call(attach, &stream).error_code(), 0);
    return stream;
  }

  pb::Response Simple(std::function<void(pb::Request*)> fill) {
    pb::Request r;
    fill(&r);
    return Call(r);
  }

  // Reads stdout+stderr until the end frame.
  static std::string ReadToEnd(int fd) {
    std::string out;
    for (;;) {
      absl::StatusOr<StreamFrame> f = ReadStreamFrame(fd);
      if (!f.ok()) return out + "<" + f.status().ToString() + ">";
      if (f->kind == StreamKind::kEnd) return out;
      out += f->payload;
    }
  }

  void StopAndDelete() {
    (void)Simple([](pb::Request* r) {
      r->mutable_kill()->set_signal(SIGKILL);
      r->mutable_kill()->set_all(true);
    });
    pb::Response w = Simple([](pb::Request* r) { r->mutable_wait(); });
    EXPECT_EQ(w.error_code(), 0);
    EXPECT_EQ(Simple([](pb::Request* r) { r->mutable_delete_(); }).error_code(), 0);
    EXPECT_TRUE(WaitDead(shim_pid_));
  }

  std::string bundle_, id_, socket_, log_;
  pid_t shim_pid_ = 0;
};

TEST_F(ShimBinaryTest, EchoHiEndToEnd) {
  WriteSpec(R"(["echo", "hi"])");
  ASSERT_EQ(LaunchShim(), "ok\n");
  ASSERT_GT(shim_pid_, 0);
  struct stat st;
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  pb::Response s = State();
  EXPECT_EQ(s.state().status(), pb::STATUS_CREATED);
  EXPECT_EQ(s.state().shim_pid(), shim_pid_);

  pb::Request attach;
  attach.mutable_attach()->set_stdout(true);
  attach.mutable_attach()->set_stderr(true);
  base::UniqueFd stream;
  ASSERT_EQ(Call(attach, &stream).error_code(), 0);

  pb::Request start;
  start.mutable_start();
  pb::Response started = Call(start);
  ASSERT_EQ(started.error_code(), 0) << started.error_message();
  EXPECT_GT(started.start().pid(), 0);

  std::string out;
  bool ended = false;
  for (;;) {
    absl::StatusOr<StreamFrame> f = ReadStreamFrame(stream.get());
    ASSERT_TRUE(f.ok()) << f.status();
    if (f->kind == StreamKind::kEnd) {
      ended = true;
      break;
    }
    out += f->payload;
  }
  EXPECT_TRUE(ended);
  EXPECT_EQ(out, "hi\n");

  pb::Request wait;
  wait.mutable_wait();
  pb::Response w = Call(wait);
  ASSERT_EQ(w.error_code(), 0) << w.error_message();
  EXPECT_EQ(w.wait().exit_code(), 0);
  EXPECT_FALSE(w.wait().oom_killed());

  absl::StatusOr<std::string> log = base::ReadFile(log_);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE(absl::StartsWith(*log, "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\""))
      << *log;
  absl::StatusOr<ExitRecord> exit = ReadExitFile(bundle_);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 0);

  pb::Request del;
  del.mutable_delete_();
  ASSERT_EQ(Call(del).error_code(), 0);
  EXPECT_TRUE(WaitDead(shim_pid_));
  EXPECT_FALSE(base::PathExists(socket_));
}

TEST_F(ShimBinaryTest, StartErrorsComeBackAndTheExitIsRecorded) {
  WriteSpec(R"(["no-such-program"])");
  ASSERT_EQ(LaunchShim(), "ok\n");
  pb::Request start;
  start.mutable_start();
  pb::Response r = Call(start);
  EXPECT_EQ(r.error_code(), static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(r.error_message(), "exec: \"no-such-program\": executable file not found in $PATH");
  pb::Request wait;
  wait.mutable_wait();
  EXPECT_EQ(Call(wait).wait().exit_code(), 127);
  pb::Request del;
  del.mutable_delete_();
  EXPECT_EQ(Call(del).error_code(), 0);
  EXPECT_TRUE(WaitDead(shim_pid_));
}

TEST_F(ShimBinaryTest, BadSpecIsReportedOnTheReadyFd) {
  ASSERT_TRUE(base::WriteFileAtomic(bundle_ + "/config.json", "{").ok());
  std::string line = LaunchShim();
  EXPECT_TRUE(absl::StartsWith(line, "error: ")) << line;
}

TEST_F(ShimBinaryTest, SurvivesItsParentAndTakesTheContainerWithIt) {
  WriteSpec(R"(["sleep", "100"])");
  ASSERT_EQ(LaunchShim(/*via_parent=*/true), "ok\n");
  pb::Request start;
  start.mutable_start();
  pb::Response started = Call(start);
  ASSERT_EQ(started.error_code(), 0) << started.error_message();
  pid_t init = static_cast<pid_t>(started.start().pid());
  // The process that launched it is gone; the shim answers.
  ::usleep(100 * 1000);
  pb::Response s = State();
  EXPECT_EQ(s.state().status(), pb::STATUS_RUNNING);

  absl::StatusOr<std::string> smaps =
      base::ReadFile(absl::StrCat("/proc/", shim_pid_, "/smaps_rollup"));
  if (smaps.ok()) {
    for (absl::string_view line : absl::StrSplit(*smaps, '\n')) {
      if (absl::StartsWith(line, "Pss:") || absl::StartsWith(line, "Rss:") ||
          absl::StartsWith(line, "Private_Dirty:")) {
        std::cout << "idle shim " << line << "\n";
      }
    }
  }

  // kill -9 of the shim: the container goes too.
  ASSERT_EQ(::kill(shim_pid_, SIGKILL), 0);
  EXPECT_TRUE(WaitDead(shim_pid_));
  EXPECT_TRUE(WaitDead(init)) << "container init " << init << " outlived its shim";
}

TEST_F(ShimBinaryTest, TerminalAndResize) {
  WriteSpec(R"(["sh", "-c", "stty size; tty"])", /*terminal=*/true);
  ASSERT_EQ(LaunchShim(), "ok\n");
  base::UniqueFd stream = AttachStream("", false);
  pb::Response resized = Simple([](pb::Request* r) {
    r->mutable_resize()->set_rows(30);
    r->mutable_resize()->set_columns(100);
  });
  ASSERT_EQ(resized.error_code(), 0) << resized.error_message();
  ASSERT_EQ(Simple([](pb::Request* r) { r->mutable_start(); }).error_code(), 0);
  std::string out = ReadToEnd(stream.get());
  EXPECT_TRUE(absl::StartsWith(out, "30 100\r\n/dev/")) << out;
  EXPECT_EQ(Simple([](pb::Request* r) { r->mutable_wait(); }).wait().exit_code(), 0);
  // A terminal's output is all stdout in the log.
  absl::StatusOr<std::string> log = base::ReadFile(log_);
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("\"log\":\"30 100\\r\\n\",\"stream\":\"stdout\""), std::string::npos)
      << *log;
  EXPECT_EQ(Simple([](pb::Request* r) { r->mutable_delete_(); }).error_code(), 0);
  EXPECT_TRUE(WaitDead(shim_pid_));
}

TEST_F(ShimBinaryTest, StdinPipe) {
  WriteSpec(R"(["sh", "-c", "cat; echo done"])");
  ASSERT_EQ(LaunchShim(false, /*open_stdin=*/true), "ok\n");
  base::UniqueFd stream = AttachStream("", true);
  ASSERT_EQ(Simple([](pb::Request* r) { r->mutable_start(); }).error_code(), 0);
  ASSERT_TRUE(WriteStreamFrame(stream.get(), StreamKind::kStdin, "piped\n").ok());
  ASSERT_TRUE(WriteStreamFrame(stream.get(), StreamKind::kCloseStdin, "").ok());
  EXPECT_EQ(ReadToEnd(stream.get()), "piped\ndone\n");
  EXPECT_EQ(Simple([](pb::Request* r) { r->mutable_wait(); }).wait().exit_code(), 0);
  EXPECT_EQ(Simple([](pb::Request* r) { r->mutable_delete_(); }).error_code(), 0);
}

TEST_F(ShimBinaryTest, ExecJoinsTheContainer) {
  WriteSpec(R"(["sh", "-c", "echo $$ > /tmp/pid; exec sleep 100"])");
  ASSERT_EQ(LaunchShim(), "ok\n");
  ASSERT_EQ(Simple([](pb::Request* r) { r->mutable_start(); }).error_code(), 0);
  pb::Response exec = Simple([](pb::Request* r) {
    r->mutable_exec()->set_exec_id("e1");
    r->mutable_exec()->set_process_json(
        R"({"args":["sh","-c","hostname; ls /proc | grep -c '^[0-9]'; exit 4"],)"
        R"("env":["PATH=/bin"],"cwd":"/","user":{"uid":0,"gid":0}})");
  });
  ASSERT_EQ(exec.error_code(), 0) << exec.error_message();
  base::UniqueFd stream = AttachStream("e1", false);
  pb::Response started = Simple([](pb::Request* r) { r->mutable_start()->set_exec_id("e1"); });
  ASSERT_EQ(started.error_code(), 0) << started.error_message();
  // Same uts and pid namespaces: the container's hostname, and the init,
  // the exec's shell and its ls and grep are all it sees.
  std::string out = ReadToEnd(stream.get());
  EXPECT_TRUE(absl::StartsWith(out, "shimtest\n")) << out;
  pb::Response w = Simple([](pb::Request* r) { r->mutable_wait()->set_exec_id("e1"); });
  EXPECT_EQ(w.wait().exit_code(), 4);
  EXPECT_EQ(State().state().status(), pb::STATUS_RUNNING);
  StopAndDelete();
}

}  // namespace
}  // namespace shim
