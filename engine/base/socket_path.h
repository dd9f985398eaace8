// -----------------------------------------------------------------------------
// File: socket_path.h
// -----------------------------------------------------------------------------
//
// Checks for a Unix socket a server is about to bind at a path (berthd's API
// socket, the gateway's Docker API socket): the address must fit, and a file
// already there may only be a socket nobody answers on, left by a crash.

#ifndef ENGINE_BASE_SOCKET_PATH_H_
#define ENGINE_BASE_SOCKET_PATH_H_

#include <sys/types.h>
#include <sys/un.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/base/unique_fd.h"

namespace base {

// The address of `path`. InvalidArgument "socket path <path> is too long
// (max 107 bytes)" when it does not fit sun_path.
absl::StatusOr<sockaddr_un> SocketPathAddress(const std::string& path);

// OK when nothing is at `path` or only a socket nobody accepts on (stale:
// the caller replaces it). FailedPrecondition "<path> exists and is not a
// socket" or "another process is already listening on <path>"; the stat
// error otherwise.
absl::Status CheckSocketPathFree(const std::string& path);

// A listening Unix socket file at a path, made so that the path never shows
// a socket with the wrong owner or mode: it is bound in a private directory
// beside `path`, given its owner and mode, then renamed into place.
// Move-only; not thread-safe.
class UnixSocketFile {
 public:
  // Creates the socket at `path` (an absolute path; its directory is created
  // 0755 if missing), owned by uid 0 when running as root and by `gid`, with
  // `mode`, replacing a stale socket (CheckSocketPathFree). The descriptor
  // is blocking and close-on-exec. InvalidArgument for a bad path;
  // FailedPrecondition when a live socket or a non-socket occupies it.
  static absl::StatusOr<UnixSocketFile> Create(const std::string& path, gid_t gid,
                                               mode_t mode = 0660);

  UnixSocketFile(UnixSocketFile&&) = default;
  UnixSocketFile& operator=(UnixSocketFile&&) = default;

  // Unlinks the path if it is still this socket (not one a later process
  // put there). Idempotent.
  void Remove();

  const std::string& path() const { return path_; }
  // The listening descriptor; ownership moves to the caller.
  UniqueFd TakeFd() { return std::move(fd_); }

 private:
  UnixSocketFile() = default;
  std::string path_;
  UniqueFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace base

#endif  // ENGINE_BASE_SOCKET_PATH_H_
