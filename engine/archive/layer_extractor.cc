#include "engine/archive/layer_extractor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/archive/archive_library.h"
#include "engine/archive/in_root.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/unique_fd.h"

namespace engine::archive {
namespace {

constexpr size_t kReadBufferSize = 1 << 20;
constexpr absl::string_view kWhiteoutPrefix = ".wh.";
constexpr absl::string_view kOpaqueMarker = ".wh..wh..opq";

// The libarchive read callback's state: pulls from the source, hashes and
// counts every byte, and keeps the source's own error for the caller.
struct StreamReader {
  const ArchiveApi* lib = nullptr;
  base::ByteSource* source;
  uint64_t max_bytes;
  std::unique_ptr<char[]> buf{new char[kReadBufferSize]};
  base::Sha256 hash;
  uint64_t bytes = 0;
  bool eof = false;
  absl::Status error;

  // Returns the bytes read (0 at the end) or -1 with `error` set.
  ssize_t Pull() {
    if (!error.ok()) return -1;
    if (eof) return 0;
    absl::StatusOr<size_t> n = source->Read(buf.get(), kReadBufferSize);
    if (!n.ok()) {
      error = n.status();
      return -1;
    }
    if (*n == 0) {
      eof = true;
      return 0;
    }
    hash.Update(buf.get(), *n);
    bytes += *n;
    if (bytes > max_bytes) {
      error = absl::ResourceExhaustedError(
          absl::StrCat("layer is larger than the limit of ", max_bytes, " bytes"));
      return -1;
    }
    return static_cast<ssize_t>(*n);
  }
};

la_ssize_t ReadCallback(struct archive* a, void* data, const void** out) {
  auto* r = static_cast<StreamReader*>(data);
  ssize_t n = r->Pull();
  if (n < 0) {
    r->lib->archive_set_error(a, EIO, "layer stream failed");
    return -1;
  }
  *out = r->buf.get();
  return n;
}

struct ArchiveDeleter {
  const ArchiveApi* lib;
  void operator()(struct archive* a) const { lib->archive_read_free(a); }
};

absl::Status EntryError(absl::StatusCode code, absl::string_view raw, absl::string_view msg) {
  std::string shown = absl::CHexEscape(raw.substr(0, 256));
  if (raw.size() > 256) shown += "...";
  return absl::Status(code, absl::StrCat("layer entry \"", shown, "\": ", msg));
}

// Cleans a tar name into a relative path without "." components ("" is the
// root). Rejects absolute names, ".." components and over-long names.
absl::StatusOr<std::string> CleanName(absl::string_view raw, size_t max_bytes) {
  if (raw.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("name longer than ", max_bytes, " bytes"));
  }
  if (absl::StartsWith(raw, "/")) {
    return absl::InvalidArgumentError("absolute names are not allowed in layers");
  }
  std::string out;
  for (absl::string_view comp : absl::StrSplit(raw, '/', absl::SkipEmpty())) {
    if (comp == ".") continue;
    if (comp == "..") return absl::InvalidArgumentError("path escapes the layer root");
    if (comp.size() > 255) {
      return absl::InvalidArgumentError("name component longer than 255 bytes");
    }
    if (!out.empty()) out.push_back('/');
    out.append(comp.data(), comp.size());
  }
  return out;
}

std::pair<std::string, std::string> SplitParent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

const char* Utf8OrRaw(const char* utf8, const char* raw) { return utf8 != nullptr ? utf8 : raw; }

absl::Status PwriteAll(int fd, const char* data, size_t len, off_t offset) {
  while (len > 0) {
    ssize_t n = pwrite(fd, data, len, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, "write");
    }
    data += n;
    len -= static_cast<size_t>(n);
    offset += n;
  }
  return absl::OkStatus();
}

struct DirTimes {
  std::string path;
  struct timespec times[2];
};

class Extractor {
 public:
  Extractor(const ArchiveApi& lib, struct archive* a, int root_fd, const ExtractOptions& options)
      : lib_(lib), a_(a), root_fd_(root_fd), options_(options) {}

