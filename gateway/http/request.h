// -----------------------------------------------------------------------------
// File: request.h
// -----------------------------------------------------------------------------
//
// A Docker Engine API request as route handlers see it: the method, the path
// with its optional "/vX.Y" prefix removed, the API version that prefix asked
// for, the path parameters the router matched, the decoded query, the headers
// and the whole body (the server enforces the body limit before a handler
// runs). Plain data; not thread-safe to mutate, safe to read concurrently.

#ifndef GATEWAY_HTTP_REQUEST_H_
#define GATEWAY_HTTP_REQUEST_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gateway {

// An API version "major.minor" as in "/v1.41/...".
struct ApiVersion {
  int major = 1;
  int minor = 50;

  // Parses "1.41"; InvalidArgument otherwise.
  static absl::StatusOr<ApiVersion> Parse(absl::string_view text);
  std::string ToString() const;
  bool AtLeast(int major_, int minor_) const {
    return major > major_ || (major == major_ && minor >= minor_);
  }
  bool operator<(const ApiVersion& o) const {
    return major < o.major || (major == o.major && minor < o.minor);
  }
  bool operator==(const ApiVersion& o) const {
    return major == o.major && minor == o.minor;
  }
};

// The newest version the gateway speaks and the oldest it accepts.
inline constexpr ApiVersion kMaxApiVersion{1, 50};
inline constexpr ApiVersion kMinApiVersion{1, 24};

struct Request {
  std::string method;  // "GET", "POST", "HEAD", "DELETE", ...
  std::string path;    // "/containers/abc/json": no version prefix, no query
  ApiVersion version = kMaxApiVersion;  // the prefix's, else kMaxApiVersion
  std::map<std::string, std::string> params;       // from the route pattern
  std::multimap<std::string, std::string> query;   // percent-decoded
  std::map<std::string, std::string> headers;      // names lower-cased
  std::string body;

  // The first value of query parameter `name`, or `fallback`.
  std::string Query(absl::string_view name, absl::string_view fallback = "") const;
  // Every value of query parameter `name`, in order.
  std::vector<std::string> QueryAll(absl::string_view name) const;
  bool HasQuery(absl::string_view name) const;
  // Docker's boolValue(): false for absent, "", "0", "no", "false", "none"
  // (any case, spaces trimmed), true otherwise.
  bool QueryBool(absl::string_view name) const;
  // An integer parameter; `fallback` when absent or empty. InvalidArgument
  // naming the parameter when it is not an integer.
  absl::StatusOr<int64_t> QueryInt(absl::string_view name, int64_t fallback) const;
  // Header `name` (any case), or "".
  std::string Header(absl::string_view name) const;
  // A path parameter, or "".
  std::string Param(absl::string_view name) const;
};

// Splits a request target "/v1.41/containers/json?all=1&filters=%7B%7D" into
// `request->path`, `request->version` and `request->query`. InvalidArgument
// for a malformed version prefix or percent-encoding; FailedPrecondition with
// Docker's message for a version outside [kMinApiVersion, kMaxApiVersion]:
// "client version 1.12 is too old. Minimum supported API version is 1.24,
// please upgrade your client to a newer version" or "client version 1.99 is
// too new. Maximum supported API version is 1.50".
absl::Status ParseTarget(absl::string_view target, Request* request);

// Percent-decodes `text` ('+' becomes a space only when `plus_is_space`).
absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

}  // namespace gateway

#endif  // GATEWAY_HTTP_REQUEST_H_
