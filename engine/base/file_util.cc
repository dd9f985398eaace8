#include "engine/base/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <ftw.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/unique_fd.h"

namespace base {

absl::StatusOr<std::string> ReadFile(absl::string_view path, size_t max_bytes) {
  std::string p(path);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(errno, absl::StrCat("open ", p));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, absl::StrCat("read ", p));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("read ", p, ": file exceeds ", max_bytes, " bytes"));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ListDirAt(int dir_fd) {
  // fdopendir takes ownership of its descriptor: give it a fresh one.
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open directory");
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(err, "fdopendir");
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    absl::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoError(err, "readdir");
  return names;
}

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, absl::StrCat("write ", what));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SyncDir(absl::string_view path) {
  std::string p(path);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(errno, absl::StrCat("open ", p));
  if (::fsync(fd.get()) != 0) return ErrnoError(errno, absl::StrCat("fsync ", p));
  return absl::OkStatus();
}

namespace {

// Temp file, write, chmod, optional fsync, rename over `path`.
absl::Status WriteAndRename(const std::string& path, absl::string_view data, mode_t mode,
                            bool sync) {
  std::string tmp = absl::StrCat(path, ".tmp-", ::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoError(errno, absl::StrCat("open ", tmp));
  absl::Status s = WriteAll(fd.get(), data, tmp);
  if (s.ok() && ::fchmod(fd.get(), mode) != 0) {
    s = ErrnoError(errno, absl::StrCat("chmod ", tmp));
  }
  if (s.ok() && sync && ::fsync(fd.get()) != 0) {
    s = ErrnoError(errno, absl::StrCat("fsync ", tmp));
  }
  fd.reset();
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = ErrnoError(errno, absl::StrCat("rename ", tmp, " ", path));
  }
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

}  // namespace

absl::Status WriteFileAtomic(absl::string_view path, absl::string_view data,
                             mode_t mode) {
  std::string p(path);
  std::string dir = ".";
  if (size_t slash = p.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : p.substr(0, slash);
  }
  RETURN_IF_ERROR(WriteAndRename(p, data, mode, /*sync=*/true));
  return SyncDir(dir);
}

absl::Status ReplaceFile(absl::string_view path, absl::string_view data, mode_t mode) {
  return WriteAndRename(std::string(path), data, mode, /*sync=*/false);
}

absl::Status MakeDirs(absl::string_view path, mode_t mode) {
  std::string p(path);
  if (p.empty()) return absl::InvalidArgumentError("mkdir: empty path");
  for (size_t i = 1; i <= p.size(); ++i) {
    if (i != p.size() && p[i] != '/') continue;
    std::string prefix = p.substr(0, i);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return ErrnoError(errno, absl::StrCat("mkdir ", prefix));
    }
  }
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return ErrnoError(errno, absl::StrCat("stat ", p));
  if (!S_ISDIR(st.st_mode)) {
    return ErrnoError(ENOTDIR, absl::StrCat("mkdir ", p));
  }
  return absl::OkStatus();
}

namespace {
int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  return ::remove(path) == 0 || errno == ENOENT ? 0 : errno;
}
}  // namespace

absl::Status RemoveAll(absl::string_view path) {
  std::string p(path);
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoError(errno, absl::StrCat("lstat ", p));
  }
  int rc = ::nftw(p.c_str(), RemoveEntry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (rc != 0) {
    return ErrnoError(rc > 0 ? rc : errno, absl::StrCat("remove ", p));
  }
  return absl::OkStatus();
}

bool PathExists(absl::string_view path) {
  struct stat st;
  return ::lstat(std::string(path).c_str(), &st) == 0;
}

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  bool a_slash = a.back() == '/';
  bool b_slash = b.front() == '/';
  if (a_slash && b_slash) return absl::StrCat(a, b.substr(1));
  if (a_slash || b_slash) return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

}  // namespace base
