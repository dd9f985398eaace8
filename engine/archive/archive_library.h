// -----------------------------------------------------------------------------
// File: archive_library.h
// -----------------------------------------------------------------------------
//
// libarchive, loaded while layers are being extracted and unloaded after
// (base::SharedLoader). Debian's libarchive links libxml2 and ICU among
// others; linked into berthd they kept about 2 MB resident in a daemon that
// extracts only during pulls.
//
// Thread-safe.

#ifndef ENGINE_ARCHIVE_ARCHIVE_LIBRARY_H_
#define ENGINE_ARCHIVE_ARCHIVE_LIBRARY_H_

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "absl/status/statusor.h"
#include "engine/base/shared_library.h"

namespace engine::archive {

// The libarchive entry points the extractor uses, under their own names.
#define BERTH_ARCHIVE_FUNCTIONS(X)                                                         \
  X(archive_read_new) X(archive_read_free) X(archive_read_support_format_tar)               \
  X(archive_read_open) X(archive_read_next_header) X(archive_read_data_block)               \
  X(archive_error_string) X(archive_set_error) X(archive_entry_pathname)                    \
  X(archive_entry_filetype) X(archive_entry_perm) X(archive_entry_size) X(archive_entry_uid) \
  X(archive_entry_gid) X(archive_entry_symlink) X(archive_entry_hardlink)                   \
  X(archive_entry_mtime) X(archive_entry_mtime_nsec) X(archive_entry_atime)                 \
  X(archive_entry_atime_nsec) X(archive_entry_atime_is_set) X(archive_entry_xattr_reset)    \
  X(archive_entry_xattr_next) X(archive_entry_pathname_utf8) X(archive_entry_hardlink_utf8)   \
  X(archive_entry_symlink_utf8)

struct ArchiveApi {
#define BERTH_ARCHIVE_MEMBER(name) decltype(&::name) name = nullptr;
  BERTH_ARCHIVE_FUNCTIONS(BERTH_ARCHIVE_MEMBER)
#undef BERTH_ARCHIVE_MEMBER
  std::unique_ptr<base::DlLibrary> library;
};

// AcquireArchive()
//
// libarchive's entry points, loading libarchive.so.13 if it is not loaded;
// it stays loaded while any returned pointer lives. Every archive object
// must be freed before the last one is dropped. FailedPrecondition naming
// the library when it cannot be loaded or lacks an entry point.
absl::StatusOr<std::shared_ptr<const ArchiveApi>> AcquireArchive();

// Whether libarchive is loaded now (for tests).
bool ArchiveLoaded();

}  // namespace engine::archive

#endif  // ENGINE_ARCHIVE_ARCHIVE_LIBRARY_H_
