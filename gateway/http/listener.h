// -----------------------------------------------------------------------------
// File: listener.h
// -----------------------------------------------------------------------------
//
// The gateway's listening sockets: `-H unix:///path` and `-H tcp://host:port`.
//
// The Unix socket appears at its path already finished, mode 0660 and owned
// root:<group>, as berthd's does: it is bound in a private 0700 directory
// beside the final path, chowned and chmodded there, then renamed into place,
// so there is no moment when a wider mode or the wrong group lets someone in.
// A stale socket (one nobody answers on) is replaced; anything else at the
// path is an error.

#ifndef GATEWAY_HTTP_LISTENER_H_
#define GATEWAY_HTTP_LISTENER_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"

namespace gateway {

// A parsed -H value.
struct ListenAddress {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp: "" or "0.0.0.0" for every address, "[::1]" unbracketed
  std::string port;  // kTcp
};

// Parses "unix:///run/berth/docker.sock", "/path", "tcp://127.0.0.1:2376",
// "tcp://:2376", "tcp://[::1]:2376". InvalidArgument otherwise.
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text);

// A listening Unix socket and the path it was renamed to.
class UnixSocketFile {
 public:
  // Creates the socket at `path` (creating its directory, 0755, if needed)
  // owned by uid 0 (when running as root) and `gid`, with `mode`.
  // FailedPrecondition when a live socket or a non-socket occupies `path`.
  static absl::StatusOr<UnixSocketFile> Create(const std::string& path, gid_t gid,
                                               mode_t mode = 0660);

  UnixSocketFile(UnixSocketFile&&) = default;
  UnixSocketFile& operator=(UnixSocketFile&&) = default;

  // Unlinks the path if it is still this socket. Idempotent.
  void Remove();

  const std::string& path() const { return path_; }
  // The listening descriptor (non-blocking, close-on-exec); ownership moves
  // to the caller.
  base::UniqueFd TakeFd() { return std::move(fd_); }

 private:
  UnixSocketFile() = default;
  std::string path_;
  base::UniqueFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// A listening TCP socket (SO_REUSEADDR, non-blocking, close-on-exec).
absl::StatusOr<base::UniqueFd> ListenTcp(const std::string& host,
                                         const std::string& port);

// The gid of group `name` (a number is taken as is). NotFound if unknown.
absl::StatusOr<gid_t> LookupGroup(const std::string& name);

}  // namespace gateway

#endif  // GATEWAY_HTTP_LISTENER_H_
