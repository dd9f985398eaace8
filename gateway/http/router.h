// -----------------------------------------------------------------------------
// File: router.h
// -----------------------------------------------------------------------------
//
// Maps a method and a version-less path to a handler, as dockerd's mux does.
// Patterns are literal segments and parameters: "/containers/{id}/json"
// captures one segment as "id"; "{name:.*}" captures one or more segments
// (image names contain "/": "/images/{name:.*}/json" matches
// "/images/localhost:5000/team/app/json" with name "localhost:5000/team/app").
// Literal routes win over parameter routes at the same position.
//
// Thread-safety: Add() before serving; Match() is then safe concurrently.

#ifndef GATEWAY_HTTP_ROUTER_H_
#define GATEWAY_HTTP_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/http/request.h"
#include "gateway/http/response_writer.h"

namespace gateway {

// A route handler. It answers through `writer`. When it returns an error and
// nothing has been sent yet, the server answers with Docker's error body and
// the status HttpStatusFor(error) (api_error.h); after the response started,
// the connection is closed instead.
using Handler = std::function<absl::Status(const Request&, ResponseWriter*)>;

class Router {
 public:
  // Registers `handler` for `method` ("GET", "POST", "HEAD", "DELETE", "PUT")
  // and `pattern`.
  void Add(absl::string_view method, absl::string_view pattern, Handler handler);

  // Finds the handler for `request->method` and `request->path` and fills
  // `request->params`. NotFound "page not found" when no pattern matches the
  // path; the same NotFound when the path matches only under other methods
  // (dockerd answers 404 then too).
  absl::StatusOr<const Handler*> Match(Request* request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool MatchSegments(const std::vector<std::string>& pattern, size_t pi,
                            const std::vector<std::string>& path, size_t si,
                            std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace gateway

#endif  // GATEWAY_HTTP_ROUTER_H_