  // Extracts every entry; returns the first error.
  absl::Status Run() {
    struct archive_entry* entry = nullptr;
    uint64_t count = 0;
    while (true) {
      int r = lib_.archive_read_next_header(a_, &entry);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return ArchiveError("read tar header");
      if (++count > options_.max_entries) {
        return absl::ResourceExhaustedError(
            absl::StrCat("layer has more than ", options_.max_entries, " entries"));
      }
      const char* raw = Utf8OrRaw(lib_.archive_entry_pathname_utf8(entry),
                                  lib_.archive_entry_pathname(entry));
      if (raw == nullptr) return absl::DataLossError("layer entry without a name");
      absl::Status s = Apply(entry, raw);
      if (!s.ok()) {
        // Errors that already name the entry or come from the stream pass as
        // they are; the rest get the entry name in front.
        if (absl::StartsWith(s.message(), "layer ")) return s;
        return EntryError(s.code(), raw, s.message());
      }
    }
    return ApplyDirTimes();
  }

  uint64_t content_bytes() const { return content_bytes_; }

 private:
  absl::Status ArchiveError(absl::string_view what) {
    const char* msg = lib_.archive_error_string(a_);
    return absl::DataLossError(absl::StrCat("layer: ", what, ": ", msg ? msg : "corrupt tar"));
  }

  absl::Status Apply(struct archive_entry* e, absl::string_view raw) {
    ASSIGN_OR_RETURN(std::string name, CleanName(raw, options_.max_name_bytes));
    const mode_t type = lib_.archive_entry_filetype(e);
    const char* hardlink =
        Utf8OrRaw(lib_.archive_entry_hardlink_utf8(e), lib_.archive_entry_hardlink(e));
    if (name.empty()) {
      if (hardlink != nullptr || type != AE_IFDIR) {
        return absl::InvalidArgumentError("the layer root must be a directory");
      }
      RETURN_IF_ERROR(ApplyAttributes(e, root_fd_));
      RememberDirTimes(e, "");
      return absl::OkStatus();
    }
    auto [parent, leaf] = SplitParent(name);
    if (absl::StartsWith(leaf, kWhiteoutPrefix)) return Whiteout(e, parent, leaf);

    ASSIGN_OR_RETURN(base::UniqueFd dir, OpenDirInRoot(root_fd_, parent, /*create_missing=*/true));
    if (hardlink != nullptr) return Hardlink(e, dir.get(), leaf, hardlink);
    switch (type) {
      case AE_IFDIR:
        return Directory(e, dir.get(), leaf, name);
      case AE_IFREG:
        return RegularFile(e, dir.get(), leaf);
      case AE_IFLNK:
        return Symlink(e, dir.get(), leaf);
      case AE_IFIFO:
        RETURN_IF_ERROR(RemoveAt(dir.get(), leaf));
        if (mknodat(dir.get(), leaf.c_str(), S_IFIFO | 0600, 0) != 0) {
          return base::ErrnoError(errno, "mkfifo");
        }
        return ApplyAttributesAt(e, dir.get(), leaf, /*chmod=*/true);
      case AE_IFCHR:
      case AE_IFBLK:
        return absl::InvalidArgumentError("device nodes are not allowed in layers");
      default:
        return absl::InvalidArgumentError(absl::StrCat("unsupported entry type ", type));
    }
  }

