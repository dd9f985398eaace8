// -----------------------------------------------------------------------------
// File: in_root.h
// -----------------------------------------------------------------------------
//
// Path resolution confined to a directory, for writing into a fresh snapshot.
// The kernel does the confinement (openat2 with RESOLVE_IN_ROOT): symlinks,
// absolute or relative, resolve as if the root were "/", so a path can never
// name anything outside it. Not a defence against a concurrent writer
// renaming directories inside the root (a fresh snapshot has none).

#ifndef ENGINE_ARCHIVE_IN_ROOT_H_
#define ENGINE_ARCHIVE_IN_ROOT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"

namespace engine::archive {

// OpenDirInRoot()
//
// Opens directory `path` (relative, "" or "." for the root itself) resolved
// inside `root_fd`, returning an O_PATH descriptor usable as the dirfd of
// *at() calls. With `create_missing`, missing components are created with
// mode 0755 (never through a dangling symlink: that is InvalidArgument).
// Errors: InvalidArgument "path escapes the layer root" when resolution hits
// a symlink loop, a magic link or a mount point (ELOOP/EXDEV), or "is not a
// directory" when a component is something else; NotFound without
// `create_missing`; errno statuses otherwise.
absl::StatusOr<base::UniqueFd> OpenDirInRoot(int root_fd, absl::string_view path,
                                             bool create_missing);

// RemoveAt()
//
// Removes `name` in directory `dir_fd` without following symlinks; a
// directory is removed with everything in it. OK if `name` does not exist.
absl::Status RemoveAt(int dir_fd, absl::string_view name);

}  // namespace engine::archive

#endif  // ENGINE_ARCHIVE_IN_ROOT_H_
