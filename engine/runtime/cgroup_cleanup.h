// -----------------------------------------------------------------------------
// File: cgroup_cleanup.h
// -----------------------------------------------------------------------------
//
// Removing a container's cgroup when its shim cannot: after a shim died
// (kill -9, crash), nothing else deletes "/berth/<id>", and processes of the
// container that outlived the shim (execs, or an init whose parent death
// signal did not fire) would keep running unnoticed. Docker does the same
// cleanup through `runc delete --force` when containerd finds a dead shim.
//
// Works on cgroup v1 (the cgroup under every hierarchy mounted at
// <root>/<name>) and v2 (<root> itself is the unified hierarchy).
//
// Thread-compatible; not for cgroups still managed by a live shim.

#ifndef ENGINE_RUNTIME_CGROUP_CLEANUP_H_
#define ENGINE_RUNTIME_CGROUP_CLEANUP_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace engine::runtime {

// The directories of cgroup `cgroup_path` (absolute, e.g. "/berth/<id>")
// that exist under `root`: one per v1 hierarchy, or the single v2 one.
std::vector<std::string> CgroupDirs(absl::string_view cgroup_path, absl::string_view root);

// SIGKILLs every process left in the cgroup (thawing a frozen one first, and
// freezing while signalling when a freezer is available so that nothing
// forks or exits between listing and signalling), waits for them to be gone
// and removes the cgroup's directories. OK when the cgroup does not exist.
// InvalidArgument for a relative path or one containing "..";
// DeadlineExceeded when processes remain after about `timeout_ms`;
// otherwise the errno of the failing rmdir/write with the path.
absl::Status KillAndRemoveCgroup(absl::string_view cgroup_path, absl::string_view root,
                                 int timeout_ms = 5000);

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_CGROUP_CLEANUP_H_
