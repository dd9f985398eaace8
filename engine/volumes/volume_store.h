// -----------------------------------------------------------------------------
// File: volume_store.h
// -----------------------------------------------------------------------------
//
// VolumeStore manages local volumes as Docker's "local" driver lays them
// out: <data-root>/volumes (mode 0701) holds one directory per volume,
// <name>/ (0755), whose data directory <name>/_data (0755) is what
// containers mount. A volume exists exactly when its _data directory does;
// there is no other metadata.
//
//   - Named volumes ("-v name:/path") are created on first use, never by a
//     container's removal.
//   - Anonymous volumes ("-v /path", an image's VOLUME) get a random name of
//     64 hex digits; their container records them and removes them with
//     `rm -v` (or --rm).
//   - A copy-up marker (<name>/copy-up, beside _data) says the image's
//     content still has to be copied into the volume (copy_up.h) before a
//     container first starts with it; it is removed once that is done.
//
// Thread-safe: creation and removal are serialised inside the store.
//
// Errors: InvalidArgument for a bad name (the message includes "invalid
// volume name"; names are [a-zA-Z0-9][a-zA-Z0-9_.-]+, so no path can be
// formed from one); NotFound "get <name>: no such volume"; errno statuses
// for file system failures.

#ifndef ENGINE_VOLUMES_VOLUME_STORE_H_
#define ENGINE_VOLUMES_VOLUME_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace engine::volumes {

inline constexpr char kLocalDriver[] = "local";

struct Volume {
  std::string name;
  std::string data_path;  // <root>/<name>/_data
  bool created = false;   // created by the call that returned it
};

class VolumeStore {
 public:
  // Creates `root` (0701) if missing.
  static absl::StatusOr<std::unique_ptr<VolumeStore>> Open(std::string root);

  // OK when `name` is a valid local volume name.
  static absl::Status ValidateName(absl::string_view name);

  // The named volume, created (with the copy-up marker when `copy_up`) if
  // it does not exist yet. An existing volume is returned as it is.
  absl::StatusOr<Volume> Ensure(absl::string_view name, bool copy_up);

  // A new anonymous volume (random 64-hex name), with the copy-up marker
  // when `copy_up`.
  absl::StatusOr<Volume> CreateAnonymous(bool copy_up);

  // NotFound when it does not exist.
  absl::StatusOr<Volume> Get(absl::string_view name) const;

  // Removes the volume and its data. NotFound when it does not exist.
  absl::Status Remove(absl::string_view name);

  // Names of all volumes, sorted.
  absl::StatusOr<std::vector<std::string>> List() const;

  // Runs the pending copy-up of volume `name`, if its marker is there: the
  // content of `container_path` in `rootfs` is copied into the volume when
  // the volume is still empty (copy_up.h); then the marker is removed. OK
  // and nothing done without a marker.
  absl::Status CopyUpIfPending(absl::string_view name, absl::string_view rootfs,
                               absl::string_view container_path);
  bool CopyUpPending(absl::string_view name) const;

  const std::string& root() const { return root_; }
  std::string DataPath(absl::string_view name) const;

 private:
  explicit VolumeStore(std::string root) : root_(std::move(root)) {}
  std::string Dir(absl::string_view name) const;
  std::string MarkerPath(absl::string_view name) const;
  absl::StatusOr<Volume> CreateLocked(const std::string& name, bool copy_up)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string root_;
  absl::Mutex mu_;
};

}  // namespace engine::volumes

#endif  // ENGINE_VOLUMES_VOLUME_STORE_H_
