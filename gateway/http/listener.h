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
#include "engine/base/socket_path.h"
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

// A listening Unix socket at a path (engine/base/socket_path.h). Its
// descriptor is blocking: make it non-blocking before serving.
using UnixSocketFile = base::UnixSocketFile;
// A listening TCP socket (SO_REUSEADDR, non-blocking, close-on-exec).
absl::StatusOr<base::UniqueFd> ListenTcp(const std::string& host,
                                         const std::string& port);

// The gid of group `name` (a number is taken as is). NotFound if unknown.
absl::StatusOr<gid_t> LookupGroup(const std::string& name);

}  // namespace gateway

#endif  // GATEWAY_HTTP_LISTENER_H_