  absl::Status Directory(struct archive_entry* e, int dir, const std::string& leaf,
                         const std::string& name) {
    struct stat st;
    bool exists = fstatat(dir, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && !S_ISDIR(st.st_mode)) {
      RETURN_IF_ERROR(RemoveAt(dir, leaf));
      exists = false;
    }
    if (!exists && mkdirat(dir, leaf.c_str(), 0700) != 0) return base::ErrnoError(errno, "mkdir");
    int fd = openat(dir, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return base::ErrnoError(errno, "open directory");
    base::UniqueFd d(fd);
    RETURN_IF_ERROR(ApplyAttributes(e, d.get()));
    RememberDirTimes(e, name);
    return absl::OkStatus();
  }

  absl::Status RegularFile(struct archive_entry* e, int dir, const std::string& leaf) {
    const la_int64_t size = lib_.archive_entry_size(e);
    if (size < 0) return absl::DataLossError("negative file size");
    if (static_cast<uint64_t>(size) > options_.max_total_bytes) {
      return absl::ResourceExhaustedError("file is larger than the layer size limit");
    }
    RETURN_IF_ERROR(RemoveAt(dir, leaf));
    int raw_fd = openat(dir, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (raw_fd < 0) return base::ErrnoError(errno, "create");
    base::UniqueFd fd(raw_fd);
    const void* block;
    size_t len;
    la_int64_t offset;
    la_int64_t end = 0;
    int r;
    while ((r = lib_.archive_read_data_block(a_, &block, &len, &offset)) == ARCHIVE_OK) {
      // Offsets jump over holes in sparse files.
      RETURN_IF_ERROR(PwriteAll(fd.get(), static_cast<const char*>(block), len, offset));
      content_bytes_ += len;
      end = offset + static_cast<la_int64_t>(len);
    }
    if (r != ARCHIVE_EOF) return ArchiveError("read file data");
    if (end < size && ftruncate(fd.get(), size) != 0) return base::ErrnoError(errno, "truncate");
    RETURN_IF_ERROR(ApplyAttributes(e, fd.get()));
    struct timespec times[2];
    EntryTimes(e, times);
    if (futimens(fd.get(), times) != 0) return base::ErrnoError(errno, "set times");
    return absl::OkStatus();
  }

  absl::Status Symlink(struct archive_entry* e, int dir, const std::string& leaf) {
    const char* target =
        Utf8OrRaw(lib_.archive_entry_symlink_utf8(e), lib_.archive_entry_symlink(e));
    if (target == nullptr || *target == '\0') return absl::InvalidArgumentError("empty symlink target");
    if (strlen(target) > options_.max_name_bytes) {
      return absl::InvalidArgumentError("symlink target too long");
    }
    RETURN_IF_ERROR(RemoveAt(dir, leaf));
    if (symlinkat(target, dir, leaf.c_str()) != 0) return base::ErrnoError(errno, "symlink");
    return ApplyAttributesAt(e, dir, leaf, /*chmod=*/false);
  }

  absl::Status Hardlink(struct archive_entry* e, int dir, const std::string& leaf,
                        absl::string_view raw_target) {
    absl::StatusOr<std::string> target = CleanName(raw_target, options_.max_name_bytes);
    if (!target.ok()) return base::Annotate(target.status(), "hardlink target");
    if (target->empty()) return absl::InvalidArgumentError("hardlink to the layer root");
    auto [tparent, tbase] = SplitParent(*target);
    absl::StatusOr<base::UniqueFd> tdir = OpenDirInRoot(root_fd_, tparent, false);
    struct stat tst;
    if (!tdir.ok() || fstatat(tdir->get(), tbase.c_str(), &tst, AT_SYMLINK_NOFOLLOW) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "hardlink target \"", absl::CHexEscape(*target), "\" is not in this layer"));
    }
    if (!S_ISREG(tst.st_mode) && !S_ISLNK(tst.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "hardlink target \"", absl::CHexEscape(*target), "\" is not a regular file"));
    }
    struct stat st;
    if (fstatat(dir, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (st.st_dev == tst.st_dev && st.st_ino == tst.st_ino) return absl::OkStatus();
      RETURN_IF_ERROR(RemoveAt(dir, leaf));
    }
    if (linkat(tdir->get(), tbase.c_str(), dir, leaf.c_str(), 0) != 0) {
      return base::ErrnoError(errno, "link");
    }
    if (!S_ISREG(tst.st_mode)) return absl::OkStatus();
    // The link entry's owner, mode and times apply to the shared file, as
    // Docker and containerd apply them.
    int raw_fd = openat(dir, leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (raw_fd < 0) return base::ErrnoError(errno, "open link");
    base::UniqueFd fd(raw_fd);
    RETURN_IF_ERROR(ApplyAttributes(e, fd.get()));
    struct timespec times[2];
    EntryTimes(e, times);
    if (futimens(fd.get(), times) != 0) return base::ErrnoError(errno, "set times");
    return absl::OkStatus();
  }

  absl::Status Whiteout(struct archive_entry* e, const std::string& parent, const std::string& leaf) {
    if (leaf == kOpaqueMarker) {
      ASSIGN_OR_RETURN(base::UniqueFd dir, OpenDirInRoot(root_fd_, parent, true));
      int fd = openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return base::ErrnoError(errno, "open opaque directory");
      base::UniqueFd d(fd);
      if (fsetxattr(d.get(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
        return base::ErrnoError(errno, "set trusted.overlay.opaque");
      }
      return absl::OkStatus();
    }
    const std::string hidden = leaf.substr(kWhiteoutPrefix.size());
    if (absl::StartsWith(leaf, ".wh..wh.") || hidden.empty() || hidden == "." || hidden == "..") {
      return absl::InvalidArgumentError("invalid whiteout entry");
    }
    ASSIGN_OR_RETURN(base::UniqueFd dir, OpenDirInRoot(root_fd_, parent, true));
    RETURN_IF_ERROR(RemoveAt(dir.get(), hidden));
    if (mknodat(dir.get(), hidden.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
      return base::ErrnoError(errno, "mknod whiteout");
    }
    if (fchownat(dir.get(), hidden.c_str(), static_cast<uid_t>(lib_.archive_entry_uid(e)),
                 static_cast<gid_t>(lib_.archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0) {
      return base::ErrnoError(errno, "chown whiteout");
    }
    return absl::OkStatus();
  }

  absl::Status CheckOwner(struct archive_entry* e) {
    const la_int64_t uid = lib_.archive_entry_uid(e), gid = lib_.archive_entry_gid(e);
    if (uid < 0 || uid >= 0xffffffffLL || gid < 0 || gid >= 0xffffffffLL) {
      return absl::InvalidArgumentError(absl::StrCat("invalid owner ", uid, ":", gid));
    }
    return absl::OkStatus();
  }

  // Owner, mode and xattrs through an fd (regular files, directories).
  absl::Status ApplyAttributes(struct archive_entry* e, int fd) {
    RETURN_IF_ERROR(CheckOwner(e));
    if (fchown(fd, static_cast<uid_t>(lib_.archive_entry_uid(e)), static_cast<gid_t>(lib_.archive_entry_gid(e))) != 0) {
      return base::ErrnoError(errno, "chown");
    }
    // After chown, which clears setuid/setgid.
    if (fchmod(fd, lib_.archive_entry_perm(e) & 07777) != 0) return base::ErrnoError(errno, "chmod");
    return ApplyXattrs(e, [fd](const char* n, const void* v, size_t s) {
      return fsetxattr(fd, n, v, s, 0);
    });
  }

  // Owner, mode, xattrs and times by name (symlinks, FIFOs), never following.
  absl::Status ApplyAttributesAt(struct archive_entry* e, int dir, const std::string& leaf, bool set_mode) {
    RETURN_IF_ERROR(CheckOwner(e));
    if (fchownat(dir, leaf.c_str(), static_cast<uid_t>(lib_.archive_entry_uid(e)),
                 static_cast<gid_t>(lib_.archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0) {
      return base::ErrnoError(errno, "chown");
    }
    // Only for FIFOs, which this extractor has just created: no symlink to follow.
    if (set_mode && fchmodat(dir, leaf.c_str(), lib_.archive_entry_perm(e) & 07777, 0) != 0) {
      return base::ErrnoError(errno, "chmod");
    }
    const std::string path = absl::StrCat("/proc/self/fd/", dir, "/", leaf);
    RETURN_IF_ERROR(ApplyXattrs(e, [&path](const char* n, const void* v, size_t s) {
      return lsetxattr(path.c_str(), n, v, s, 0);
    }));
    struct timespec times[2];
    EntryTimes(e, times);
    if (utimensat(dir, leaf.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      return base::ErrnoError(errno, "set times");
    }
    return absl::OkStatus();
  }

  template <typename SetFn>
  absl::Status ApplyXattrs(struct archive_entry* e, SetFn set) {
    if (lib_.archive_entry_xattr_reset(e) == 0) return absl::OkStatus();
    const char* name;
    const void* value;
    size_t size;
    while (lib_.archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      absl::string_view n = name;
      const bool user = absl::StartsWith(n, "user.");
      if (!user && n != "security.capability") {
        return absl::InvalidArgumentError(
            absl::StrCat("xattr \"", absl::CHexEscape(n), "\" is not allowed in layers"));
      }
      if (set(name, value, size) != 0) {
        // user.* is best effort: not every file system or file type takes it.
        if (user && (errno == ENOTSUP || errno == EPERM)) continue;
        return base::ErrnoError(errno, absl::StrCat("set xattr ", n));
      }
    }
    return absl::OkStatus();
  }

  void EntryTimes(struct archive_entry* e, struct timespec times[2]) {
    times[1].tv_sec = lib_.archive_entry_mtime(e);
    times[1].tv_nsec = lib_.archive_entry_mtime_nsec(e);
    if (lib_.archive_entry_atime_is_set(e)) {
      times[0].tv_sec = lib_.archive_entry_atime(e);
      times[0].tv_nsec = lib_.archive_entry_atime_nsec(e);
    } else {
      times[0] = times[1];
    }
  }

  void RememberDirTimes(struct archive_entry* e, const std::string& name) {
    DirTimes d;
    d.path = name;
    EntryTimes(e, d.times);
    dir_times_.push_back(std::move(d));
  }

  absl::Status ApplyDirTimes() {
    for (const DirTimes& d : dir_times_) {
      if (d.path.empty()) {
        if (futimens(root_fd_, d.times) != 0) return base::ErrnoError(errno, "set root times");
        continue;
      }
      auto [parent, leaf] = SplitParent(d.path);
      absl::StatusOr<base::UniqueFd> dir = OpenDirInRoot(root_fd_, parent, false);
      if (!dir.ok()) continue;  // Replaced by a later entry.
      struct stat st;
      if (fstatat(dir->get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
        continue;
      }
      if (utimensat(dir->get(), leaf.c_str(), d.times, AT_SYMLINK_NOFOLLOW) != 0) {
        return base::ErrnoError(errno, absl::StrCat("set times of \"", d.path, "\""));
      }
    }
    return absl::OkStatus();
  }

  const ArchiveApi& lib_;
  struct archive* const a_;
  const int root_fd_;
  const ExtractOptions& options_;
  uint64_t content_bytes_ = 0;
  std::vector<DirTimes> dir_times_;
};

}  // namespace

absl::StatusOr<ExtractResult> ExtractLayer(base::ByteSource* tar, absl::string_view root_dir,
                                           const ExtractOptions& options) {
  const std::string root(root_dir);
  int raw_root = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (raw_root < 0) return base::ErrnoError(errno, absl::StrCat("open ", root));
  base::UniqueFd root_fd(raw_root);

  ASSIGN_OR_RETURN(std::shared_ptr<const ArchiveApi> lib, AcquireArchive());
  StreamReader reader;
  reader.lib = lib.get();
  reader.source = tar;
  reader.max_bytes = options.max_total_bytes;
  std::unique_ptr<struct archive, ArchiveDeleter> a(lib->archive_read_new(),
                                                    ArchiveDeleter{lib.get()});
  if (a == nullptr) return absl::ResourceExhaustedError("archive_read_new failed");
  lib->archive_read_support_format_tar(a.get());
  if (lib->archive_read_open(a.get(), &reader, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    if (!reader.error.ok()) return reader.error;
    const char* msg = lib->archive_error_string(a.get());
    return absl::DataLossError(absl::StrCat("layer: not a tar archive: ", msg ? msg : "unreadable"));
  }
  Extractor extractor(*lib, a.get(), root_fd.get(), options);
  absl::Status status = extractor.Run();
  // A failing stream surfaces as an archive error; report the stream's own.
  if (!reader.error.ok()) return reader.error;
  RETURN_IF_ERROR(status);
  // The end-of-archive blocks and any padding after them belong to the diff.
  while (true) {
    ssize_t n = reader.Pull();
    if (n < 0) return reader.error;
    if (n == 0) break;
  }
  return ExtractResult{reader.hash.Finish(), reader.bytes, extractor.content_bytes()};
}

}  // namespace engine::archive
