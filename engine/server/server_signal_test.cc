// SIGTERM handling of a real daemon process. The daemon runs in a child
// forked before this process touches gRPC.

#include <signal.h>
#include <sys/wait.h>

#include <grpcpp/grpcpp.h>

#include "engine/server/server.h"
#include "engine/server/server_test_util.h"
#include "gtest/gtest.h"
#include "proto/berth/v1/system.grpc.pb.h"

namespace engine {
namespace server {
namespace {

TEST(ServerSignalTest, SigtermShutsDownCleanlyWithExitZero) {
  std::string dir;
  DaemonConfig config = TempConfig(&dir);
  const std::string socket = dir + "/run/berth.sock";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    BlockTerminationSignals();
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(config);
    if (!server.ok()) _exit(2);
    absl::Status run = (*server)->Run(absl::Seconds(10));
    server->reset();
    _exit(run.ok() ? 0 : 1);
  }
  ASSERT_TRUE(WaitForPath(socket, true));
  auto stub = berth::v1::System::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  berth::v1::VersionResponse v;
  grpc::Status s = stub->Version(&ctx, {}, &v);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(v.version(), "0.1.0");

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(base::PathExists(socket));
  EXPECT_FALSE(base::PathExists(config.pidfile));
  (void)base::RemoveAll(dir);
}

}  // namespace
}  // namespace server
}  // namespace engine
