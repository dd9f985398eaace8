// -----------------------------------------------------------------------------
// File: file_util.h
// -----------------------------------------------------------------------------
//
// Small, crash-safe file helpers. Every error names the syscall and the path
// (`open /x: No such file or directory`). All functions are thread-compatible.

#ifndef ENGINE_BASE_FILE_UTIL_H_
#define ENGINE_BASE_FILE_UTIL_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace base {

// Reads the whole file at `path`. Fails with ResourceExhausted if it is
// larger than `max_bytes`.
absl::StatusOr<std::string> ReadFile(absl::string_view path,
                                     size_t max_bytes = 64 << 20);

// Writes `data` to `path` atomically: a temporary file in the same directory
// is written, fsynced and renamed over `path`, then the directory is fsynced.
// A crash leaves either the old or the new content, never a mix.
absl::Status WriteFileAtomic(absl::string_view path, absl::string_view data,
                             mode_t mode = 0644);

// Writes `data` to `path` as WriteFileAtomic does but without fsync: a
// process crash still leaves the old or the new content, a machine crash may
// leave neither. For files a reboot makes meaningless or that are rebuilt
// when missing (runtime state under the exec root, a container's generated
// /etc files), where two fsyncs per file would dominate a container start.
absl::Status ReplaceFile(absl::string_view path, absl::string_view data,
                         mode_t mode = 0644);

// The names in the directory open as `dir_fd`, without "." and "..", in
// readdir order. `dir_fd` is not moved or closed.
absl::StatusOr<std::vector<std::string>> ListDirAt(int dir_fd);

// Writes all of `data` to `fd`, retrying short writes and EINTR. `what`
// names the file in errors.
absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what);

// Creates `path` and its missing parents with `mode`. OK if it exists as a
// directory already.
absl::Status MakeDirs(absl::string_view path, mode_t mode = 0755);

// Removes `path` recursively, without following symlinks. OK if absent.
absl::Status RemoveAll(absl::string_view path);

// fsyncs the directory at `path` (to persist a rename or create in it).
absl::Status SyncDir(absl::string_view path);

// Returns whether `path` exists (without following a final symlink).
bool PathExists(absl::string_view path);

// Joins path components with single slashes.
std::string JoinPath(absl::string_view a, absl::string_view b);

}  // namespace base

#endif  // ENGINE_BASE_FILE_UTIL_H_
