// -----------------------------------------------------------------------------
// File: socket_path.h
// -----------------------------------------------------------------------------
//
// Checks for a Unix socket a server is about to bind at a path (berthd's API
// socket, the gateway's Docker API socket): the address must fit, and a file
// already there may only be a socket nobody answers on, left by a crash.

#ifndef ENGINE_BASE_SOCKET_PATH_H_
#define ENGINE_BASE_SOCKET_PATH_H_

#include <sys/un.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace base {

// The address of `path`. InvalidArgument "socket path <path> is too long
// (max 107 bytes)" when it does not fit sun_path.
absl::StatusOr<sockaddr_un> SocketPathAddress(const std::string& path);

// OK when nothing is at `path` or only a socket nobody accepts on (stale:
// the caller replaces it). FailedPrecondition "<path> exists and is not a
// socket" or "another process is already listening on <path>"; the stat
// error otherwise.
absl::Status CheckSocketPathFree(const std::string& path);

}  // namespace base

#endif  // ENGINE_BASE_SOCKET_PATH_H_
