// -----------------------------------------------------------------------------
// File: server.h
// -----------------------------------------------------------------------------
//
// The shim's Unix socket: listens on a path with mode 0600 (created under a
// 0177 umask, so it is never wider), accepts connections, reads the one
// Request frame each connection carries and hands it to the call handler
// (proto/berth/shim/v1/shim.proto describes the protocol).
//
// The handler owns the connection from then on: it answers with
// SendResponse() and closes it, keeps it (wait), or turns it into a stream
// (attach). A malformed request is answered with INVALID_ARGUMENT and
// closed by the server itself. Not thread-safe (the loop's thread only).

#ifndef SHIM_SERVER_H_
#define SHIM_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"
#include "proto/berth/shim/v1/shim.pb.h"
#include "shim/connection.h"
#include "shim/event_loop.h"

namespace shim {

class Server {
 public:
  // `leftover` holds bytes the client sent after its request frame (the
  // first stream frames of an attach).
  using CallHandler = std::function<void(std::shared_ptr<Connection> conn,
                                         berth::shim::v1::Request request,
                                         std::string leftover)>;

  // Removes a stale socket at `path`, binds, listens. The path must be
  // shorter than sun_path (107 bytes): InvalidArgument otherwise.
  static absl::StatusOr<std::unique_ptr<Server>> Listen(EventLoop* loop, absl::string_view path,
                                                        CallHandler handler);
  // Stops listening (the socket file stays; see RemoveSocket).
  ~Server();

  // Unlinks the socket file.
  void RemoveSocket();
  const std::string& path() const { return path_; }

 private:
  Server(EventLoop* loop, std::string path, base::UniqueFd fd, CallHandler handler)
      : loop_(loop), path_(std::move(path)), fd_(std::move(fd)), handler_(std::move(handler)) {}
  void OnAccept();

  EventLoop* loop_;
  std::string path_;
  base::UniqueFd fd_;
  CallHandler handler_;
};

// Queues `response` on `conn` as one frame.
void SendResponse(Connection* conn, const berth::shim::v1::Response& response);
// Queues a response carrying `status` (OK: an empty success).
void SendStatus(Connection* conn, const absl::Status& status);
// Sets `response`'s error fields from `status`.
void SetResponseStatus(const absl::Status& status, berth::shim::v1::Response* response);

}  // namespace shim

#endif  // SHIM_SERVER_H_
