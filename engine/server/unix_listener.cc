#include "engine/server/unix_listener.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/socket_path.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace server {
absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::Create(
    absl::string_view path_view, gid_t gid, mode_t mode) {
  std::string path(path_view);
  size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash + 1 == path.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket path ", path, " must be an absolute file path"));
  }
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  RETURN_IF_ERROR(base::SocketPathAddress(path).status());
  RETURN_IF_ERROR(base::MakeDirs(dir, 0755));
  RETURN_IF_ERROR(base::CheckSocketPathFree(path));
  if (base::PathExists(path)) LOG_INFO("removing stale socket", {{"path", path}});

  std::string tmpl = base::JoinPath(dir, ".berth-sock-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return base::ErrnoError(errno, absl::StrCat("mkdtemp ", tmpl));
  }
  const std::string private_dir = tmpl;
  const std::string tmp_path = base::JoinPath(private_dir, "s");
  auto cleanup = [&]() {
    unlink(tmp_path.c_str());
    rmdir(private_dir.c_str());
  };

  absl::Status status;
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct stat st = {};
  do {
    if (!fd.valid()) {
      status = base::ErrnoError(errno, "socket");
      break;
    }
    absl::StatusOr<sockaddr_un> addr = base::SocketPathAddress(tmp_path);
    if (!addr.ok()) {
      status = addr.status();
      break;
    }
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof(*addr)) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("bind ", tmp_path));
      break;
    }
    uid_t owner = geteuid() == 0 ? 0 : static_cast<uid_t>(-1);
    if (lchown(tmp_path.c_str(), owner, gid) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("chown ", tmp_path));
      break;
    }
    if (chmod(tmp_path.c_str(), mode) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("chmod ", tmp_path));
      break;
    }
    if (listen(fd.get(), SOMAXCONN) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("listen ", tmp_path));
      break;
    }
    if (lstat(tmp_path.c_str(), &st) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("stat ", tmp_path));
      break;
    }
    if (rename(tmp_path.c_str(), path.c_str()) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("rename ", tmp_path, " ", path));
      break;
    }
  } while (false);
  cleanup();
  RETURN_IF_ERROR(status);

  base::UniqueFd wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    unlink(path.c_str());
    return base::ErrnoError(errno, "eventfd");
  }
  return std::unique_ptr<UnixListener>(new UnixListener(
      path, std::move(fd), std::move(wake), st.st_dev, st.st_ino));
}

UnixListener::UnixListener(std::string path, base::UniqueFd fd,
                           base::UniqueFd wake, dev_t dev, ino_t ino)
    : path_(std::move(path)), fd_(std::move(fd)), wake_(std::move(wake)),
      dev_(dev), ino_(ino) {}

UnixListener::~UnixListener() {
  Stop();
  struct stat st;
  if (lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    unlink(path_.c_str());
  }
}

void UnixListener::Start(std::function<void(int)> on_connection) {
  on_connection_ = std::move(on_connection);
  thread_ = std::thread([this] { AcceptLoop(); });
}

void UnixListener::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof(one));
  thread_.join();
}

void UnixListener::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{fd_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      LOG_ERROR("poll API socket failed", {{"error", strerror(errno)}});
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int conn = accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
      LOG_WARN("accept on API socket failed",
               {{"path", path_}, {"error", strerror(errno)}});
      // EMFILE and the like: back off instead of spinning.
      poll(&fds[1], 1, 100);
      continue;
    }
    on_connection_(conn);
  }
}

}  // namespace server
}  // namespace engine
