// The Containers calls against an in-process fake daemon.

#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/berth/v1/containers.grpc.pb.h"
#include "sdk/client.h"
#include "sdk/status.h"

namespace sdk {
namespace {

using berth::v1::AttachInput;
using berth::v1::AttachOutput;

class FakeContainers final : public berth::v1::Containers::Service {
 public:
  grpc::Status Create(grpc::ServerContext*,
                      const berth::v1::CreateContainerRequest* req,
                      berth::v1::CreateContainerResponse* resp) override {
    if (req->config().image() == "missing") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such image: missing:latest");
    }
    last_name = req->name();
    resp->set_id(std::string(64, 'a'));
    return grpc::Status::OK;
  }

  // Echoes stdin as stdout (upper-cased on stderr), reports resizes as
  // "RxC" on stdout, and ends after close_stdin.
  grpc::Status Attach(grpc::ServerContext*,
                      grpc::ServerReaderWriter<AttachOutput, AttachInput>* stream) override {
    AttachInput in;
    if (!stream->Read(&in) || !in.has_open()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "open first");
    }
    if (in.open().id() != "c1") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such container: " + in.open().id());
    }
    while (stream->Read(&in)) {
      AttachOutput out;
      if (in.has_resize()) {
        out.set_stream(berth::v1::STD_STREAM_STDOUT);
        out.set_data(std::to_string(in.resize().height()) + "x" +
                     std::to_string(in.resize().width()));
      } else if (in.input_case() == AttachInput::kStdin) {
        out.set_stream(berth::v1::STD_STREAM_STDOUT);
        out.set_data(in.stdin());
      } else if (in.close_stdin()) {
        break;
      }
      stream->Write(out);
    }
    return grpc::Status::OK;
  }

  grpc::Status Logs(grpc::ServerContext* ctx, const berth::v1::LogsRequest* req,
                    grpc::ServerWriter<berth::v1::LogEntry>* w) override {
    berth::v1::LogEntry e;
    e.set_stream(berth::v1::STD_STREAM_STDOUT);
    e.set_data("line\n");
    w->Write(e);
    e.set_stream(berth::v1::STD_STREAM_STDERR);
    w->Write(e);
    if (!req->follow()) return grpc::Status::OK;
    while (!ctx->IsCancelled()) usleep(1000);
    return grpc::Status::CANCELLED;
  }

  grpc::Status Wait(grpc::ServerContext* ctx, const berth::v1::WaitContainerRequest* req,
                    berth::v1::WaitContainerResponse* resp) override {
    if (req->condition() == berth::v1::WAIT_CONDITION_NEXT_EXIT) {
      while (!ctx->IsCancelled()) usleep(1000);
      return grpc::Status::CANCELLED;
    }
    resp->set_status_code(3);
    return grpc::Status::OK;
  }

  grpc::Status Start(grpc::ServerContext*, const berth::v1::StartContainerRequest*,
                     berth::v1::StartContainerResponse*) override {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "exec: \"nope\": executable file not found in $PATH");
  }

  std::string last_name;
};

class ContainersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    host_ = "unix://" + dir_ + "/b.sock";
    grpc::ServerBuilder b;
    b.AddListeningPort(host_, grpc::InsecureServerCredentials());
    b.RegisterService(&fake_);
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
  FakeContainers fake_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ContainersTest, CreateAndDaemonErrors) {
  berth::v1::CreateContainerRequest req;
  req.set_name("web");
  req.mutable_config()->set_image("busybox");
  auto resp = client_->CreateContainer(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->id().size(), 64u);
  EXPECT_EQ(fake_.last_name, "web");

  req.mutable_config()->set_image("missing");
  auto missing = client_->CreateContainer(req);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(IsDaemonError(missing.status()));

  absl::Status start = client_->StartContainer("x");
  EXPECT_EQ(start.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsDaemonError(start));

  // Unimplemented calls keep their code.
  EXPECT_EQ(client_->PauseContainer("x").code(), absl::StatusCode::kUnimplemented);
}

