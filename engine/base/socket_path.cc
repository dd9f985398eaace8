#include "engine/base/socket_path.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
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

absl::StatusOr<UnixSocketFile> UnixSocketFile::Create(const std::string& path,
                                                      gid_t gid, mode_t mode) {
  size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash + 1 == path.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket path ", path, " must be an absolute file path"));
  }
  const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  if (absl::Status s = SocketPathAddress(path).status(); !s.ok()) return s;
  if (absl::Status s = MakeDirs(dir, 0755); !s.ok()) return s;
  if (absl::Status s = CheckSocketPathFree(path); !s.ok()) return s;

  std::string tmpl = JoinPath(dir, ".sock-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return ErrnoError(errno, absl::StrCat("mkdtemp ", tmpl));
  }
  const std::string private_dir = tmpl;
  const std::string tmp_path = JoinPath(private_dir, "s");

  UnixSocketFile out;
  absl::Status status;
  struct stat st = {};
  out.fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  do {
    if (!out.fd_.valid()) {
      status = ErrnoError(errno, "socket");
      break;
    }
    absl::StatusOr<sockaddr_un> addr = SocketPathAddress(tmp_path);
    if (!addr.ok()) {
      status = addr.status();
      break;
    }
    if (bind(out.fd_.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof(*addr)) != 0) {
      status = ErrnoError(errno, absl::StrCat("bind ", tmp_path));
      break;
    }
    uid_t owner = geteuid() == 0 ? 0 : static_cast<uid_t>(-1);
    if (lchown(tmp_path.c_str(), owner, gid) != 0) {
      status = ErrnoError(errno, absl::StrCat("chown ", tmp_path));
      break;
    }
    if (chmod(tmp_path.c_str(), mode) != 0) {
      status = ErrnoError(errno, absl::StrCat("chmod ", tmp_path));
      break;
    }
    if (listen(out.fd_.get(), SOMAXCONN) != 0) {
      status = ErrnoError(errno, absl::StrCat("listen ", tmp_path));
      break;
    }
    if (lstat(tmp_path.c_str(), &st) != 0) {
      status = ErrnoError(errno, absl::StrCat("stat ", tmp_path));
      break;
    }
    if (rename(tmp_path.c_str(), path.c_str()) != 0) {
      status = ErrnoError(errno, absl::StrCat("rename ", tmp_path, " ", path));
      break;
    }
  } while (false);
  unlink(tmp_path.c_str());
  rmdir(private_dir.c_str());
  if (!status.ok()) return status;
  out.path_ = path;
  out.dev_ = st.st_dev;
  out.ino_ = st.st_ino;
  return out;
}

void UnixSocketFile::Remove() {
  if (path_.empty()) return;
  struct stat st;
  if (lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    unlink(path_.c_str());
  }
  path_.clear();
}

}  // namespace base
