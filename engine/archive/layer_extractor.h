// -----------------------------------------------------------------------------
// File: layer_extractor.h
// -----------------------------------------------------------------------------
//
// ExtractLayer() applies one OCI/Docker layer tar (already decompressed, see
// decompress.h) to an empty directory: the upper dir of a new overlay
// snapshot. libarchive only parses the tar (pax, GNU and ustar; no filters);
// every file system change is made by this code with *at() calls relative to
// directory fds obtained with openat2(RESOLVE_IN_ROOT), so no entry can reach
// outside the root, whatever symlinks earlier entries created.
//
// Rules applied to each entry:
//   - Names are cleaned ("./a//b/" -> "a/b"). Absolute names and names with a
//     ".." component are rejected. "." (the root itself) may carry metadata.
//   - Parent directories missing from the tar are created (mode 0755).
//   - An existing entry at the same name is replaced (recursively for a
//     directory), except that a directory over a directory keeps its content.
//   - Symlinks are stored as they are (they may point anywhere) and are never
//     followed except as parent components, which resolve inside the root
//     (an absolute symlink target means the layer root, as in a chroot).
//   - Hardlink targets resolve inside the root and must be a regular file or
//     symlink already extracted from this layer.
//   - Character and block devices are rejected; FIFOs are created.
//   - Whiteouts become overlayfs whiteouts: `d/.wh.x` is a 0/0 character
//     device at `d/x`, `d/.wh..wh..opq` sets `trusted.overlay.opaque=y` on `d`.
//   - PAX xattrs: `user.*` and `security.capability` are applied; `trusted.*`,
//     other `security.*` and any other namespace are rejected.
//   - Owner (numeric uid/gid), mode including setuid/setgid/sticky and mtimes
//     are applied; directory mtimes are set after the last entry.
//
// Needs CAP_CHOWN, CAP_FOWNER, CAP_MKNOD and CAP_SYS_ADMIN (trusted.* xattr):
// run as root.

#ifndef ENGINE_ARCHIVE_LAYER_EXTRACTOR_H_
#define ENGINE_ARCHIVE_LAYER_EXTRACTOR_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/byte_source.h"
#include "engine/base/digest.h"

namespace engine::archive {

struct ExtractOptions {
  // Cap on the uncompressed tar stream; more is ResourceExhausted.
  uint64_t max_total_bytes = 64ull << 30;
  // Cap on the number of tar entries; more is ResourceExhausted.
  uint64_t max_entries = 1000000;
  // Longest accepted entry name (and link target) in bytes; longer is
  // InvalidArgument. Each component is limited to 255 bytes as well.
  size_t max_name_bytes = 4096;
};

struct ExtractResult {
  base::Digest diff_id;    // sha256 of the uncompressed tar stream exactly as read
  uint64_t tar_bytes;      // size of the uncompressed tar
  uint64_t content_bytes;  // sum of regular-file data written
};

// ExtractLayer()
//
// Reads `tar` to its end and extracts it into `root_dir`, which must exist
// and is normally empty. `tar` is not owned. Bytes after the end-of-archive
// marker are read and hashed too, so `diff_id` covers the whole stream.
//
// Errors (each names the offending entry: `layer entry "../x": path escapes
// the layer root`):
//   InvalidArgument    an entry breaks a rule above (escape, absolute name,
//                      device node, bad whiteout, forbidden xattr, bad
//                      hardlink, name too long).
//   DataLoss           the tar is truncated or corrupt.
//   ResourceExhausted  a cap in `options` was exceeded.
//   other codes        a syscall failed (with its errno text) or `tar`
//                      failed (its status, unchanged).
// On error, whatever was written stays inside `root_dir` (the caller
// discards the snapshot); nothing outside `root_dir` is ever modified.
absl::StatusOr<ExtractResult> ExtractLayer(base::ByteSource* tar, absl::string_view root_dir,
                                           const ExtractOptions& options = ExtractOptions());

}  // namespace engine::archive

#endif  // ENGINE_ARCHIVE_LAYER_EXTRACTOR_H_
