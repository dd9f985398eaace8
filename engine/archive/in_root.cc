#include "engine/archive/in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine::archive {
namespace {

int OpenAt2(int dir_fd, const std::string& path, uint64_t flags, uint64_t resolve) {
  struct open_how how = {};
  how.flags = flags;
  how.resolve = resolve;
  for (int attempt = 0;; ++attempt) {
    long fd = syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof(how));
    // EAGAIN: a concurrent rename somewhere in the file system; retry.
    if (fd < 0 && (errno == EAGAIN || errno == EINTR) && attempt < 16) continue;
    return static_cast<int>(fd);
  }
}

absl::StatusOr<base::UniqueFd> OpenOnce(int root_fd, const std::string& path) {
  int fd = OpenAt2(root_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC,
                   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
  if (fd >= 0) return base::UniqueFd(fd);
  const int err = errno;
  if (err == ELOOP || err == EXDEV) {
    return absl::InvalidArgumentError(
        absl::StrCat("path escapes the layer root (resolving \"", path, "\": ", strerror(err), ")"));
  }
  if (err == ENOTDIR) {
    return absl::InvalidArgumentError(absl::StrCat("\"", path, "\" is not a directory"));
  }
  return base::ErrnoError(err, absl::StrCat("open \"", path, "\" in layer root"));
}

absl::Status RemoveChildren(int dir_fd, int depth) {
  if (depth > 4096) return absl::ResourceExhaustedError("directory tree too deep to remove");
  ASSIGN_OR_RETURN(std::vector<std::string> names, base::ListDirAt(dir_fd));
  for (const std::string& n : names) RETURN_IF_ERROR(RemoveAt(dir_fd, n));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<base::UniqueFd> OpenDirInRoot(int root_fd, absl::string_view path,
                                             bool create_missing) {
  std::string p = path.empty() ? "." : std::string(path);
  absl::StatusOr<base::UniqueFd> fd = OpenOnce(root_fd, p);
  if (fd.ok() || !create_missing || !absl::IsNotFound(fd.status())) return fd;

  // Slow path: walk the prefixes, creating what is missing. Each prefix is
  // resolved from the root again, so symlinks keep their in-root meaning.
  ASSIGN_OR_RETURN(base::UniqueFd parent, OpenOnce(root_fd, "."));
  std::string prefix;
  for (absl::string_view comp : absl::StrSplit(p, '/', absl::SkipEmpty())) {
    prefix = prefix.empty() ? std::string(comp) : absl::StrCat(prefix, "/", comp);
    absl::StatusOr<base::UniqueFd> next = OpenOnce(root_fd, prefix);
    if (!next.ok() && absl::IsNotFound(next.status())) {
      const std::string name(comp);
      if (mkdirat(parent.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        return base::ErrnoError(errno, absl::StrCat("mkdir \"", prefix, "\" in layer root"));
      }
      next = OpenOnce(root_fd, prefix);
      if (!next.ok() && absl::IsNotFound(next.status())) {
        // Still missing after mkdir: `comp` is a dangling symlink.
        return absl::InvalidArgumentError(
            absl::StrCat("cannot create directory \"", prefix, "\": a dangling symlink is in the way"));
      }
    }
    if (!next.ok()) return next.status();
    parent = std::move(*next);
  }
  return parent;
}

absl::Status RemoveAt(int dir_fd, absl::string_view name) {
  const std::string n(name);
  struct stat st;
  if (fstatat(dir_fd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return base::ErrnoError(errno, absl::StrCat("stat \"", n, "\""));
  }
  if (S_ISDIR(st.st_mode)) {
    int fd = openat(dir_fd, n.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return base::ErrnoError(errno, absl::StrCat("open \"", n, "\""));
    base::UniqueFd child(fd);
    static thread_local int depth = 0;
    ++depth;
    absl::Status s = RemoveChildren(child.get(), depth);
    --depth;
    if (!s.ok()) return s;
    if (unlinkat(dir_fd, n.c_str(), AT_REMOVEDIR) != 0) {
      return base::ErrnoError(errno, absl::StrCat("rmdir \"", n, "\""));
    }
    return absl::OkStatus();
  }
  if (unlinkat(dir_fd, n.c_str(), 0) != 0 && errno != ENOENT) {
    return base::ErrnoError(errno, absl::StrCat("unlink \"", n, "\""));
  }
  return absl::OkStatus();
}

}  // namespace engine::archive
