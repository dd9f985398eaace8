// -----------------------------------------------------------------------------
// File: copy_up.h
// -----------------------------------------------------------------------------
//
// Docker's volume "copy-up": when a new, empty volume is mounted over a path
// that has content in the image, dockerd copies that content into the volume
// before the container first starts, and gives the volume's root the owner,
// mode and times of the image's directory.
//
// The rootfs comes from an image, so it is hostile input. The source
// directory is resolved by the kernel inside the rootfs (openat2 with
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV): its symlinks,
// absolute or relative, resolve as if the rootfs were "/". Below it every
// entry is opened relative to its parent's descriptor with O_NOFOLLOW, so
// nothing outside the rootfs is ever read. Only regular files, directories
// and symlinks are copied; symlinks are recreated as symlinks (never
// followed), device nodes, sockets and fifos are skipped, hard links become
// separate files. Owners, modes (including setuid bits) and times are kept.
// Everything is created with *at() calls under a descriptor of the
// destination, with O_EXCL / O_NOFOLLOW, so nothing outside it is written.
//
// Thread-safety: a pure function; callers serialise copies into one volume.

#ifndef ENGINE_VOLUMES_COPY_UP_H_
#define ENGINE_VOLUMES_COPY_UP_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace engine::volumes {

// CopyUp()
//
// Copies the content of directory `container_path` (absolute, as seen in
// the container) of the mounted rootfs `rootfs` into the directory
// `destination`, which must be empty (otherwise nothing is done, as
// dockerd does). When `container_path` does not exist in the rootfs, or is
// not a directory, nothing is copied and OK is returned.
//
// Errors: InvalidArgument when resolving the path hits a symlink loop, a
// magic link or a mount point, or the tree is deeper than 256 levels;
// errno statuses for I/O failures (a partial copy may be left behind).
absl::Status CopyUp(absl::string_view rootfs, absl::string_view container_path,
                    absl::string_view destination);

}  // namespace engine::volumes

#endif  // ENGINE_VOLUMES_COPY_UP_H_
