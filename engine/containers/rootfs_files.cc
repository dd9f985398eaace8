#include "engine/containers/rootfs_files.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/unique_fd.h"

namespace engine {
namespace containers {
namespace {

constexpr int kMaxSymlinks = 40;

absl::StatusOr<base::UniqueFd> OpenRoot(absl::string_view rootfs) {
  std::string path(rootfs);
  int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, absl::StrCat("open rootfs ", rootfs));
  return base::UniqueFd(fd);
}

// openat2 in root; returns -1 with errno set on failure.
int OpenInRoot(int root_fd, const std::string& rel, uint64_t flags) {
  struct open_how how = {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, root_fd, rel.empty() ? "." : rel.c_str(), &how, sizeof(how));
    if (fd < 0 && errno == EAGAIN) continue;  // a concurrent rename; retry
    return static_cast<int>(fd);
  }
}

std::vector<std::string> Components(absl::string_view path) {
  std::vector<std::string> out;
  for (absl::string_view c : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    out.emplace_back(c);
  }
  return out;
}

}  // namespace

std::string CleanPath(absl::string_view path) {
  std::vector<std::string> stack;
  for (std::string& c : Components(path)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    stack.push_back(std::move(c));
  }
  return absl::StrCat("/", absl::StrJoin(stack, "/"));
}

absl::StatusOr<std::optional<std::string>> ReadFileInRoot(absl::string_view rootfs,
                                                          absl::string_view path,
                                                          size_t max_bytes) {
  ASSIGN_OR_RETURN(base::UniqueFd root, OpenRoot(rootfs));
  std::string rel = CleanPath(path).substr(1);
  // O_NONBLOCK: a FIFO planted by the image must not hang the daemon.
  base::UniqueFd fd(OpenInRoot(root.get(), rel, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
    return base::ErrnoError(errno, absl::StrCat("open ", path, " in the container's rootfs"));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return base::ErrnoError(errno, absl::StrCat("stat ", path));
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " in the image is not a regular file"));
  }
  std::string data;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, absl::StrCat("read ", path));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " in the image is larger than ", max_bytes, " bytes"));
    }
  }
  return std::optional<std::string>(std::move(data));
}

absl::StatusOr<std::string> ResolvePathInRoot(absl::string_view rootfs, absl::string_view path) {
  ASSIGN_OR_RETURN(base::UniqueFd root, OpenRoot(rootfs));
  std::vector<std::string> todo = Components(path);
  std::reverse(todo.begin(), todo.end());  // a stack: next component at the back
  std::vector<std::string> done;           // resolved components so far
  int links = 0;
  bool missing = false;  // once a component is missing, the rest is lexical
  while (!todo.empty()) {
    std::string c = std::move(todo.back());
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(c);
    if (missing) continue;
    std::string rel = absl::StrJoin(done, "/");
    // The parent is fully resolved, so this opens exactly `rel`'s last
    // component without following it.
    base::UniqueFd fd(OpenInRoot(root.get(), rel, O_PATH | O_NOFOLLOW));
    if (!fd.valid()) {
      if (errno == ENOENT) {
        missing = true;
        continue;
      }
      if (errno == ENOTDIR) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": a component of the path is not a directory"));
      }
      return base::ErrnoError(errno, absl::StrCat("resolve ", path, " in the container's rootfs"));
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return base::ErrnoError(errno, absl::StrCat("stat ", rel));
    if (!S_ISLNK(st.st_mode)) continue;
    if (++links > kMaxSymlinks) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": too many levels of symbolic links"));
    }
    char target[4096];
    ssize_t n = ::readlinkat(fd.get(), "", target, sizeof(target));
    if (n < 0) return base::ErrnoError(errno, absl::StrCat("readlink ", rel));
    absl::string_view link(target, static_cast<size_t>(n));
    done.pop_back();
    if (!link.empty() && link[0] == '/') done.clear();
    std::vector<std::string> more = Components(link);
    for (auto it = more.rbegin(); it != more.rend(); ++it) todo.push_back(std::move(*it));
  }
  return absl::StrCat("/", absl::StrJoin(done, "/"));
}

}  // namespace containers
}  // namespace engine
