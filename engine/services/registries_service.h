// -----------------------------------------------------------------------------
// File: registries_service.h
// -----------------------------------------------------------------------------
//
// The berth.v1.Registries gRPC service: Login checks credentials against a
// registry, Logout drops the daemon's cached tokens for it, List returns the
// configured mirrors and insecure registries. A thin adapter: the registry
// work is done by engine::registry::RegistryClient (CheckLogin and
// ForgetTokens), reached through the two callbacks of RegistryAuthOps so
// that this adapter does not depend on how the client is built.
//
// Thread-safe when the callbacks are.

#ifndef ENGINE_SERVICES_REGISTRIES_SERVICE_H_
#define ENGINE_SERVICES_REGISTRIES_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/registries.grpc.pb.h"

namespace engine::services {

struct LoginCredentials {
  std::string username;
  std::string password;
  std::string identity_token;
};

struct RegistryAuthOps {
  // RegistryClient::CheckLogin(domain, creds): OK if the registry accepts the
  // credentials; UNAUTHENTICATED with the registry's message if not;
  // UNAVAILABLE if it cannot be reached.
  std::function<absl::Status(absl::string_view domain,
                             const LoginCredentials& creds)>
      check_login;
  // RegistryClient::ForgetTokens(domain).
  std::function<void(absl::string_view domain)> forget_tokens;
};

struct RegistriesConfig {
  std::vector<std::string> insecure_registries;  // host[:port] or CIDR
  std::vector<std::string> registry_mirrors;     // URLs, for docker.io
};

// The registry domain a `docker login` server argument names: "" and the
// Docker Hub spellings ("docker.io", "index.docker.io",
// "registry-1.docker.io", "https://index.docker.io/v1/") become
// "docker.io"; otherwise the scheme and any path are dropped and the host
// is lower-cased ("https://Reg.example:5000/v2/" -> "reg.example:5000").
std::string NormalizeRegistryDomain(absl::string_view server_address);

class RegistriesService final : public berth::v1::Registries::Service {
 public:
  RegistriesService(RegistryAuthOps ops, RegistriesConfig config);

  // Returns status "Login Succeeded" and the normalised server address.
  // UNIMPLEMENTED when no registry client is wired in.
  grpc::Status Login(grpc::ServerContext* context,
                     const berth::v1::LoginRequest* request,
                     berth::v1::LoginResponse* response) override;
  grpc::Status Logout(grpc::ServerContext* context,
                      const berth::v1::LogoutRequest* request,
                      berth::v1::LogoutResponse* response) override;
  // docker.io (official, with the mirrors) first, then each insecure
  // registry; CIDRs go to insecure_registry_cidrs, which always holds
  // 127.0.0.0/8 (loopback registries are plain HTTP, as in Docker).
  grpc::Status List(grpc::ServerContext* context,
                    const berth::v1::ListRegistriesRequest* request,
                    berth::v1::ListRegistriesResponse* response) override;

 private:
  const RegistryAuthOps ops_;
  const RegistriesConfig config_;
};

}  // namespace engine::services

#endif  // ENGINE_SERVICES_REGISTRIES_SERVICE_H_
