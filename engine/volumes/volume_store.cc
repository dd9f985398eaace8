#include "engine/volumes/volume_store.h"

#include <dirent.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/volumes/copy_up.h"

namespace engine::volumes {
namespace {

constexpr char kDataDir[] = "_data";
constexpr char kCopyUpMarker[] = "copy-up";

bool IsDir(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

absl::Status MakeDir(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return base::ErrnoError(errno, absl::StrCat("mkdir ", path));
  }
  if (!IsDir(path)) return absl::FailedPreconditionError(absl::StrCat(path, " is not a directory"));
  if (chmod(path.c_str(), mode) != 0) return base::ErrnoError(errno, absl::StrCat("chmod ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> RandomName() {
  unsigned char bytes[32];
  size_t done = 0;
  while (done < sizeof(bytes)) {
    ssize_t got = getrandom(bytes + done, sizeof(bytes) - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, "getrandom");
    }
    done += static_cast<size_t>(got);
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

bool ValidChar(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return !first && (c == '_' || c == '.' || c == '-');
}

}  // namespace

absl::StatusOr<std::unique_ptr<VolumeStore>> VolumeStore::Open(std::string root) {
  RETURN_IF_ERROR(base::MakeDirs(root, 0701));
  if (chmod(root.c_str(), 0701) != 0) return base::ErrnoError(errno, absl::StrCat("chmod ", root));
  return std::unique_ptr<VolumeStore>(new VolumeStore(std::move(root)));
}

absl::Status VolumeStore::ValidateName(absl::string_view name) {
  bool ok = name.size() >= 2 && name.size() <= 255;
  for (size_t i = 0; ok && i < name.size(); ++i) ok = ValidChar(name[i], i == 0);
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid volume name: \"", name,
      "\" includes invalid characters for a local volume name, only "
      "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, "
      "use absolute path"));
}

std::string VolumeStore::Dir(absl::string_view name) const { return base::JoinPath(root_, name); }

std::string VolumeStore::DataPath(absl::string_view name) const {
  return base::JoinPath(Dir(name), kDataDir);
}

std::string VolumeStore::MarkerPath(absl::string_view name) const {
  return base::JoinPath(Dir(name), kCopyUpMarker);
}

absl::StatusOr<Volume> VolumeStore::CreateLocked(const std::string& name, bool copy_up) {
  const std::string dir = Dir(name);
  RETURN_IF_ERROR(MakeDir(dir, 0755));
  // The marker goes first: a crash leaves either no volume (no _data) or a
  // volume with its marker.
  if (copy_up) RETURN_IF_ERROR(base::ReplaceFile(MarkerPath(name), "", 0600));
  RETURN_IF_ERROR(MakeDir(DataPath(name), 0755));
  return Volume{name, DataPath(name), true};
}

absl::StatusOr<Volume> VolumeStore::Ensure(absl::string_view name, bool copy_up) {
  RETURN_IF_ERROR(ValidateName(name));
  absl::MutexLock lock(&mu_);
  if (IsDir(DataPath(name))) return Volume{std::string(name), DataPath(name), false};
  return CreateLocked(std::string(name), copy_up);
}

absl::StatusOr<Volume> VolumeStore::CreateAnonymous(bool copy_up) {
  absl::MutexLock lock(&mu_);
  for (;;) {
    ASSIGN_OR_RETURN(std::string name, RandomName());
    if (base::PathExists(Dir(name))) continue;
    return CreateLocked(name, copy_up);
  }
}

absl::StatusOr<Volume> VolumeStore::Get(absl::string_view name) const {
  RETURN_IF_ERROR(ValidateName(name));
  if (!IsDir(DataPath(name))) {
    return absl::NotFoundError(absl::StrCat("get ", name, ": no such volume"));
  }
  return Volume{std::string(name), DataPath(name), false};
}

absl::Status VolumeStore::Remove(absl::string_view name) {
  RETURN_IF_ERROR(ValidateName(name));
  absl::MutexLock lock(&mu_);
  const std::string dir = Dir(name);
  if (!base::PathExists(dir)) {
    return absl::NotFoundError(absl::StrCat("get ", name, ": no such volume"));
  }
  return base::RemoveAll(dir);
}

absl::StatusOr<std::vector<std::string>> VolumeStore::List() const {
  DIR* dir = opendir(root_.c_str());
  if (dir == nullptr) return base::ErrnoError(errno, absl::StrCat("opendir ", root_));
  std::vector<std::string> names;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (ValidateName(name).ok() && IsDir(DataPath(name))) names.push_back(std::move(name));
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

bool VolumeStore::CopyUpPending(absl::string_view name) const {
  return ValidateName(name).ok() && base::PathExists(MarkerPath(name));
}

absl::Status VolumeStore::CopyUpIfPending(absl::string_view name, absl::string_view rootfs,
                                          absl::string_view container_path) {
  RETURN_IF_ERROR(ValidateName(name));
  absl::MutexLock lock(&mu_);
  const std::string marker = MarkerPath(name);
  if (!base::PathExists(marker)) return absl::OkStatus();
  RETURN_IF_ERROR(base::Annotate(CopyUp(rootfs, container_path, DataPath(name)),
                                 absl::StrCat("copy image content into volume ", name)));
  if (unlink(marker.c_str()) != 0 && errno != ENOENT) {
    return base::ErrnoError(errno, absl::StrCat("unlink ", marker));
  }
  return absl::OkStatus();
}

}  // namespace engine::volumes
