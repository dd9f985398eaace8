// -----------------------------------------------------------------------------
// File: unix_listener.h
// -----------------------------------------------------------------------------
//
// UnixListener owns berthd's API socket: a listening AF_UNIX stream socket at
// a path, mode 0660, owned root:<group>.
//
// No window of wider permissions. gRPC 1.51 cannot be given a listening
// descriptor (AddInsecureChannelFromFd takes *connected* ones), and if it
// binds the path itself the socket appears with the process umask's mode and
// root's group until someone chmods/chowns it. So berthd binds the socket
// itself, in private:
//   1. mkdtemp `<dir>/.berth-sock-XXXXXX` (mode 0700) in the socket's own
//      directory, so the final rename stays on one filesystem;
//   2. bind the socket inside it; whatever mode bind gives the inode, only
//      root can reach it, because connect(2) needs search permission on
//      every directory of the path;
//   3. chown root:<group>, chmod 0660, listen;
//   4. rename(2) it onto the final path: the path goes atomically from
//      "absent" (or a stale socket) to the finished 0660 root:<group> socket;
//   5. rmdir the private directory.
// An accept thread then hands each connection, non-blocking and
// close-on-exec, to a callback (berthd's: grpc::AddInsecureChannelFromFd).
//
// A file already at the path is replaced only if it is a socket nobody
// answers on: the caller must hold the DaemonLock of its data root, and a
// connect(2) probe refuses to replace the socket of a daemon running on
// another data root. Anything that is not a socket is left alone (an error).
//
// Thread-safety: Start and Stop are called from one thread; the callback
// runs on the accept thread.

#ifndef ENGINE_SERVER_UNIX_LISTENER_H_
#define ENGINE_SERVER_UNIX_LISTENER_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/socket_path.h"
#include "engine/base/unique_fd.h"

namespace engine {
namespace server {

class UnixListener {
 public:
  // Creates the listening socket at `path` with `mode`, owned by uid 0 (the
  // daemon runs as root; for another uid the owner is left as is) and `gid`.
  // Creates the parent directory (0755) when missing. FailedPrecondition if
  // something that is not a socket occupies `path`, or a live daemon answers
  // on it; InvalidArgument if the path is too long for sun_path.
  static absl::StatusOr<std::unique_ptr<UnixListener>> Create(
      absl::string_view path, gid_t gid, mode_t mode = 0660);

  // Stops accepting, closes the socket and unlinks the path if it is still
  // this listener's socket.
  ~UnixListener();
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  // Starts the accept thread. `on_connection` takes ownership of each
  // connected descriptor. Call at most once.
  void Start(std::function<void(int fd)> on_connection);

  // Stops the accept thread; no callback runs after it returns. New
  // connections are then refused once the backlog fills. Idempotent.
  void Stop();

  const std::string& path() const { return socket_file_.path(); }
  int fd() const { return fd_.get(); }

 private:
  UnixListener(base::UnixSocketFile socket_file, base::UniqueFd fd, base::UniqueFd wake);
  void AcceptLoop();

  base::UnixSocketFile socket_file_;
  base::UniqueFd fd_;
  base::UniqueFd wake_;  // eventfd: becomes readable on Stop
  std::function<void(int)> on_connection_;
  std::thread thread_;
};

}  // namespace server
}  // namespace engine

#endif  // ENGINE_SERVER_UNIX_LISTENER_H_
