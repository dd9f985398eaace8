// -----------------------------------------------------------------------------
// File: response_writer.h
// -----------------------------------------------------------------------------
//
// How a route handler answers: one complete response (Send), a chunked stream
// (StartStream, Write..., Finish), or a hijacked raw connection (Hijack) for
// attach and exec, where Docker's clients switch the socket to a raw
// bidirectional byte stream after the response head.
//
// A ResponseWriter is owned by the server and valid only during the handler
// call. Not thread-safe: one handler thread uses it. A RawConnection returned
// by Hijack is owned by the handler; it may be read by one thread while
// another writes.

#ifndef GATEWAY_HTTP_RESPONSE_WRITER_H_
#define GATEWAY_HTTP_RESPONSE_WRITER_H_

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gateway {

// The client's socket after a hijack.
class RawConnection {
 public:
  virtual ~RawConnection() = default;  // closes the socket

  // Reads up to `size` bytes into `buffer`; 0 when the client has closed or
  // half-closed its side. Bytes the client sent right after the request head
  // come first. An error when the socket fails or Close() was called.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t size) = 0;
  // Writes all of `data`; an error once the client is gone.
  virtual absl::Status Write(absl::string_view data) = 0;
  // Half-closes the sending side (shutdown SHUT_WR): the client reads EOF.
  virtual void CloseWrite() = 0;
  // Shuts the socket down both ways; a blocked Read returns at once.
  virtual void Close() = 0;
};

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // Adds a header to the response; only before it starts.
  virtual void SetHeader(absl::string_view name, absl::string_view value) = 0;

  // Sends a complete response with Content-Length. `content_type` may be
  // empty (no body, e.g. 204 or 304).
  virtual absl::Status Send(int status, absl::string_view content_type,
                            absl::string_view body) = 0;

  // Sends the head of a chunked response at once (clients such as `docker
  // run` wait for the head of /wait before they start the container).
  virtual absl::Status StartStream(int status, absl::string_view content_type) = 0;
  // Sends `data` as one chunk and flushes it. Unavailable once the client has
  // gone: the handler should stop and return.
  virtual absl::Status Write(absl::string_view data) = 0;
  // Ends the chunked stream.
  virtual absl::Status Finish() = 0;

  // Hijack()
  //
  // Answers "101 UPGRADED" with "Connection: Upgrade" and "Upgrade: tcp"
  // when the request asked to upgrade, else "200 OK" with `content_type`
  // and no length, and hands the socket to the caller. The HTTP connection
  // ends with the returned object.
  virtual absl::StatusOr<std::unique_ptr<RawConnection>> Hijack(
      absl::string_view content_type) = 0;

  // True once the client has closed the connection (checked without
  // blocking), so long waits such as /events and /wait can stop early.
  // Unlike the other methods it may be called from another thread (a
  // watchdog that cancels an SDK stream) while the handler thread writes.
  virtual bool ClientGone() = 0;

  // True once any part of the response has been sent.
  virtual bool started() const = 0;
};

}  // namespace gateway

#endif  // GATEWAY_HTTP_RESPONSE_WRITER_H_
