// -----------------------------------------------------------------------------
// File: daemon_lock.h
// -----------------------------------------------------------------------------
//
// DaemonLock makes berthd the only daemon on its data root. `Acquire`
// creates the data root with mode 0700 (tightening the mode of an existing
// root that is wider), takes `flock(LOCK_EX | LOCK_NB)` on
// `<data-root>/berthd.lock` and writes the daemon's pid into that file. The
// kernel drops the lock when the process dies, so a crashed daemon never
// blocks the next one. The pidfile is written only once the lock is held,
// so a refused second daemon never overwrites the first one's pidfile.
//
// Thread-compatible; one per process, held for the process lifetime.

#ifndef ENGINE_SERVER_DAEMON_LOCK_H_
#define ENGINE_SERVER_DAEMON_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"

namespace engine {
namespace server {

class DaemonLock {
 public:
  // Locks `data_root`. FailedPrecondition "another berthd is already running
  // on data root X (pid N)" when another process holds the lock; other
  // errors name the failed syscall and path.
  static absl::StatusOr<std::unique_ptr<DaemonLock>> Acquire(
      absl::string_view data_root);

  // Releases the lock and removes the pidfile written by WritePidfile.
  ~DaemonLock();
  DaemonLock(const DaemonLock&) = delete;
  DaemonLock& operator=(const DaemonLock&) = delete;

  // Writes this process's pid to `path` (atomically, mode 0644), creating
  // its parent directory. Any existing pidfile is stale, since we hold the
  // lock, and is replaced.
  absl::Status WritePidfile(absl::string_view path);

  // Removes the pidfile now (also done by the destructor).
  void RemovePidfile();

  const std::string& data_root() const { return data_root_; }

 private:
  DaemonLock(std::string data_root, base::UniqueFd fd)
      : data_root_(std::move(data_root)), fd_(std::move(fd)) {}

  std::string data_root_;
  base::UniqueFd fd_;
  std::string pidfile_;
};

}  // namespace server
}  // namespace engine

#endif  // ENGINE_SERVER_DAEMON_LOCK_H_
