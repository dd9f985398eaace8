// -----------------------------------------------------------------------------
// File: tar_builder.h
// -----------------------------------------------------------------------------
//
// TarBuilder writes small pax tar archives in memory with libarchive, for
// tests of the layer extractor and the snapshotter. It writes names, link
// targets and xattrs exactly as given (hostile ones included). Test-only.

#ifndef ENGINE_ARCHIVE_TAR_BUILDER_H_
#define ENGINE_ARCHIVE_TAR_BUILDER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace engine::archive {

struct TarEntry {
  enum Type { kFile, kDir, kSymlink, kHardlink, kFifo, kCharDev, kBlockDev };
  Type type = kFile;
  std::string name;
  std::string data;       // kFile
  std::string link;       // kSymlink target, kHardlink target
  mode_t mode = 0644;     // permission bits incl. setuid/setgid/sticky
  int64_t uid = 0, gid = 0;
  int64_t mtime = 1600000000;
  unsigned dev_major = 0, dev_minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

class TarBuilder {
 public:
  TarBuilder& Add(TarEntry entry) {
    entries_.push_back(std::move(entry));
    return *this;
  }
  TarBuilder& File(std::string name, std::string data, mode_t mode = 0644);
  TarBuilder& Dir(std::string name, mode_t mode = 0755);
  TarBuilder& Symlink(std::string name, std::string target);
  TarBuilder& Hardlink(std::string name, std::string target);

  // The archive with its end-of-archive blocks, padded to 10240 bytes.
  std::string Build() const;

 private:
  std::vector<TarEntry> entries_;
};

}  // namespace engine::archive

#endif  // ENGINE_ARCHIVE_TAR_BUILDER_H_
