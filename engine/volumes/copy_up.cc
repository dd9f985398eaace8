#include "engine/volumes/copy_up.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/unique_fd.h"

namespace engine::volumes {
namespace {

constexpr int kMaxDepth = 256;

int OpenInRoot(int root_fd, const std::string& path, uint64_t flags) {
  struct open_how how = {};
  how.flags = flags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  for (int attempt = 0;; ++attempt) {
    long fd = syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof(how));
    if (fd < 0 && (errno == EAGAIN || errno == EINTR) && attempt < 16) continue;
    return static_cast<int>(fd);
  }
}

// Owner, then mode (chown clears setuid bits), then times.
absl::Status ApplyMeta(int fd, const struct stat& st, const std::string& what) {
  if (fchown(fd, st.st_uid, st.st_gid) != 0) {
    return base::ErrnoError(errno, absl::StrCat("chown ", what));
  }
  if (fchmod(fd, st.st_mode & 07777) != 0) {
    return base::ErrnoError(errno, absl::StrCat("chmod ", what));
  }
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (futimens(fd, times) != 0) return base::ErrnoError(errno, absl::StrCat("utimes ", what));
  return absl::OkStatus();
}

absl::Status CopyData(int src, int dst, const std::string& what) {
  bool use_sendfile = true;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n;
    if (use_sendfile) {
      n = sendfile(dst, src, nullptr, 1 << 30);
      if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
        use_sendfile = false;
        continue;
      }
    } else {
      n = read(src, buf, sizeof(buf));
      if (n > 0) {
        RETURN_IF_ERROR(
            base::WriteAll(dst, absl::string_view(buf, static_cast<size_t>(n)), what));
      }
    }
    if (n == 0) return absl::OkStatus();
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, absl::StrCat("copy ", what));
    }
  }
}

absl::Status CopyFile(int src_dir, int dst_dir, const std::string& name,
                      const std::string& what) {
  base::UniqueFd src(openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!src.valid()) return base::ErrnoError(errno, absl::StrCat("open ", what));
  struct stat st;
  if (fstat(src.get(), &st) != 0) return base::ErrnoError(errno, absl::StrCat("stat ", what));
  if (!S_ISREG(st.st_mode)) return absl::OkStatus();  // changed under us: skip
  base::UniqueFd dst(openat(dst_dir, name.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!dst.valid()) return base::ErrnoError(errno, absl::StrCat("create ", what));
  RETURN_IF_ERROR(CopyData(src.get(), dst.get(), what));
  return ApplyMeta(dst.get(), st, what);
}

absl::Status CopySymlink(int src_dir, int dst_dir, const std::string& name,
                         const struct stat& st, const std::string& what) {
  std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
  for (;;) {
    ssize_t n = readlinkat(src_dir, name.c_str(), target.data(), target.size());
    if (n < 0) return base::ErrnoError(errno, absl::StrCat("readlink ", what));
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      break;
    }
    if (target.size() > 65536) {
      return absl::InvalidArgumentError(absl::StrCat("symlink target too long: ", what));
    }
    target.resize(target.size() * 2);
  }
  if (symlinkat(target.c_str(), dst_dir, name.c_str()) != 0) {
    return base::ErrnoError(errno, absl::StrCat("symlink ", what));
  }
  if (fchownat(dst_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, absl::StrCat("lchown ", what));
  }
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (utimensat(dst_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, absl::StrCat("utimes ", what));
  }
  return absl::OkStatus();
}

absl::Status CopyTree(int src_dir, int dst_dir, const std::string& where, int depth) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("directory tree too deep to copy into the volume at ", where));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> names, base::ListDirAt(src_dir));
  for (const std::string& name : names) {
    const std::string what = absl::StrCat(where, "/", name);
    struct stat st;
    if (fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return base::ErrnoError(errno, absl::StrCat("stat ", what));
    }
    if (S_ISREG(st.st_mode)) {
      RETURN_IF_ERROR(CopyFile(src_dir, dst_dir, name, what));
    } else if (S_ISLNK(st.st_mode)) {
      RETURN_IF_ERROR(CopySymlink(src_dir, dst_dir, name, st, what));
    } else if (S_ISDIR(st.st_mode)) {
      base::UniqueFd src(
          openat(src_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src.valid()) return base::ErrnoError(errno, absl::StrCat("open ", what));
      if (fstat(src.get(), &st) != 0) return base::ErrnoError(errno, absl::StrCat("stat ", what));
      if (mkdirat(dst_dir, name.c_str(), 0700) != 0) {
        return base::ErrnoError(errno, absl::StrCat("mkdir ", what));
      }
      base::UniqueFd dst(
          openat(dst_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dst.valid()) return base::ErrnoError(errno, absl::StrCat("open ", what));
      RETURN_IF_ERROR(CopyTree(src.get(), dst.get(), what, depth + 1));
      RETURN_IF_ERROR(ApplyMeta(dst.get(), st, what));
    }
    // Device nodes, sockets and fifos are skipped.
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CopyUp(absl::string_view rootfs, absl::string_view container_path,
                    absl::string_view destination) {
  base::UniqueFd root(open(std::string(rootfs).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return base::ErrnoError(errno, absl::StrCat("open rootfs ", rootfs));
  absl::string_view rel = container_path;
  while (absl::ConsumePrefix(&rel, "/")) {
  }
  const std::string path = rel.empty() ? "." : std::string(rel);
  base::UniqueFd src(OpenInRoot(root.get(), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src.valid()) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return absl::OkStatus();
    if (err == ELOOP || err == EXDEV) {
      return absl::InvalidArgumentError(absl::StrCat(
          "volume path ", container_path, " escapes the container's rootfs: ", strerror(err)));
    }
    return base::ErrnoError(err, absl::StrCat("open ", container_path, " in the rootfs"));
  }
  base::UniqueFd dst(
      open(std::string(destination).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst.valid()) return base::ErrnoError(errno, absl::StrCat("open ", destination));
  ASSIGN_OR_RETURN(std::vector<std::string> existing, base::ListDirAt(dst.get()));
  if (!existing.empty()) return absl::OkStatus();  // not empty: dockerd does not copy
  struct stat st;
  if (fstat(src.get(), &st) != 0) {
    return base::ErrnoError(errno, absl::StrCat("stat ", container_path));
  }
  const std::string where(container_path);
  RETURN_IF_ERROR(CopyTree(src.get(), dst.get(), where == "/" ? "" : where, 1));
  return ApplyMeta(dst.get(), st, where);
}

}  // namespace engine::volumes
