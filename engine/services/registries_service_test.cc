#include "engine/services/registries_service.h"

#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"

namespace engine::services {
namespace {

TEST(NormalizeRegistryDomainTest, DockerHubSpellingsAndOthers) {
  for (const char* hub : {"", "docker.io", "index.docker.io",
                          "https://index.docker.io/v1/", "registry-1.docker.io",
                          "Docker.IO"}) {
    EXPECT_EQ(NormalizeRegistryDomain(hub), "docker.io") << hub;
  }
  EXPECT_EQ(NormalizeRegistryDomain("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(NormalizeRegistryDomain("https://Reg.example:5000/v2/"),
            "reg.example:5000");
  EXPECT_EQ(NormalizeRegistryDomain("http://localhost:5000"), "localhost:5000");
}

class RegistriesServiceTest : public ::testing::Test {
 protected:
  void Start(RegistryAuthOps ops) {
    RegistriesConfig config;
    config.insecure_registries = {"myreg:5000", "10.0.0.0/8"};
    config.registry_mirrors = {"https://mirror.example"};
    service_ = std::make_unique<RegistriesService>(std::move(ops), config);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = berth::v1::Registries::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<RegistriesService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<berth::v1::Registries::Stub> stub_;
};

TEST_F(RegistriesServiceTest, LoginChecksNormalisedDomain) {
  std::string seen_domain;
  LoginCredentials seen;
  RegistryAuthOps ops;
  ops.check_login = [&](absl::string_view domain, const LoginCredentials& c) {
    seen_domain = std::string(domain);
    seen = c;
    if (c.password != "good") {
      return absl::UnauthenticatedError(
          "unauthorized: incorrect username or password");
    }
    return absl::OkStatus();
  };
  Start(ops);

  berth::v1::LoginRequest req;
  req.set_server_address("https://index.docker.io/v1/");
  req.mutable_auth()->set_username("alice");
  req.mutable_auth()->set_password("good");
  berth::v1::LoginResponse resp;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->Login(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(resp.status(), "Login Succeeded");
  EXPECT_EQ(resp.server_address(), "docker.io");
  EXPECT_EQ(seen_domain, "docker.io");
  EXPECT_EQ(seen.username, "alice");

  req.set_server_address("127.0.0.1:5000");
  req.mutable_auth()->set_password("bad");
  grpc::ClientContext ctx;
  grpc::Status st = stub_->Login(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(st.error_message(), "unauthorized: incorrect username or password");
  EXPECT_EQ(seen_domain, "127.0.0.1:5000");
}

TEST_F(RegistriesServiceTest, LoginWithoutClientIsUnimplemented) {
  Start(RegistryAuthOps());
  grpc::ClientContext ctx;
  berth::v1::LoginResponse resp;
  EXPECT_EQ(stub_->Login(&ctx, {}, &resp).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(RegistriesServiceTest, LogoutForgetsTokens) {
  std::string forgotten;
  RegistryAuthOps ops;
  ops.forget_tokens = [&](absl::string_view d) { forgotten = std::string(d); };
  Start(ops);
  grpc::ClientContext ctx;
  berth::v1::LogoutRequest req;
  berth::v1::LogoutResponse resp;
  ASSERT_TRUE(stub_->Logout(&ctx, req, &resp).ok());
  EXPECT_EQ(forgotten, "docker.io");
}

TEST_F(RegistriesServiceTest, ListShowsMirrorsAndInsecure) {
  Start(RegistryAuthOps());
  grpc::ClientContext ctx;
  berth::v1::ListRegistriesResponse resp;
  ASSERT_TRUE(stub_->List(&ctx, {}, &resp).ok());
  ASSERT_EQ(resp.registries_size(), 2);
  EXPECT_EQ(resp.registries(0).name(), "docker.io");
  EXPECT_TRUE(resp.registries(0).official());
  EXPECT_FALSE(resp.registries(0).insecure());
  ASSERT_EQ(resp.registries(0).mirrors_size(), 1);
  EXPECT_EQ(resp.registries(0).mirrors(0), "https://mirror.example");
  EXPECT_EQ(resp.registries(1).name(), "myreg:5000");
  EXPECT_TRUE(resp.registries(1).insecure());
  ASSERT_EQ(resp.insecure_registry_cidrs_size(), 2);
  EXPECT_EQ(resp.insecure_registry_cidrs(0), "127.0.0.0/8");
  EXPECT_EQ(resp.insecure_registry_cidrs(1), "10.0.0.0/8");
  EXPECT_EQ(resp.mirrors_size(), 1);
}

}  // namespace
}  // namespace engine::services
