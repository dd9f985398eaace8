#include "engine/base/socket_path.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"

namespace base {

absl::StatusOr<sockaddr_un> SocketPathAddress(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "socket path ", path, " is too long (max ", sizeof(addr.sun_path) - 1, " bytes)"));
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

absl::Status CheckSocketPathFree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoError(errno, absl::StrCat("stat ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a socket"));
  }
  absl::StatusOr<sockaddr_un> addr = SocketPathAddress(path);
  if (!addr.ok()) return addr.status();
  UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return ErrnoError(errno, "socket");
  if (connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("another process is already listening on ", path));
  }
  return absl::OkStatus();
}

}  // namespace base
