// -----------------------------------------------------------------------------
// File: http_client.h
// -----------------------------------------------------------------------------
//
// A small libcurl wrapper for the registry protocol: one request at a time
// per call, bodies streamed both ways, redirects followed by hand so that
// the Authorization header never reaches another origin (scheme, host and
// port), HTTP and HTTPS only. No retries here: callers decide what is
// transient with `HttpResponse::transient`.
//
// HttpClient is thread-safe: each Perform() borrows an easy handle from a
// pool (kept for connection reuse) and returns it when done.

#ifndef ENGINE_REGISTRY_HTTP_CLIENT_H_
#define ENGINE_REGISTRY_HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/base/byte_source.h"
#include "engine/registry/curl_library.h"

namespace engine {
namespace registry {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;             // final HTTP status; 0 if none was received
  HttpHeaders headers;        // of the final response; names lower-cased
  std::string body;           // error bodies (capped) and non-streamed bodies
  std::string url;            // the URL that produced this response
  bool transient = false;     // the failure is a network fault worth retrying
  bool nothing_sent = false;  // the failure happened before any byte was sent

  // First value of header `name` (lower-case), "" if absent.
  std::string Header(absl::string_view name) const;
  // All values of header `name` (lower-case), in order.
  std::vector<std::string> Headers(absl::string_view name) const;
};

struct HttpRequest {
  std::string method = "GET";  // HEAD is sent without reading a body
  std::string url;
  HttpHeaders headers;

  // Request body: `body_source` if set (exactly `body_size` bytes are read
  // from it; it is not replayable, so such requests never follow
  // redirects), else `body` (sent when non-empty or `send_body` is set).
  absl::string_view body;
  bool send_body = false;
  base::ByteSource* body_source = nullptr;
  uint64_t body_size = 0;
  // Called with the running count of body bytes handed to the network.
  std::function<void(uint64_t sent)> upload_progress;

  // Called once when the final response's status and headers are known,
  // before any of its body is delivered.
  std::function<void(const HttpResponse& head)> on_response;
  // Receives the body of a final 2xx response, in order. An error aborts
  // the transfer and becomes Perform()'s result. If unset the body is
  // collected into HttpResponse::body, up to `max_body` bytes
  // (ResourceExhausted beyond).
  std::function<absl::Status(absl::string_view chunk)> sink;
  size_t max_body = 4 << 20;

  bool follow_redirects = true;  // at most 10, never for body_source requests
  bool tls_verify = true;
  std::string ca_file;  // extra CA bundle; the system store is always used
  std::string user_agent = "berth/0.1";
  absl::Duration connect_timeout = absl::Seconds(15);
  // The transfer fails (transiently) if no byte moves for this long.
  absl::Duration stall_timeout = absl::Seconds(60);
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs `request`. OK means an HTTP response arrived and was read whole
  // (any status: callers interpret 4xx/5xx). Errors: Unavailable for
  // network faults (`response->transient` says whether retrying may help),
  // ResourceExhausted for oversized collected bodies, InvalidArgument for
  // bad URLs or redirects, and whatever `sink` or `body_source` returned.
  absl::Status Perform(const HttpRequest& request, HttpResponse* response);

  // KeepLoaded()
  //
  // libcurl (curl_library.h) is loaded while a request runs or a token
  // returned here lives; when neither holds, pooled connections are closed
  // and libcurl is unloaded. A pull or push holds a token for its whole run
  // so that its requests reuse connections.
  std::shared_ptr<void> KeepLoaded();

 private:
  absl::StatusOr<std::shared_ptr<const CurlApi>> Enter();
  void Leave();
  void DropIdleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void* Acquire(const CurlApi& api);
  void Release(const CurlApi& api, void* handle);

  absl::Mutex mu_;
  int users_ ABSL_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const CurlApi> api_ ABSL_GUARDED_BY(mu_);
  std::vector<void*> idle_ ABSL_GUARDED_BY(mu_);
};

// Percent-encodes `s` for a URL query (RFC 3986 unreserved kept).
std::string UrlEncode(absl::string_view s);

// The origin ("scheme://host:port", port made explicit) of an absolute
// http(s) URL, or "" if it is not one.
std::string UrlOrigin(absl::string_view url);

// Resolves `location` (absolute, or path-absolute "/...") against `base`.
std::string ResolveUrl(absl::string_view base, absl::string_view location);

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_HTTP_CLIENT_H_
