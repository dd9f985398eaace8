#include "engine/services/system_service.h"

#include <grpcpp/grpcpp.h>

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace engine::services {
namespace {

class SystemServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SystemServiceOptions opts;
    opts.engine_id = "0b6b9a4e-1111-4222-8333-444455556666";
    opts.data_root = "/var/lib/berth-test";
    opts.exec_root = "/run/berth-test";
    opts.insecure_registries = {"127.0.0.1:5000"};
    opts.registry_mirrors = {"https://mirror.example"};
    opts.max_concurrent_downloads = 4;
    opts.debug = true;
    opts.image_count = []() -> absl::StatusOr<int64_t> { return 7; };
    opts.events_poll = absl::Milliseconds(20);
    service_ = std::make_unique<SystemService>(opts, &bus_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = berth::v1::System::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override {
    bus_.Close();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  events::EventBus bus_;
  std::unique_ptr<SystemService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<berth::v1::System::Stub> stub_;
};

events::Event Pull(const std::string& ref) {
  events::Event e;
  e.type = "image";
  e.action = "pull";
  e.actor_id = ref;
  e.attributes["name"] = ref;
  return e;
}

TEST_F(SystemServiceTest, Version) {
  grpc::ClientContext ctx;
  berth::v1::VersionResponse resp;
  ASSERT_TRUE(stub_->Version(&ctx, {}, &resp).ok());
  EXPECT_EQ(resp.version(), "0.1.0");
  EXPECT_EQ(resp.api_version(), "berth.v1");
  EXPECT_EQ(resp.os(), "linux");
  EXPECT_FALSE(resp.arch().empty());
  EXPECT_FALSE(resp.kernel_version().empty());
  EXPECT_EQ(resp.compiler().rfind("gcc ", 0), 0u) << resp.compiler();
  EXPECT_FALSE(resp.git_commit().empty());
}

TEST_F(SystemServiceTest, Info) {
  grpc::ClientContext ctx;
  berth::v1::InfoResponse resp;
  ASSERT_TRUE(stub_->Info(&ctx, {}, &resp).ok());
  EXPECT_EQ(resp.id(), "0b6b9a4e-1111-4222-8333-444455556666");
  EXPECT_FALSE(resp.name().empty());
  EXPECT_EQ(resp.server_version(), "0.1.0");
  EXPECT_EQ(resp.images(), 7);
  EXPECT_EQ(resp.storage_driver(), "overlayfs");
  EXPECT_EQ(resp.data_root(), "/var/lib/berth-test");
  EXPECT_EQ(resp.exec_root(), "/run/berth-test");
  EXPECT_GT(resp.ncpu(), 0);
  EXPECT_GT(resp.mem_total(), 0);
  EXPECT_TRUE(resp.cgroup_version() == "1" || resp.cgroup_version() == "2");
  EXPECT_EQ(resp.insecure_registries_size(), 1);
  EXPECT_EQ(resp.registry_mirrors(0), "https://mirror.example");
  EXPECT_EQ(resp.max_concurrent_downloads(), 4);
  ASSERT_EQ(resp.security_options_size(), 1);
  EXPECT_EQ(resp.security_options(0), "name=seccomp,profile=builtin");
  EXPECT_TRUE(resp.debug());
  EXPECT_GT(resp.system_time().seconds(), 0);
}

TEST_F(SystemServiceTest, EventsReplaySinceThenLiveUntilCancel) {
  absl::Time t0 = absl::Now() - absl::Seconds(10);
  events::Event old = Pull("old:1");
  old.time = t0;
  bus_.Publish(old);
  grpc::ClientContext ctx;
  berth::v1::EventsRequest req;
  req.mutable_since()->set_seconds(absl::ToUnixSeconds(t0) - 1);
  berth::v1::Filter* f = req.add_filters();
  f->set_key("type");
  f->set_value("image");
  auto reader = stub_->Events(&ctx, req);
  berth::v1::Event ev;
  ASSERT_TRUE(reader->Read(&ev));
  EXPECT_EQ(ev.actor_id(), "old:1");
  EXPECT_EQ(ev.time().seconds(), absl::ToUnixSeconds(t0));
  EXPECT_EQ(ev.attributes().at("name"), "old:1");
  // Live events arrive while the stream is open.
  std::thread publisher([this] {
    absl::SleepFor(absl::Milliseconds(50));
    bus_.Publish(Pull("new:2"));
  });
  ASSERT_TRUE(reader->Read(&ev));
  EXPECT_EQ(ev.actor_id(), "new:2");
  EXPECT_EQ(ev.action(), "pull");
  EXPECT_EQ(ev.type(), "image");
  publisher.join();
  ctx.TryCancel();
  EXPECT_FALSE(reader->Read(&ev));
  reader->Finish().ok();
  // The handler notices the cancel and drops its subscription.
  for (int i = 0; i < 200 && bus_.subscribers() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(bus_.subscribers(), 0u);
}

TEST_F(SystemServiceTest, EventsUntilEndsTheStream) {
  bus_.Publish(Pull("a"));
  grpc::ClientContext ctx;
  berth::v1::EventsRequest req;
  req.mutable_until()->set_seconds(absl::ToUnixSeconds(absl::Now()) + 1);
  auto reader = stub_->Events(&ctx, req);
  berth::v1::Event ev;
  ASSERT_TRUE(reader->Read(&ev));  // --until alone replays the buffer
  EXPECT_EQ(ev.actor_id(), "a");
  EXPECT_FALSE(reader->Read(&ev));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(SystemServiceTest, EventsBadFilter) {
  grpc::ClientContext ctx;
  berth::v1::EventsRequest req;
  berth::v1::Filter* f = req.add_filters();
  f->set_key("volume");
  f->set_value("x");
  auto reader = stub_->Events(&ctx, req);
  berth::v1::Event ev;
  EXPECT_FALSE(reader->Read(&ev));
  grpc::Status st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "invalid filter 'volume'");
}

TEST_F(SystemServiceTest, EventsEndWhenTheBusCloses) {
  grpc::ClientContext ctx;
  auto reader = stub_->Events(&ctx, berth::v1::EventsRequest());
  for (int i = 0; i < 200 && bus_.subscribers() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  bus_.Close();
  berth::v1::Event ev;
  EXPECT_FALSE(reader->Read(&ev));
  EXPECT_TRUE(reader->Finish().ok());
}

}  // namespace
}  // namespace engine::services
