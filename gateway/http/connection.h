// -----------------------------------------------------------------------------
// File: connection.h
// -----------------------------------------------------------------------------
//
// One client connection: reads HTTP/1.1 requests with Boost.Beast's parser,
// dispatches them through a Router and writes the answers, until the client
// closes, a timeout passes, a handler hijacks the socket, or an error makes
// the connection unusable (keep-alive otherwise).
//
// Every response carries the headers dockerd sets on all of its answers
// (Api-Version, Docker-Experimental, Ostype, Server) and a Date. Handler
// errors become Docker's {"message": ...} bodies with HttpStatusFor's status;
// request target errors (API version out of range, bad escapes) are 400 and
// unknown routes 404 "page not found", as dockerd answers them.

#ifndef GATEWAY_HTTP_CONNECTION_H_
#define GATEWAY_HTTP_CONNECTION_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/http/router.h"
#include "gateway/http/transport.h"

namespace gateway {

struct ConnectionOptions {
  // The engine's version, for "Server: Docker/<version> (linux)".
  std::string engine_version = "dev";
  // Largest request body accepted; larger ones get 413 and the connection
  // is closed.
  size_t max_body_bytes = 64 << 20;
  // Largest request head (request line and headers); 431 beyond.
  size_t max_header_bytes = 1 << 20;
  // Time allowed for a request head once its first byte arrived
  // (slowloris), and for the body after the head.
  absl::Duration header_timeout = absl::Seconds(30);
  absl::Duration body_timeout = absl::Minutes(5);
  // How long an idle keep-alive connection waits for its next request.
  absl::Duration idle_timeout = absl::Minutes(5);
};

// Serves requests on `transport` until the connection ends. Runs on the
// calling thread; `router` and `options` must outlive the call. A hijacked
// socket lives on in the RawConnection its handler received.
void ServeConnection(std::shared_ptr<Transport> transport, const Router& router,
                     const ConnectionOptions& options);

}  // namespace gateway

#endif  // GATEWAY_HTTP_CONNECTION_H_
