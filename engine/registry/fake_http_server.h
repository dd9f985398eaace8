// -----------------------------------------------------------------------------
// File: fake_http_server.h
// -----------------------------------------------------------------------------
//
// Test-only HTTP/1.1 server on 127.0.0.1 (one thread, one connection at a
// time, "Connection: close" on every answer) that records requests and lets
// a test script each answer, including cutting a body short. TLS client
// hellos are dropped at once, so clients probing HTTPS fall back quickly.

#ifndef ENGINE_REGISTRY_FAKE_HTTP_SERVER_H_
#define ENGINE_REGISTRY_FAKE_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace engine {
namespace registry {

struct FakeRequest {
  std::string method, target;                // target = path?query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // If >= 0, the connection is closed after this many body bytes although
  // Content-Length announces the whole body.
  long cut_after = -1;
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();

  int port() const { return port_; }
  std::string origin() const;  // "http://127.0.0.1:<port>"
  std::vector<FakeRequest> requests();

 private:
  void Serve();

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<FakeRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_FAKE_HTTP_SERVER_H_
