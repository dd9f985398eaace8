#include "engine/server/daemon_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace server {
namespace {

// Creates `dir` (and parents) and makes sure `dir` itself is 0700.
absl::Status PrepareDataRoot(const std::string& dir) {
  RETURN_IF_ERROR(base::MakeDirs(dir, 0700));
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    return base::ErrnoError(errno, absl::StrCat("stat ", dir));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data root ", dir, " is not a directory"));
  }
  if ((st.st_mode & 07777) != 0700 && chmod(dir.c_str(), 0700) != 0) {
    return base::ErrnoError(errno, absl::StrCat("chmod ", dir));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonLock>> DaemonLock::Acquire(
    absl::string_view data_root) {
  std::string root(data_root);
  RETURN_IF_ERROR(PrepareDataRoot(root));
  std::string path = base::JoinPath(root, "berthd.lock");
  base::UniqueFd fd(
      open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", path));
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return base::ErrnoError(errno, absl::StrCat("flock ", path));
    }
    char buf[32] = {};
    ssize_t n = pread(fd.get(), buf, sizeof(buf) - 1, 0);
    std::string pid = n > 0 ? std::string(absl::StripAsciiWhitespace(
                                  absl::string_view(buf, n)))
                            : "unknown";
    return absl::FailedPreconditionError(
        absl::StrCat("another berthd is already running on data root ", root,
                     " (pid ", pid, ")"));
  }
  std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd.get(), 0) != 0) {
    return base::ErrnoError(errno, absl::StrCat("truncate ", path));
  }
  if (pwrite(fd.get(), pid.data(), pid.size(), 0) !=
      static_cast<ssize_t>(pid.size())) {
    return base::ErrnoError(errno, absl::StrCat("write ", path));
  }
  return std::unique_ptr<DaemonLock>(new DaemonLock(root, std::move(fd)));
}

DaemonLock::~DaemonLock() { RemovePidfile(); }

absl::Status DaemonLock::WritePidfile(absl::string_view path) {
  std::string p(path);
  size_t slash = p.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    RETURN_IF_ERROR(base::MakeDirs(p.substr(0, slash), 0755));
  }
  RETURN_IF_ERROR(base::WriteFileAtomic(p, absl::StrCat(getpid()), 0644));
  pidfile_ = p;
  return absl::OkStatus();
}

void DaemonLock::RemovePidfile() {
  if (pidfile_.empty()) return;
  unlink(pidfile_.c_str());
  pidfile_.clear();
}

}  // namespace server
}  // namespace engine
