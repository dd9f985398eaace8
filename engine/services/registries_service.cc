#include "engine/services/registries_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "engine/services/status_convert.h"

namespace engine::services {

std::string NormalizeRegistryDomain(absl::string_view server_address) {
  absl::string_view s = absl::StripAsciiWhitespace(server_address);
  if (!absl::ConsumePrefix(&s, "https://")) absl::ConsumePrefix(&s, "http://");
  s = s.substr(0, s.find('/'));
  std::string host = absl::AsciiStrToLower(s);
  if (host.empty() || host == "docker.io" || host == "index.docker.io" ||
      host == "registry-1.docker.io") {
    return "docker.io";
  }
  return host;
}

RegistriesService::RegistriesService(RegistryAuthOps ops, RegistriesConfig config)
    : ops_(std::move(ops)), config_(std::move(config)) {}

grpc::Status RegistriesService::Login(grpc::ServerContext*,
                                      const berth::v1::LoginRequest* request,
                                      berth::v1::LoginResponse* response) {
  if (!ops_.check_login) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "registry login is not available in this daemon");
  }
  std::string domain = NormalizeRegistryDomain(request->server_address());
  LoginCredentials creds{request->auth().username(), request->auth().password(),
                         request->auth().identity_token()};
  absl::Status checked = ops_.check_login(domain, creds);
  if (!checked.ok()) return ToGrpcStatus(checked);
  response->set_status("Login Succeeded");
  response->set_server_address(domain);
  return grpc::Status::OK;
}

grpc::Status RegistriesService::Logout(grpc::ServerContext*,
                                       const berth::v1::LogoutRequest* request,
                                       berth::v1::LogoutResponse*) {
  if (ops_.forget_tokens) {
    ops_.forget_tokens(NormalizeRegistryDomain(request->server_address()));
  }
  return grpc::Status::OK;
}

grpc::Status RegistriesService::List(grpc::ServerContext*,
                                     const berth::v1::ListRegistriesRequest*,
                                     berth::v1::ListRegistriesResponse* response) {
  berth::v1::RegistryInfo* hub = response->add_registries();
  hub->set_name("docker.io");
  hub->set_official(true);
  for (const std::string& m : config_.registry_mirrors) {
    hub->add_mirrors(m);
    response->add_mirrors(m);
  }
  // Loopback registries are always reached over plain HTTP, as in Docker.
  response->add_insecure_registry_cidrs("127.0.0.0/8");
  for (const std::string& r : config_.insecure_registries) {
    if (r == "127.0.0.0/8") continue;
    if (absl::StrContains(r, '/')) {
      response->add_insecure_registry_cidrs(r);
      continue;
    }
    if (NormalizeRegistryDomain(r) == "docker.io") {
      hub->set_insecure(true);
      continue;
    }
    berth::v1::RegistryInfo* info = response->add_registries();
    info->set_name(r);
    info->set_insecure(true);
  }
  return grpc::Status::OK;
}

}  // namespace engine::services