TEST_F(ContainersTest, AttachWritesFromOneThreadReadsInAnother) {
  berth::v1::AttachOpen open;
  open.set_id("c1");
  open.set_stdin(true);
  auto session = client_->Attach(open);
  ASSERT_TRUE(session.ok()) << session.status();
  std::thread writer([&] {
    EXPECT_TRUE((*session)->WriteStdin("hello ").ok());
    EXPECT_TRUE((*session)->Resize(24, 80).ok());
    EXPECT_TRUE((*session)->WriteStdin("world").ok());
    EXPECT_TRUE((*session)->CloseStdin().ok());
  });
  std::string got;
  AttachOutput out;
  while ((*session)->Read(&out)) got += out.data();
  writer.join();
  EXPECT_TRUE((*session)->Finish().ok());
  EXPECT_EQ(got, "hello 24x80world");
  // Writes after the end are refused, not crashes.
  EXPECT_EQ((*session)->WriteStdin("late").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ContainersTest, WaitReadyReturnsWhenTheCallEnds) {
  berth::v1::AttachOpen open;
  open.set_id("nope");
  auto session = client_->Attach(open);
  ASSERT_TRUE(session.ok());
  // The fake sends no early metadata, but the refusal ends the call.
  EXPECT_TRUE((*session)->WaitReady(absl::Seconds(5)));
  AttachOutput out;
  EXPECT_FALSE((*session)->Read(&out));
  EXPECT_EQ((*session)->Finish().code(), absl::StatusCode::kNotFound);
}

TEST_F(ContainersTest, WaitReadyTimesOutAndTheSessionStillWorks) {
  berth::v1::AttachOpen open;
  open.set_id("c1");
  auto session = client_->Attach(open);
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE((*session)->WaitReady(absl::Milliseconds(50)));
  ASSERT_TRUE((*session)->WriteStdin("x").ok());
  ASSERT_TRUE((*session)->CloseStdin().ok());
  std::string got;
  AttachOutput out;
  while ((*session)->Read(&out)) got += out.data();
  EXPECT_EQ(got, "x");
  EXPECT_TRUE((*session)->Finish().ok());
}

TEST_F(ContainersTest, AttachRefusalSurfacesInFinish) {
  berth::v1::AttachOpen open;
  open.set_id("nope");
  auto session = client_->Attach(open);
  ASSERT_TRUE(session.ok());
  AttachOutput out;
  while ((*session)->Read(&out)) {
  }
  absl::Status s = (*session)->Finish();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "No such container: nope");
  EXPECT_TRUE(IsDaemonError(s));
}

TEST_F(ContainersTest, CancelEndsABlockedRead) {
  berth::v1::AttachOpen open;
  open.set_id("c1");
  auto session = client_->Attach(open);
  ASSERT_TRUE(session.ok());
  std::thread canceller([&] {
    usleep(50 * 1000);
    (*session)->Cancel();
  });
  AttachOutput out;
  EXPECT_FALSE((*session)->Read(&out));
  canceller.join();
  EXPECT_EQ((*session)->Finish().code(), absl::StatusCode::kCancelled);
}

TEST_F(ContainersTest, LogsStreamAndFollowCancel) {
  berth::v1::LogsRequest req;
  req.set_id("c1");
  std::vector<berth::v1::StdStream> streams;
  ASSERT_TRUE(client_->Logs(req, [&](const berth::v1::LogEntry& e) {
                        streams.push_back(e.stream());
                      }).ok());
  EXPECT_EQ(streams.size(), 2u);

  req.set_follow(true);
  CancelToken cancel;
  int n = 0;
  absl::Status s = client_->Logs(
      req,
      [&](const berth::v1::LogEntry&) {
        if (++n == 2) cancel.Cancel();
      },
      &cancel);
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(ContainersTest, WaitAndCancelledWait) {
  auto done = client_->WaitContainer("c1", berth::v1::WAIT_CONDITION_NOT_RUNNING);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status_code(), 3);

  CancelToken cancel;
  std::thread canceller([&] {
    usleep(50 * 1000);
    cancel.Cancel();
  });
  auto waited =
      client_->WaitContainer("c1", berth::v1::WAIT_CONDITION_NEXT_EXIT, &cancel);
  canceller.join();
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace sdk
