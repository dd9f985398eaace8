// -----------------------------------------------------------------------------
// File: shim_launcher.h
// -----------------------------------------------------------------------------
//
// Starts a container's berth-shim: mounts the container's rootfs from its
// snapshot into the bundle, writes the bundle's config.json, spawns the shim
// (which detaches into its own session) and waits for its readiness line on
// a pipe: "ok\n" once the init process exists in the created state and the
// shim socket listens, or "error: <message>\n".
//
// Bundle layout (<exec-root>/containers/<id>/): config.json, rootfs/,
// shim.sock, shim.pid, exit, shim.log (the shim's own stderr).
//
// Thread-safe: Launch may run concurrently for different containers.

#ifndef ENGINE_RUNTIME_SHIM_LAUNCHER_H_
#define ENGINE_RUNTIME_SHIM_LAUNCHER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "engine/base/unique_fd.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/snapshots/overlay_snapshotter.h"

namespace engine::runtime {

struct LaunchSpec {
  std::string id;
  std::string bundle;       // <exec-root>/containers/<id>
  std::string config_json;  // the OCI runtime spec; root.path "rootfs"
  std::vector<snapshots::Mount> rootfs_mounts;
  std::string log_path;     // json-file log ("" with no_log)
  int64_t log_max_size = -1;  // bytes; -1 = unlimited
  int log_max_file = 1;
  bool no_log = false;
  // Keep the init's stdin open for attached clients (docker run -i).
  bool open_stdin = false;
  // Where shims keep compiled seccomp programs (shared by all containers;
  // root-only). Empty: every shim compiles its own.
  std::string seccomp_cache_dir;
  absl::Duration ready_timeout = absl::Seconds(10);
};

// Where the pieces of a bundle live.
std::string RootfsDir(absl::string_view bundle);
std::string SocketPath(absl::string_view bundle);

// The berth-shim to run: `override_path` when set (must exist), else
// berth-shim next to this executable, else ../shim/berth-shim relative to
// it (bazel-bin layout), else the first in $PATH. NotFound naming the
// places searched.
absl::StatusOr<std::string> FindShimBinary(absl::string_view override_path);

// Mounts `mounts` (a snapshot's, as OverlaySnapshotter::Mounts gives them)
// at `target`, creating it. OK if already mounted there (after a restart).
absl::Status MountRootfs(const std::vector<snapshots::Mount>& mounts,
                         const std::string& target);
// Lazily unmounts `target` if it is a mount point. OK if not mounted.
absl::Status UnmountRootfs(const std::string& target);

class ShimLauncher {
 public:
  explicit ShimLauncher(std::string shim_binary) : shim_binary_(std::move(shim_binary)) {}

  const std::string& shim_binary() const { return shim_binary_; }

  // Creates the bundle dir (0711), mounts the rootfs, writes config.json,
  // runs the shim and waits for it to be ready. On error the rootfs is
  // unmounted and the error carries the shim's message (its code follows
  // the runtime's wording: "executable file not found" -> NotFound, a
  // refused spec -> InvalidArgument; Unavailable when the shim died without
  // a word; DeadlineExceeded after `ready_timeout`).
  //
  // Every shim runs from one sealed in-memory copy of the binary, made on
  // first use: a container that gets the shim's code to run inside it
  // (#!/proc/self/exe, CVE-2019-5736) cannot write through /proc/<pid>/exe
  // to the binary on the host, and the copy's pages are shared by all shims.
  absl::Status Launch(const LaunchSpec& spec) const;

 private:
  // The fd of the sealed copy, made once.
  absl::StatusOr<int> SealedBinary() const;

  std::string shim_binary_;
  mutable absl::Mutex mu_;
  mutable base::UniqueFd sealed_ ABSL_GUARDED_BY(mu_);
};

// Maps the shim's "error: ..." text to a status (exposed for tests).
absl::Status ShimErrorStatus(absl::string_view message);

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_SHIM_LAUNCHER_H_
