#include "engine/archive/tar_builder.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

namespace engine::archive {
namespace {

la_ssize_t Append(struct archive*, void* data, const void* buf, size_t len) {
  static_cast<std::string*>(data)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

void Check(int r, struct archive* a, const char* what) {
  if (r < ARCHIVE_WARN) {
    std::fprintf(stderr, "TarBuilder: %s: %s\n", what, archive_error_string(a));
    std::abort();
  }
}

}  // namespace

TarBuilder& TarBuilder::File(std::string name, std::string data, mode_t mode) {
  TarEntry e;
  e.name = std::move(name);
  e.data = std::move(data);
  e.mode = mode;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Dir(std::string name, mode_t mode) {
  TarEntry e;
  e.type = TarEntry::kDir;
  e.name = std::move(name);
  e.mode = mode;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Symlink(std::string name, std::string target) {
  TarEntry e;
  e.type = TarEntry::kSymlink;
  e.name = std::move(name);
  e.link = std::move(target);
  e.mode = 0777;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Hardlink(std::string name, std::string target) {
  TarEntry e;
  e.type = TarEntry::kHardlink;
  e.name = std::move(name);
  e.link = std::move(target);
  return Add(std::move(e));
}

std::string TarBuilder::Build() const {
  std::string out;
  struct archive* a = archive_write_new();
  Check(archive_write_set_format_pax(a), a, "format");
  Check(archive_write_open2(a, &out, nullptr, Append, nullptr, nullptr), a, "open");
  for (const TarEntry& t : entries_) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_copy_pathname(e, t.name.c_str());
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    mode_t type = AE_IFREG;
    switch (t.type) {
      case TarEntry::kFile:
        archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
        break;
      case TarEntry::kDir:
        type = AE_IFDIR;
        break;
      case TarEntry::kSymlink:
        type = AE_IFLNK;
        archive_entry_copy_symlink(e, t.link.c_str());
        break;
      case TarEntry::kHardlink:
        archive_entry_copy_hardlink(e, t.link.c_str());
        break;
      case TarEntry::kFifo:
        type = AE_IFIFO;
        break;
      case TarEntry::kCharDev:
      case TarEntry::kBlockDev:
        type = t.type == TarEntry::kCharDev ? AE_IFCHR : AE_IFBLK;
        archive_entry_set_rdevmajor(e, t.dev_major);
        archive_entry_set_rdevminor(e, t.dev_minor);
        break;
    }
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, t.mode);
    for (const auto& [name, value] : t.xattrs) {
      archive_entry_xattr_add_entry(e, name.c_str(), value.data(), value.size());
    }
    Check(archive_write_header(a, e), a, "header");
    if (t.type == TarEntry::kFile && !t.data.empty()) {
      if (archive_write_data(a, t.data.data(), t.data.size()) !=
          static_cast<la_ssize_t>(t.data.size())) {
        Check(ARCHIVE_FATAL, a, "data");
      }
    }
    archive_entry_free(e);
  }
  Check(archive_write_close(a), a, "close");
  archive_write_free(a);
  return out;
}

}  // namespace engine::archive
