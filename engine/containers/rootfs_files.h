// -----------------------------------------------------------------------------
// File: rootfs_files.h
// -----------------------------------------------------------------------------
//
// Reading the image's own files (/etc/passwd, /etc/group) and resolving
// paths inside a container's rootfs without ever leaving it. The rootfs is
// untrusted: its symlinks may point anywhere, its files may be huge, FIFOs
// or devices. Every open goes through openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS) from a descriptor of the rootfs, so absolute and
// relative symlinks resolve as if the rootfs were "/".
//
// Thread-safety: stateless functions; safe to call concurrently.

#ifndef ENGINE_CONTAINERS_ROOTFS_FILES_H_
#define ENGINE_CONTAINERS_ROOTFS_FILES_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace containers {

// Largest file ReadFileInRoot() reads.
constexpr size_t kMaxRootfsFileBytes = 1 << 20;

// ReadFileInRoot()
//
// Reads regular file `path` (absolute or relative; resolved inside `rootfs`).
// std::nullopt if it does not exist. InvalidArgument if it is not a regular
// file or larger than `max_bytes`; errno statuses otherwise.
absl::StatusOr<std::optional<std::string>> ReadFileInRoot(
    absl::string_view rootfs, absl::string_view path, size_t max_bytes = kMaxRootfsFileBytes);

// ResolvePathInRoot()
//
// The absolute, clean path that `path` (absolute) names inside `rootfs`
// once every symlink on the way is followed inside the rootfs ("/a/../b"
// → "/b", a link "/w -> /proc/self/cwd" → "/proc/self/cwd"). Components
// that do not exist are kept as written (the directory may be created
// later). InvalidArgument after 40 links (a loop); errno statuses otherwise.
absl::StatusOr<std::string> ResolvePathInRoot(absl::string_view rootfs, absl::string_view path);

// CleanPath()
//
// Lexical cleaning of an absolute path: "//a/./b/../c/" → "/a/c"; ".."
// never climbs above "/".
std::string CleanPath(absl::string_view path);

}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_ROOTFS_FILES_H_
