#include "sdk/client.h"

#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/berth/v1/images.grpc.pb.h"
#include "proto/berth/v1/system.grpc.pb.h"
#include "sdk/status.h"

namespace sdk {
namespace {

TEST(NormalizeHost, Forms) {
  EXPECT_EQ(*NormalizeHost("unix:///run/berth/berth.sock"),
            "unix:///run/berth/berth.sock");
  EXPECT_EQ(*NormalizeHost("/tmp/b.sock"), "unix:///tmp/b.sock");
  EXPECT_EQ(*NormalizeHost(""), kDefaultHost);
  EXPECT_EQ(*NormalizeHost("tcp://127.0.0.1:2375"), "127.0.0.1:2375");
  EXPECT_EQ(NormalizeHost("http://x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NormalizeHost("unix://").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Connect, NoDaemonGivesDockerLikeMessage) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string sock = std::string(tmpl) + "/absent.sock";
  auto client = Client::Connect(sock);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsConnectionError(client.status()));
  EXPECT_EQ(client.status().message(),
            "Cannot connect to the Berth daemon at unix://" + sock +
                ": is the daemon running?");
  rmdir(tmpl);
}

TEST(CancelToken, CancelBeforeStart) {
  CancelToken token;
  EXPECT_FALSE(token.cancelled());
  token.Cancel();
  EXPECT_TRUE(token.cancelled());
}

// A stand-in daemon with just enough of the services to exercise the client.
class FakeImages final : public berth::v1::Images::Service {
 public:
  grpc::Status Pull(grpc::ServerContext*, const berth::v1::PullRequest* req,
                    grpc::ServerWriter<berth::v1::PullProgress>* w) override {
    last_auth_user = req->auth().username();
    if (req->reference() == "missing") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "manifest for missing:latest not found: manifest unknown");
    }
    berth::v1::PullProgress p;
    p.mutable_started()->set_reference("docker.io/library/x:latest");
    w->Write(p);
    p.Clear();
    p.mutable_layer()->set_id("aaaaaaaaaaaa");
    p.mutable_layer()->set_phase(berth::v1::LAYER_PHASE_PULL_COMPLETE);
    w->Write(p);
    if (req->reference() == "truncated") return grpc::Status::OK;
    p.Clear();
    p.mutable_done()->set_digest("sha256:d");
    p.mutable_done()->set_reference("x:latest");
    w->Write(p);
    return grpc::Status::OK;
  }
  grpc::Status Get(grpc::ServerContext*, const berth::v1::GetImageRequest* req,
                   berth::v1::Image* img) override {
    if (req->reference() != "x") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "No such image: " + req->reference());
    }
    img->set_id("sha256:abc");
    return grpc::Status::OK;
  }
  std::string last_auth_user;
};

class FakeSystem final : public berth::v1::System::Service {
 public:
  grpc::Status Version(grpc::ServerContext*, const berth::v1::VersionRequest*,
                       berth::v1::VersionResponse* v) override {
    v->set_version("9.9.9");
    return grpc::Status::OK;
  }
  grpc::Status Events(grpc::ServerContext* ctx, const berth::v1::EventsRequest*,
                      grpc::ServerWriter<berth::v1::Event>* w) override {
    berth::v1::Event e;
    e.set_type("image");
    e.set_action("pull");
    w->Write(e);
    while (!ctx->IsCancelled()) usleep(1000);
    return grpc::Status::CANCELLED;
  }
};

class ClientWithServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    host_ = "unix://" + dir_ + "/b.sock";
    grpc::ServerBuilder b;
    b.AddListeningPort(host_, grpc::InsecureServerCredentials());
    b.RegisterService(&images_);
    b.RegisterService(&system_);
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto c = Client::Connect(host_);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = std::move(c).value();
  }
  void TearDown() override {
    client_.reset();
    server_->Shutdown();
    unlink((dir_ + "/b.sock").c_str());
    rmdir(dir_.c_str());
  }

  std::string dir_, host_;
  FakeImages images_;
  FakeSystem system_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientWithServerTest, PullStreamsEveryMessageAndReturnsDone) {
  berth::v1::PullRequest req;
  req.set_reference("x");
  req.mutable_auth()->set_username("bob");
  std::vector<int> kinds;
  auto done = client_->Pull(req, [&](const berth::v1::PullProgress& p) {
    kinds.push_back(p.event_case());
  });
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->digest(), "sha256:d");
  EXPECT_EQ(kinds, (std::vector<int>{berth::v1::PullProgress::kStarted,
                                     berth::v1::PullProgress::kLayer,
                                     berth::v1::PullProgress::kDone}));
  EXPECT_EQ(images_.last_auth_user, "bob");
}

TEST_F(ClientWithServerTest, DaemonErrorsKeepCodeAndMessage) {
  berth::v1::PullRequest req;
  req.set_reference("missing");
  auto done = client_->Pull(req, nullptr);
  EXPECT_EQ(done.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(done.status().message(),
            "manifest for missing:latest not found: manifest unknown");
  EXPECT_TRUE(IsDaemonError(done.status()));

  req.set_reference("truncated");
  EXPECT_EQ(client_->Pull(req, nullptr).status().code(),
            absl::StatusCode::kInternal);

  auto img = client_->GetImage("nope");
  EXPECT_EQ(img.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(IsDaemonError(img.status()));
  ASSERT_TRUE(client_->GetImage("x").ok());
  EXPECT_EQ(client_->GetImage("x")->id(), "sha256:abc");
}

TEST_F(ClientWithServerTest, UnimplementedIsDaemonError) {
  auto list = client_->ListImages({});
  EXPECT_EQ(list.status().code(), absl::StatusCode::kUnimplemented);
  auto v = client_->Version();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->version(), "9.9.9");
}

TEST_F(ClientWithServerTest, EventsStopOnCancel) {
  CancelToken cancel;
  int events = 0;
  absl::Status s = client_->Events(
      {}, [&](const berth::v1::Event&) {
        ++events;
        cancel.Cancel();
      },
      &cancel);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(events, 1);
}

TEST_F(ClientWithServerTest, DaemonGoneIsConnectionError) {
  server_->Shutdown();
  auto v = client_->Version();
  EXPECT_TRUE(IsConnectionError(v.status())) << v.status();
}

}  // namespace
}  // namespace sdk
