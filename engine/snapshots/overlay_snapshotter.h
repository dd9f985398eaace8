// -----------------------------------------------------------------------------
// File: overlay_snapshotter.h
// -----------------------------------------------------------------------------
//
// OverlaySnapshotter manages the file system layers of images and containers
// as overlayfs directories, in the manner of containerd's snapshotters.
//
// Terms. Every snapshot has a unique string in one namespace shared by all
// snapshots:
//   - a *key* names an active snapshot (writable) or a view (read-only);
//   - a *name* names a committed snapshot (immutable; usable as a parent).
// A snapshot's *parent* is a committed snapshot ("" = none); the chain of
// parents is the stack of lower layers.
//
// Lifecycle of an image layer:
//   1. Prepare(key, parent) creates an empty active snapshot over `parent`
//      and returns its `upper_dir`, into which the layer is extracted.
//   2. Commit(name, key) turns it into the committed snapshot `name`; `key`
//      no longer exists. The name is usually the layer's chain ID.
//   3. Remove(name) deletes it once no snapshot uses it as parent.
// A container's root file system is Prepare(key, image_top_layer) and
// Mounts(key); a read-only look at an image is View(key, top_layer).
//
// Storage: `<root>/metadata.db` (SQLite, WAL, one transaction per change) and
// `<root>/snapshots/<id>/{fs,work}`, where `<id>` is a short number so that
// overlay's lowerdir lists stay short. A crash can leave a directory no record
// names (Prepare creates it before its transaction commits; Remove deletes the
// record before the directory); Cleanup() removes those.
//
// Thread-safety: all methods may be called concurrently.

#ifndef ENGINE_SNAPSHOTS_OVERLAY_SNAPSHOTTER_H_
#define ENGINE_SNAPSHOTS_OVERLAY_SNAPSHOTTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;

namespace engine::snapshots {

// A mount to perform, as mount(8) takes it: `type` is "overlay" or "bind",
// `source` is "overlay" or a directory, `options` are joined with commas.
// For "bind", options are "rbind" plus "rw" or "ro" (a read-only bind needs a
// remount with MS_RDONLY).
struct Mount {
  std::string type, source;
  std::vector<std::string> options;
};

enum class SnapshotKind { kActive, kCommitted, kView };

struct SnapshotInfo {
  std::string name;       // key (active, view) or name (committed)
  std::string parent;     // committed parent's name, "" if none
  SnapshotKind kind;
  std::string upper_dir;  // <root>/snapshots/<id>/fs
};

class OverlaySnapshotter {
 public:
  // Longest parent chain accepted (Docker's limit is 125 layers).
  static constexpr int kMaxDepth = 128;

  // Opens or creates the snapshotter rooted at `root` (created 0700 if
  // missing).
  static absl::StatusOr<std::unique_ptr<OverlaySnapshotter>> Open(absl::string_view root);
  ~OverlaySnapshotter();

  // Creates the active snapshot `key` over committed `parent` ("" = none).
  // AlreadyExists if `key` is taken; NotFound if `parent` does not exist;
  // FailedPrecondition if `parent` is not committed; ResourceExhausted if the
  // chain would exceed kMaxDepth.
  absl::StatusOr<SnapshotInfo> Prepare(absl::string_view key, absl::string_view parent);

  // Like Prepare, but the snapshot is a read-only view of `parent`.
  absl::StatusOr<SnapshotInfo> View(absl::string_view key, absl::string_view parent);

  // Makes the active snapshot `key` the committed snapshot `name`, keeping
  // its directory. NotFound if `key` does not exist; FailedPrecondition if it
  // is not active; AlreadyExists if `name` exists (then `key` is unchanged
  // and may be removed).
  absl::Status Commit(absl::string_view name, absl::string_view key);
  // Like Commit, for an active snapshot prepared with no parent: it is
  // committed as `name` over committed `parent` ("" = none). A layer's upper
  // dir does not depend on the layers below it, so layers can be extracted in
  // parallel and stacked afterwards. FailedPrecondition if `key` already has
  // a parent or `parent` is not committed; NotFound if `parent` is absent.
  absl::Status CommitOnto(absl::string_view name, absl::string_view key,
                          absl::string_view parent);

  // NotFound if no snapshot has this name or key.
  absl::StatusOr<SnapshotInfo> Stat(absl::string_view name_or_key);

  // The mounts that assemble active or view snapshot `key`:
  //   active, no parent:   bind rw of its upper dir;
  //   active, parents:     overlay lowerdir=<parent>:...:<bottom>,upperdir,workdir;
  //   view, <= 1 parent:   bind ro of the parent's (or its own empty) dir;
  //   view, >= 2 parents:  overlay with lowerdir only (read-only).
  // NotFound if absent; FailedPrecondition for a committed snapshot.
  absl::StatusOr<std::vector<Mount>> Mounts(absl::string_view key);

  // Removes a snapshot and its directories. NotFound if absent;
  // FailedPrecondition if another snapshot has it as parent.
  absl::Status Remove(absl::string_view name_or_key);

  // Every snapshot, in creation order.
  absl::StatusOr<std::vector<SnapshotInfo>> List();

  // Bytes on disk used by the upper dir of `name` (hardlinked inodes counted
  // once). NotFound if absent.
  absl::StatusOr<int64_t> Usage(absl::string_view name);

  // Removes directories under `<root>/snapshots` that no record names.
  absl::Status Cleanup();

  // For garbage collection (engine::metadata::SnapshotCatalog): every
  // snapshot as (name or key, parent name or ""), and removal by name.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ListSnapshots();
  absl::Status RemoveSnapshot(absl::string_view name) { return Remove(name); }

  struct Row;  // Internal: one database record.

 private:

  OverlaySnapshotter(std::string root, sqlite3* db) : root_(std::move(root)), db_(db) {}

  absl::StatusOr<SnapshotInfo> Create(absl::string_view key, absl::string_view parent,
                                      SnapshotKind kind);
  absl::StatusOr<Row> Lookup(absl::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<Row>> Chain(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<Row>> AllRows() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // While it lives, commits skip fsync (`relax`), see the .cc. Needs mu_.
  class RelaxedDurability {
   public:
    RelaxedDurability(OverlaySnapshotter* snapshotter, bool relax);
    ~RelaxedDurability();

   private:
    OverlaySnapshotter* snapshotter_;
  };
  std::string SnapshotDir(int64_t id) const;
  SnapshotInfo ToInfo(const Row& row) const;

  const std::string root_;
  absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace engine::snapshots

#endif  // ENGINE_SNAPSHOTS_OVERLAY_SNAPSHOTTER_H_
