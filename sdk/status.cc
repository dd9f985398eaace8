#include "sdk/status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/support/status.h"

namespace sdk {
namespace {

constexpr char kOriginPayload[] = "type.berth.dev/sdk.error-origin";
constexpr char kOriginDaemon[] = "daemon";
constexpr char kOriginConnection[] = "connection";

absl::Status WithOrigin(absl::Status status, absl::string_view origin) {
  status.SetPayload(kOriginPayload, absl::Cord(origin));
  return status;
}

bool HasOrigin(const absl::Status& status, absl::string_view origin) {
  absl::optional<absl::Cord> payload = status.GetPayload(kOriginPayload);
  return payload.has_value() && *payload == origin;
}

// gRPC's own messages when the transport, not the daemon, failed.
bool IsTransportFailure(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
  const std::string& msg = status.error_message();
  return absl::StartsWith(msg, "failed to connect to all addresses") ||
         absl::StrContains(msg, "Connection refused") ||
         absl::StrContains(msg, "No such file or directory") ||
         absl::StrContains(msg, "Socket closed") ||
         absl::StrContains(msg, "Connection reset") ||
         absl::StrContains(msg, "Broken pipe") ||
         absl::StartsWith(msg, "empty address list");
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view host) {
  if (status.ok()) return absl::OkStatus();
  if (IsTransportFailure(status)) return ConnectionError(host);
  return WithOrigin(
      absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message()),
      kOriginDaemon);
}

absl::Status ConnectionError(absl::string_view host) {
  return WithOrigin(
      absl::UnavailableError(absl::StrCat("Cannot connect to the Berth daemon at ",
                                          host, ": is the daemon running?")),
      kOriginConnection);
}

bool IsDaemonError(const absl::Status& status) {
  return !status.ok() && HasOrigin(status, kOriginDaemon);
}

bool IsConnectionError(const absl::Status& status) {
  return !status.ok() && HasOrigin(status, kOriginConnection);
}

}  // namespace sdk
