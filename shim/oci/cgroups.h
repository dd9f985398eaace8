// -----------------------------------------------------------------------------
// File: cgroups.h
// -----------------------------------------------------------------------------
//
// A container's cgroup: `<path>` (e.g. "/berth/<id>") under every cgroup v1
// controller Berth uses (memory, cpu, cpuacct, pids, freezer, devices, blkio,
// cpuset), or under the cgroup v2 root. The version is detected from the
// filesystem at /sys/fs/cgroup (cgroup2 there = v2; otherwise v1, and a
// hybrid's unified mount is ignored).
//
// Not thread-safe. Errors name the file and carry errno.

#ifndef SHIM_OCI_CGROUPS_H_
#define SHIM_OCI_CGROUPS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"
#include "shim/oci/spec.h"

namespace shim::oci {

class Cgroup {
 public:
  // Creates the cgroup (and its parents) and writes `resources`. The
  // directories are removed again on error. `path` must be absolute and
  // must not contain "..".
  static absl::StatusOr<std::unique_ptr<Cgroup>> Create(absl::string_view path,
                                                         const Resources& resources);
  // Opens an existing cgroup without writing anything (for tests and
  // reconnects).
  static absl::StatusOr<std::unique_ptr<Cgroup>> Open(absl::string_view path);

  bool v2() const { return v2_; }
  const std::string& path() const { return path_; }
  // Directory of the cgroup in each hierarchy in use.
  const std::vector<std::string>& dirs() const { return dirs_; }
  // (controller, directory) pairs; one ("", directory) pair on v2.
  const std::vector<std::pair<std::string, std::string>>& controllers() const {
    return controllers_;
  }

  // Moves `pid` into the cgroup (cgroup.procs of every hierarchy).
  absl::Status AddProcess(pid_t pid);
  // The files a single-threaded process writes "0" to, in order, to move
  // itself into the cgroup. On v1 these are the `tasks` files: moving its one
  // thread moves the whole process, and a thread that migrates itself skips
  // the kernel's global threadgroup lock, whose writer waits for an RCU grace
  // period (5-20 ms per container start on cgroup v1 machines). On v2,
  // cgroup.procs.
  std::vector<std::string> SelfJoinFiles() const;
  // Pids in the cgroup.
  absl::StatusOr<std::vector<pid_t>> Pids();

  absl::Status Freeze();
  absl::Status Thaw();
  // Sends `signal` to every process: freezes first so that nothing forks in
  // between, then thaws (a SIGKILL is delivered to frozen tasks on thaw).
  absl::Status KillAll(int signal);

  // Whether an OOM kill happened in the cgroup (v1 memory.oom_control
  // oom_kill, v2 memory.events oom_kill).
  bool OomKilled();
  // Readable when an OOM kill happens: a cgroup v1 eventfd registered through
  // cgroup.event_control, or on v2 an inotify fd watching memory.events
  // (spurious wake-ups possible: recheck OomKilled()). -1 when unavailable.
  // Owned by the Cgroup.
  int OomEventFd();

  // Removes the cgroup directories, retrying while the kernel still counts
  // exiting tasks (up to about two seconds). OK when already gone.
  absl::Status Destroy();

 private:
  Cgroup() = default;
  absl::Status Init(absl::string_view path);
  absl::Status ApplyV1(const Resources& r);
  absl::Status ApplyV2(const Resources& r);
  std::string Dir(absl::string_view controller) const;

  bool v2_ = false;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> controllers_;  // name, dir
  std::vector<std::string> dirs_;
  base::UniqueFd oom_fd_;
  base::UniqueFd oom_control_fd_;
  bool oom_fd_tried_ = false;
};

}  // namespace shim::oci

#endif  // SHIM_OCI_CGROUPS_H_
