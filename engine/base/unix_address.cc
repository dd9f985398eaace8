#include "engine/base/unix_address.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"

namespace base {

absl::StatusOr<UnixAddress> UnixAddress::For(absl::string_view path) {
  UnixAddress a;
  a.addr_.sun_family = AF_UNIX;
  if (path.empty()) return absl::InvalidArgumentError("empty socket path");
  std::string target(path);
  if (path.size() >= sizeof a.addr_.sun_path) {
    size_t slash = path.rfind('/');
    std::string dir = slash == absl::string_view::npos ? "." : std::string(path.substr(0, slash));
    if (dir.empty()) dir = "/";
    a.dir_.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!a.dir_.valid()) return ErrnoError(errno, absl::StrCat("open ", dir));
    target = absl::StrCat("/proc/self/fd/", a.dir_.get(), "/", path.substr(slash + 1));
    if (target.size() >= sizeof a.addr_.sun_path) {
      return absl::InvalidArgumentError(
          absl::StrCat("socket name too long: ", path.substr(slash + 1)));
    }
  }
  std::memcpy(a.addr_.sun_path, target.data(), target.size());
  return a;
}

}  // namespace base
