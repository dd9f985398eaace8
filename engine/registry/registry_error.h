// -----------------------------------------------------------------------------
// File: registry_error.h
// -----------------------------------------------------------------------------
//
// Registry error responses read the way Docker's distribution client reads
// them, so messages match what Docker prints:
//   {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}
//     -> "manifest unknown: manifest unknown"
// A 401 whose Bearer challenge carries error="insufficient_scope" becomes
// DENIED ("denied: requested access to the resource is denied"), and token
// servers' {"details": "..."} bodies become "unauthorized: <details>".

#ifndef ENGINE_REGISTRY_REGISTRY_ERROR_H_
#define ENGINE_REGISTRY_REGISTRY_ERROR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/registry/http_client.h"

namespace engine {
namespace registry {

struct RegistryError {
  std::string code;     // "MANIFEST_UNKNOWN"; "" when the body held no error code
  std::string message;  // never empty

  // "<lower-case code, '_' as ' '>: <message>"; codes Docker does not know
  // read as "unknown"; just the message when `code` is empty.
  std::string Text() const;
};

// Parses a non-2xx response. Never returns an empty list.
std::vector<RegistryError> ParseRegistryErrors(const HttpResponse& response);

// Docker's errcode.Errors text: one error's Text(), or "errors:\n" followed
// by each on its own line.
std::string ErrorsText(const std::vector<RegistryError>& errors);

// The absl code for an HTTP error status: 400 InvalidArgument,
// 401 Unauthenticated, 403 PermissionDenied, 404 NotFound, 405 Unimplemented,
// 416 OutOfRange, 429 ResourceExhausted, 5xx Unavailable, else Unknown.
absl::StatusCode StatusCodeForHttp(int http_status);

// A status for an error response: StatusCodeForHttp() with ErrorsText().
absl::Status ResponseStatus(const HttpResponse& response);

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_REGISTRY_ERROR_H_
