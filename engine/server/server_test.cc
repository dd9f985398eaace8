#include "engine/server/server.h"

#include <sys/stat.h>

#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "engine/server/server_test_util.h"
#include "gtest/gtest.h"
#include "proto/berth/v1/registries.grpc.pb.h"
#include "proto/berth/v1/system.grpc.pb.h"

namespace engine {
namespace server {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = TempConfig(&dir_); }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  std::string socket() const { return dir_ + "/run/berth.sock"; }

  std::string dir_;
  DaemonConfig config_;
};

TEST_F(ServerTest, ServesVersionAndInfoOnTheSocketAndCleansUp) {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(config_);
  ASSERT_TRUE(server.ok()) << server.status();
  // The pidfile is written once the lock is held, before anything listens.
  EXPECT_EQ(*base::ReadFile(config_.pidfile), absl::StrCat(getpid()));
  struct stat st;
  ASSERT_EQ(stat(config_.data_root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  absl::Status run_status;
  std::thread runner([&] { run_status = (*server)->Run(absl::Seconds(5)); });
  ASSERT_TRUE(WaitForPath(socket(), true));
  ASSERT_EQ(lstat(socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);

  auto channel = grpc::CreateChannel("unix:" + socket(),
                                     grpc::InsecureChannelCredentials());
  auto system = berth::v1::System::NewStub(channel);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    berth::v1::VersionResponse v;
    grpc::Status s = system->Version(&ctx, {}, &v);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(v.version(), "0.1.0");
    EXPECT_EQ(v.api_version(), "berth.v1");
  }
  {
    grpc::ClientContext ctx;
    berth::v1::InfoResponse info;
    ASSERT_TRUE(system->Info(&ctx, {}, &info).ok());
    EXPECT_EQ(info.id(), (*server)->engine_id());
    EXPECT_EQ(info.data_root(), config_.data_root);
    EXPECT_EQ(info.exec_root(), config_.exec_root);
    EXPECT_EQ(info.images(), 0);
    ASSERT_EQ(info.insecure_registries_size(), 1);
    EXPECT_EQ(info.insecure_registries(0), "127.0.0.1:5000");
    EXPECT_EQ(info.max_concurrent_downloads(), 3);
  }
  {
    auto registries = berth::v1::Registries::NewStub(channel);
    grpc::ClientContext ctx;
    berth::v1::ListRegistriesResponse list;
    ASSERT_TRUE(registries->List(&ctx, {}, &list).ok());
    EXPECT_EQ(list.registries(0).name(), "docker.io");
  }
  // An open Events stream must not hold up the shutdown.
  grpc::ClientContext events_ctx;
  berth::v1::EventsRequest events_req;
  // `since` makes the event reach us even if it is published before the
  // handler has subscribed.
  events_req.mutable_since()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 1);
  auto events = system->Events(&events_ctx, events_req);
  (*server)->event_bus()->Publish({"image", "pull", "alpine:latest", {}, absl::Now()});
  berth::v1::Event ev;
  ASSERT_TRUE(events->Read(&ev));
  EXPECT_EQ(ev.actor_id(), "alpine:latest");

  absl::Time start = absl::Now();
  (*server)->RequestShutdown();
  runner.join();
  EXPECT_TRUE(run_status.ok()) << run_status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_FALSE(events->Read(&ev));
  EXPECT_FALSE(base::PathExists(socket()));
  EXPECT_FALSE(base::PathExists(config_.pidfile));

  // The engine ID survives a restart; the lock was released.
  std::string id = (*server)->engine_id();
  server->reset();
  absl::StatusOr<std::unique_ptr<Server>> again = Server::Create(config_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->engine_id(), id);
}

TEST_F(ServerTest, SecondDaemonOnTheSameDataRootIsRefused) {
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Create(config_);
  ASSERT_TRUE(first.ok()) << first.status();
  DaemonConfig other = config_;
  other.pidfile = dir_ + "/other.pid";
  other.hosts = {"unix://" + dir_ + "/other.sock"};
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Create(other);
  ASSERT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_EQ(second.status().message(),
            absl::StrCat("another berthd is already running on data root ",
                         config_.data_root, " (pid ", getpid(), ")"));
  EXPECT_FALSE(base::PathExists(other.pidfile));
  // The first daemon's pidfile is untouched.
  EXPECT_TRUE(base::PathExists(config_.pidfile));
}

TEST_F(ServerTest, ExplicitMissingGroupIsAnError) {
  config_.group = "no-such-group-berth";
  config_.group_explicit = true;
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(config_);
  EXPECT_TRUE(absl::IsNotFound(server.status())) << server.status();
  EXPECT_FALSE(base::PathExists(config_.pidfile));
}

TEST_F(ServerTest, BusySocketFailsStartAndLeavesNothingListening) {
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Create(config_);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Start().ok());
  DaemonConfig other = config_;
  other.data_root = dir_ + "/data2";
  other.pidfile = dir_ + "/other.pid";
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Create(other);
  ASSERT_TRUE(second.ok()) << second.status();
  absl::Status started = (*second)->Start();
  EXPECT_TRUE(absl::IsFailedPrecondition(started)) << started;
  EXPECT_TRUE(base::PathExists(socket()));  // still the first daemon's
  first->reset();
  EXPECT_FALSE(base::PathExists(socket()));
}

}  // namespace
}  // namespace server
}  // namespace engine
