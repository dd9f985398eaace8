// -----------------------------------------------------------------------------
// File: unix_address.h
// -----------------------------------------------------------------------------
//
// UnixAddress: a sockaddr_un for a Unix socket path of any length. A path
// that fits sun_path (107 bytes) is used as is; a longer one is reached
// through an O_PATH descriptor of its directory, as
// "/proc/self/fd/<N>/<name>", which the object keeps open until destroyed.
// bind() and connect() both work through such an address, so deep state
// directories (a container's bundle under a long exec root) need no
// separate short socket directory.
//
// Move-only. Not thread-safe.

#ifndef ENGINE_BASE_UNIX_ADDRESS_H_
#define ENGINE_BASE_UNIX_ADDRESS_H_

#include <sys/socket.h>
#include <sys/un.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"

namespace base {

class UnixAddress {
 public:
  // InvalidArgument for an empty path or a final name too long even alone;
  // the open error of the directory otherwise.
  static absl::StatusOr<UnixAddress> For(absl::string_view path);

  const struct sockaddr* addr() const {
    return reinterpret_cast<const struct sockaddr*>(&addr_);
  }
  socklen_t size() const { return sizeof addr_; }

 private:
  UnixAddress() = default;
  struct sockaddr_un addr_ = {};
  UniqueFd dir_;
};

}  // namespace base

#endif  // ENGINE_BASE_UNIX_ADDRESS_H_
