#include "engine/runtime/shim_client.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

namespace pb = berth::shim::v1;

// A one-connection-at-a-time fake shim on a real Unix socket.
class FakeShim {
 public:
  FakeShim() {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/shim.sock";
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path_.c_str(), path_.size());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
  }
  ~FakeShim() {
    close(fd_);
    (void)base::RemoveAll(dir_);
  }
  const std::string& path() const { return path_; }

  // Accepts one connection, reads its request.
  int Accept(pb::Request* request) {
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    auto frame = ReadMessageFrame(c);
    EXPECT_TRUE(frame.ok());
    EXPECT_TRUE(request->ParseFromString(*frame));
    return c;
  }
  static void Reply(int c, const pb::Response& response) {
    EXPECT_TRUE(WriteMessageFrame(c, response.SerializeAsString()).ok());
  }

 private:
  std::string dir_, path_;
  int fd_;
};

TEST(ShimClientTest, UnaryCallAndErrors) {
  FakeShim shim;
  ShimClient client(shim.path());
  std::thread server([&] {
    pb::Request req;
    int c = shim.Accept(&req);
    EXPECT_TRUE(req.has_start());
    EXPECT_EQ(req.start().exec_id(), "");
    pb::Response resp;
    resp.mutable_start()->set_pid(4242);
    FakeShim::Reply(c, resp);
    close(c);

    c = shim.Accept(&req);
    EXPECT_TRUE(req.has_start());
    EXPECT_EQ(req.start().exec_id(), "e1");
    resp.Clear();
    resp.set_error_code(static_cast<int>(absl::StatusCode::kNotFound));
    resp.set_error_message("exec: \"nosuch\": executable file not found in $PATH");
    FakeShim::Reply(c, resp);
    close(c);

    c = shim.Accept(&req);
    EXPECT_TRUE(req.has_kill());
    EXPECT_EQ(req.kill().signal(), 15);
    EXPECT_TRUE(req.kill().all());
    close(c);  // no answer: the shim died
  });
  absl::StatusOr<int64_t> pid = client.Start("");
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(*pid, 4242);
  pid = client.Start("e1");
  EXPECT_TRUE(absl::IsNotFound(pid.status()));
  EXPECT_EQ(pid.status().message(), "exec: \"nosuch\": executable file not found in $PATH");
  EXPECT_TRUE(absl::IsUnavailable(client.Kill("", 15, true)));
  server.join();
}

TEST(ShimClientTest, NoShimIsUnavailable) {
  ShimClient client("/tmp/berth-no-such-dir/shim.sock");
  EXPECT_TRUE(absl::IsUnavailable(client.State("").status()));
}

TEST(ShimClientTest, WaitBlocksUntilAnswerAndCancels) {
  FakeShim shim;
  ShimClient client(shim.path());
  int conn = -1;
  std::thread server([&] {
    pb::Request req;
    conn = shim.Accept(&req);
    EXPECT_TRUE(req.has_wait());
  });
  auto wait = client.StartWait("");
  ASSERT_TRUE(wait.ok());
  server.join();
  pb::Response resp;
  resp.mutable_wait()->set_exit_code(3);
  resp.mutable_wait()->set_oom_killed(true);
  FakeShim::Reply(conn, resp);
  auto result = (*wait)->Result();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code(), 3);
  EXPECT_TRUE(result->oom_killed());
  close(conn);

  std::thread server2([&] {
    pb::Request req;
    conn = shim.Accept(&req);
  });
  auto wait2 = client.StartWait("");
  ASSERT_TRUE(wait2.ok());
  server2.join();
  std::thread canceller([&] {
    usleep(50 * 1000);
    (*wait2)->Cancel();
  });
  EXPECT_TRUE(absl::IsCancelled((*wait2)->Result().status()));
  canceller.join();
  close(conn);
}

TEST(ShimClientTest, AttachStreamsBothWays) {
  FakeShim shim;
  ShimClient client(shim.path());
  std::thread server([&] {
    pb::Request req;
    int c = shim.Accept(&req);
    EXPECT_TRUE(req.attach().stdin());
    FakeShim::Reply(c, pb::Response());
    // Expect stdin "abc", a resize, close-stdin; then send output and end.
    char hdr[5];
    std::string got;
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(read(c, hdr, 5), 5);
      uint32_t n = (uint8_t(hdr[1]) << 24) | (uint8_t(hdr[2]) << 16) | (uint8_t(hdr[3]) << 8) |
                   uint8_t(hdr[4]);
      std::string payload(n, '\0');
      if (n > 0) {
        ASSERT_EQ(read(c, payload.data(), n), static_cast<ssize_t>(n));
      }
      got += absl::StrCat(int(hdr[0]), ":", payload.size(), ";");
    }
    EXPECT_EQ(got, "0:3;5:4;4:0;");
    std::string out("\x01\0\0\0\x03hi\n\x02\0\0\0\x01!\x03\0\0\0\0", 5 + 3 + 5 + 1 + 5);
    ASSERT_EQ(write(c, out.data(), out.size()), static_cast<ssize_t>(out.size()));
    close(c);
  });
  pb::AttachRequest req;
  req.set_stdin(true);
  req.set_stdout(true);
  auto stream = client.Attach(req);
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_TRUE((*stream)->WriteStdin("abc").ok());
  ASSERT_TRUE((*stream)->Resize(24, 80).ok());
  ASSERT_TRUE((*stream)->CloseStdin().ok());
  StreamKind kind;
  std::string data;
  ASSERT_TRUE((*stream)->Read(&kind, &data).ok());
  EXPECT_EQ(kind, StreamKind::kStdout);
  EXPECT_EQ(data, "hi\n");
  ASSERT_TRUE((*stream)->Read(&kind, &data).ok());
  EXPECT_EQ(kind, StreamKind::kStderr);
  EXPECT_EQ(data, "!");
  ASSERT_TRUE((*stream)->Read(&kind, &data).ok());
  EXPECT_EQ(kind, StreamKind::kEnd);
  EXPECT_TRUE(absl::IsUnavailable((*stream)->Read(&kind, &data)));
  server.join();
}

}  // namespace
}  // namespace engine::runtime
