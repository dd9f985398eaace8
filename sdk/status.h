// -----------------------------------------------------------------------------
// File: status.h
// -----------------------------------------------------------------------------
//
// Conversion of gRPC statuses into `absl::Status`, and the two marks the SDK
// puts on the errors it returns so that a caller (the CLI) can word them as
// Docker does:
//
//   * a daemon error (the RPC reached berthd and berthd refused it) prints as
//     "Error response from daemon: <message>";
//   * a connection error (berthd could not be reached) prints as its message,
//     "Cannot connect to the Berth daemon at unix:///...: is the daemon running?".
//
// The numeric codes of grpc::StatusCode and absl::StatusCode are identical.

#ifndef SDK_STATUS_H_
#define SDK_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace grpc {
class Status;
}  // namespace grpc

namespace sdk {

// FromGrpcStatus()
//
// Returns `status` as an absl::Status with the same code and message. A non-OK
// result is marked as a daemon error (IsDaemonError() is true), except when
// gRPC itself reports that the transport failed (no connection, connection
// reset): that becomes a connection error for `host` (IsConnectionError()).
absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view host);

// ConnectionError()
//
// Returns Unavailable "Cannot connect to the Berth daemon at <host>: is the
// daemon running?", marked as a connection error.
absl::Status ConnectionError(absl::string_view host);

// IsDaemonError()
//
// True if `status` carries an error message produced by the daemon.
bool IsDaemonError(const absl::Status& status);

// IsConnectionError()
//
// True if `status` says the daemon could not be reached.
bool IsConnectionError(const absl::Status& status);

}  // namespace sdk

#endif  // SDK_STATUS_H_
