// -----------------------------------------------------------------------------
// File: mounts.h
// -----------------------------------------------------------------------------
//
// Builds the container's filesystem in its new mount namespace: makes the
// host's mounts slaves (or private), binds the rootfs onto itself, mounts the
// spec's mounts, creates /dev nodes, pivot_roots into the rootfs and masks and
// read-only-binds the spec's paths.
//
// Every destination is resolved inside the rootfs with openat2(2)
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and the mount is made onto the
// resolved fd (/proc/self/fd/N), so a symlink in the image can never send a
// mount outside the rootfs (CVE-2021-30465 class). proc and sysfs refuse a
// destination that is a symlink (CVE-2019-19921 class). Masking binds the
// host's /dev/null through a descriptor opened and verified (char 1:3) before
// the container's root is touched (CVE-2025-31133 class).
//
// Runs in the container's process between clone and execve; not
// thread-safe.

#ifndef SHIM_OCI_MOUNTS_H_
#define SHIM_OCI_MOUNTS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"
#include "shim/oci/spec.h"

namespace shim::oci {

struct MountContext {
  // For a "cgroup" mount: the container's own cgroup directories on the
  // host, with the name they get under the destination ("memory", ...;
  // empty on cgroup v2, where the directory is bound on the destination).
  std::vector<std::pair<std::string, std::string>> cgroup_dirs;
};

// Opens `path` (absolute or relative, resolved inside `root_fd`) with
// openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | `extra_resolve`.
absl::StatusOr<base::UniqueFd> OpenInRoot(int root_fd, absl::string_view path, int flags,
                                          uint64_t extra_resolve = 0);

// Creates `path` inside `root_fd` (missing directories, then the last
// component as a directory or, with `file`, an empty file) and returns it
// opened O_PATH.
absl::StatusOr<base::UniqueFd> CreateInRoot(int root_fd, absl::string_view path, bool file);

// Opens the host's /dev/null O_PATH and checks it is the char device 1:3.
absl::StatusOr<base::UniqueFd> OpenVerifiedDevNull();

// Everything up to and including pivot_root, masked and read-only paths.
// Afterwards "/" is the container's root and the cwd is "/".
absl::Status SetupRootfs(const Spec& spec, const MountContext& ctx);

}  // namespace shim::oci

#endif  // SHIM_OCI_MOUNTS_H_
