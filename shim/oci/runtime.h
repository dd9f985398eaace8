// -----------------------------------------------------------------------------
// File: runtime.h
// -----------------------------------------------------------------------------
//
// Berth's built-in OCI runtime, in the manner of crun's libcrun: it turns a
// bundle (an OCI runtime-spec config.json and a mounted rootfs) into a
// running, namespaced, cgroup-limited, seccomp-filtered process. The shim
// links it and is the parent (and child subreaper) of every process it
// creates.
//
// Lifecycle, as `runc create` / `runc start`:
//   1. CreateInit() clones the container's init into new namespaces, puts it
//      in its cgroup, mounts, pivots into the rootfs, applies hardening up to
//      the point of execve, and leaves it waiting. Errors up to there come
//      back from CreateInit (nothing is left behind on error).
//   2. Start() releases it: it execs the configured program. An executable
//      that is missing or not executable is reported by Start (NotFound /
//      PermissionDenied, Docker's wording), and the process is gone.
//   3. The caller reaps it (it is the caller's child) and calls Destroy()
//      once it has exited, to remove the cgroup.
// CreateExec() / Start() do the same for a process joining a running
// container (docker exec).
//
// Thread-safety: none; the shim is single-threaded. Errors carry errno and
// the path. The runtime never leaks a descriptor of the caller into the
// container (every fd >= 3 not in Stdio is closed before execve).

#ifndef SHIM_OCI_RUNTIME_H_
#define SHIM_OCI_RUNTIME_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shim::oci {

// The process's standard streams. With `terminal` (process.terminal in the
// spec) the runtime makes a pty inside the container and returns its
// master in Process::pty_master; the fds here are then ignored.
struct Stdio {
  int in = -1;   // read end for the process; -1 = /dev/null
  int out = -1;  // -1 = /dev/null
  int err = -1;  // -1 = /dev/null
};

// How the runtime works, as opposed to what it runs (that is the spec).
struct RuntimeOptions {
  // A root-only directory of compiled seccomp programs shared between
  // processes (seccomp_cache.h); empty compiles every time.
  std::string seccomp_cache_dir;
};

// A created, not yet started, process.
class Process {
 public:
  virtual ~Process() = default;
  // Host pid (the caller's child).
  virtual pid_t pid() const = 0;
  // Master side of the container's pty when the spec asked for a terminal,
  // else -1. Owned by the Process until TakePtyMaster().
  virtual int pty_master() const = 0;
  virtual int TakePtyMaster() = 0;
  // Execs the configured program. On error the process has exited; reap it.
  virtual absl::Status Start() = 0;
};

// A container: its cgroup and namespaces, created by CreateInit.
class Container {
 public:
  virtual ~Container() = default;

  // Creates the init process from `bundle`/config.json (root.path relative
  // to the bundle unless absolute). InvalidArgument for a spec the runtime
  // refuses (with the reason: a cwd through /proc/self/fd, a uid beyond
  // int32, an unknown capability...); the syscall error otherwise.
  static absl::StatusOr<std::unique_ptr<Container>> CreateInit(
      absl::string_view bundle, const Stdio& stdio, std::unique_ptr<Process>* init,
      const RuntimeOptions& options = {});

  // Creates a process joining this container's namespaces and cgroup.
  // `process_json` is an OCI "process" object.
  virtual absl::StatusOr<std::unique_ptr<Process>> CreateExec(
      absl::string_view process_json, const Stdio& stdio) = 0;

  // Freezes / thaws every process (cgroup freezer).
  virtual absl::Status Pause() = 0;
  virtual absl::Status Resume() = 0;

  // Sends `signal` to every process in the container's cgroup.
  virtual absl::Status KillAll(int signal) = 0;

  // Whether the kernel OOM-killed a process of this container since it was
  // created (memory.oom_control / memory.events).
  virtual bool OomKilled() = 0;

  // An fd that becomes readable when an OOM kill happens (an eventfd on
  // cgroup v1, memory.events on v2 via inotify), or -1. For the shim's poll loop.
  virtual int OomEventFd() = 0;

  // The container's cgroup path relative to the hierarchy root
  // ("/berth/<id>").
  virtual const std::string& cgroup_path() const = 0;

  // Removes the cgroup; call after every process has exited.
  virtual absl::Status Destroy() = 0;
};

}  // namespace shim::oci

#endif  // SHIM_OCI_RUNTIME_H_
