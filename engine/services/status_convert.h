// -----------------------------------------------------------------------------
// File: status_convert.h
// -----------------------------------------------------------------------------
//
// absl::Status <-> grpc::Status at the API boundary. The canonical codes are
// numerically identical, so the code number and the message are kept as is
// (payloads are dropped).

#ifndef ENGINE_SERVICES_STATUS_CONVERT_H_
#define ENGINE_SERVICES_STATUS_CONVERT_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace engine::services {

// Same code number, same message. OK becomes grpc::Status::OK.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for the few places the engine calls a gRPC API itself.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace engine::services

#endif  // ENGINE_SERVICES_STATUS_CONVERT_H_
