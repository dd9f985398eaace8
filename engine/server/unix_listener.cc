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
  const std::string path(path_view);
  // A socket left by a crash is replaced (a live one makes Create fail).
  if (!path.empty() && path[0] == '/' && base::PathExists(path) &&
      base::CheckSocketPathFree(path).ok()) {
    LOG_INFO("removing stale socket", {{"path", path}});
  }
  ASSIGN_OR_RETURN(base::UnixSocketFile socket_file,
                   base::UnixSocketFile::Create(path, gid, mode));
  base::UniqueFd wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    socket_file.Remove();
    return base::ErrnoError(errno, "eventfd");
  }
  base::UniqueFd fd = socket_file.TakeFd();
  return std::unique_ptr<UnixListener>(
      new UnixListener(std::move(socket_file), std::move(fd), std::move(wake)));
}

UnixListener::UnixListener(base::UnixSocketFile socket_file, base::UniqueFd fd,
                           base::UniqueFd wake)
    : socket_file_(std::move(socket_file)), fd_(std::move(fd)), wake_(std::move(wake)) {}

UnixListener::~UnixListener() {
  Stop();
  socket_file_.Remove();
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
               {{"path", socket_file_.path()}, {"error", strerror(errno)}});
      // EMFILE and the like: back off instead of spinning.
      poll(&fds[1], 1, 100);
      continue;
    }
    on_connection_(conn);
  }
}

}  // namespace server
}  // namespace engine
