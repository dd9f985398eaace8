// -----------------------------------------------------------------------------
// File: metadata_store.h
// -----------------------------------------------------------------------------
//
// MetadataStore keeps what the daemon knows about images, and what keeps
// blobs and snapshots alive, in one SQLite database: `<root>/metadata.db`
// (WAL journal, synchronous=FULL, foreign keys on, a busy timeout, schema
// version in `PRAGMA user_version`). Every change is one transaction: a crash
// leaves either the old or the new state.
//
// The records:
//   - images: a name (full reference) pointing at what was pulled. Tags are
//     simply more names pointing at the same digests.
//   - manifests: per platform image manifest, every blob and snapshot the
//     image needs. Images reach blobs and snapshots only through these.
//   - leases: protect resources a pull is still creating. A lease lives until
//     deleted or its time-to-live runs out.
//   - kv: small daemon state (the engine ID, ...).
//   - containers: one row per container: its ID, unique name, image ID and
//     writable snapshot, plus the serialized record (opaque bytes here; the
//     typed layer is engine/containers/container_store.h). A container keeps
//     its snapshot (and so the image's chain) and its image's manifest record
//     and blobs alive, even when the image's last name is deleted.
//
// Garbage collection asks CollectRoots() for everything still referenced and
// deletes the rest (engine/metadata/gc.h).
//
// Thread-safety: thread-safe (one connection behind a mutex). Several
// processes may open the same file; SQLite serialises their writes.
//
// Errors: NotFound for a missing image, manifest, lease, key or container;
// AlreadyExists for a duplicate lease, container ID or container name; InvalidArgument for malformed input;
// DataLoss if a stored record does not parse; Unavailable if the database
// stays locked longer than the busy timeout.

#ifndef ENGINE_METADATA_METADATA_STORE_H_
#define ENGINE_METADATA_METADATA_STORE_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/base/digest.h"

namespace engine {
namespace metadata {

class SqliteDb;

struct ImageRecord {
  // Full reference: "docker.io/library/alpine:3.19" or
  // "docker.io/library/alpine@sha256:...".
  std::string name;
  base::Digest target;    // top-level digest pulled (index or manifest): the RepoDigest
  base::Digest manifest;  // the platform image manifest chosen
  base::Digest config;    // the image ID
  int64_t updated_unix_nanos = 0;
};

// What one image manifest needs; written at the end of a pull or import.
struct ManifestRecord {
  base::Digest manifest;
  base::Digest config;
  // Every blob this image keeps alive: index (if any), manifest, config,
  // layers. Order is kept; duplicates are dropped.
  std::vector<base::Digest> blobs;
  // Committed snapshot names (chain IDs), bottom first.
  std::vector<std::string> snapshots;
  int64_t unpacked_size = 0;  // bytes on disk of all layers
};

// One container row. The record is opaque to the store.
struct ContainerRow {
  std::string id;        // 64 hex digits
  std::string name;      // unique, without the leading "/"
  base::Digest image_id;  // the image's config digest
  std::string snapshot;  // the container's writable snapshot key
  std::string record;    // serialized engine record (bytes)
};

class MetadataStore {
 public:
  // The schema version this code writes. Opening a database with a newer
  // version fails with FailedPrecondition.
  static constexpr int kSchemaVersion = 2;

  // Opens or creates `<root>/metadata.db`, creating `root` (0700) if needed,
  // and migrates its schema to kSchemaVersion.
  static absl::StatusOr<std::unique_ptr<MetadataStore>> Open(absl::string_view root);
  ~MetadataStore();
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  // Path of the database file.
  const std::string& path() const { return path_; }

  // --- Images ---------------------------------------------------------------

  // Inserts the image, or replaces the one with the same name.
  absl::Status PutImage(const ImageRecord& image);
  // NotFound if no image has this name.
  absl::StatusOr<ImageRecord> GetImage(absl::string_view name);
  // All images, ordered by name.
  absl::StatusOr<std::vector<ImageRecord>> ListImages();
  // Removes the name only; what it kept alive goes at the next GC. NotFound
  // if absent.
  absl::Status DeleteImage(absl::string_view name);

  // --- Manifests --------------------------------------------------------------

  // Inserts or replaces the record for `record.manifest`. A record that no
  // image references is dropped by the next CollectRoots(), so a pull should
  // use CommitPull() instead.
  absl::Status PutManifest(const ManifestRecord& record);
  // NotFound if there is no record for `manifest`.
  absl::StatusOr<ManifestRecord> GetManifest(const base::Digest& manifest);

  // Puts `record` and `image` in one transaction (the end of a pull): both
  // are stored or neither. InvalidArgument if image.manifest is not
  // record.manifest.
  absl::Status CommitPull(const ManifestRecord& record, const ImageRecord& image);

  // --- Leases -----------------------------------------------------------------

  // Creates a lease that expires `ttl` from now (absl::InfiniteDuration():
  // never). AlreadyExists if `id` is taken; InvalidArgument if ttl <= 0.
  absl::Status CreateLease(absl::string_view id, absl::Duration ttl);
  // Adds a resource to a lease (idempotent). `kind` is "blob" (a digest
  // string) or "snapshot" (a snapshot name); InvalidArgument otherwise.
  // NotFound if the lease does not exist; FailedPrecondition if it expired
  // (GC may already have taken what it protected).
  absl::Status AddLeaseResource(absl::string_view lease, absl::string_view kind,
                                absl::string_view id);
  // Deletes a lease and releases its resources. NotFound if absent.
  absl::Status DeleteLease(absl::string_view id);
  // Deletes every lease. The daemon calls it at start-up: no operation that
  // held one survives a restart.
  absl::Status DeleteAllLeases();

  // --- Key-value ----------------------------------------------------------------

  // NotFound if `key` is not set.
  absl::StatusOr<std::string> GetKv(absl::string_view key);
  absl::Status PutKv(absl::string_view key, absl::string_view value);

  // --- Containers ---------------------------------------------------------------

  // Inserts a new container. AlreadyExists if the ID or the name is taken
  // (the message names which); InvalidArgument for an empty id, name or
  // snapshot.
  absl::Status CreateContainer(const ContainerRow& row);
  // Inserts or replaces the container with `row.id`. AlreadyExists if
  // another container has `row.name`.
  absl::Status PutContainer(const ContainerRow& row);
  // NotFound if there is no container with this ID.
  absl::StatusOr<ContainerRow> GetContainer(absl::string_view id);
  // All containers, ordered by ID.
  absl::StatusOr<std::vector<ContainerRow>> ListContainers();
  // NotFound if absent. The snapshot is released for the next GC.
  absl::Status DeleteContainer(absl::string_view id);
  // Changes the indexed name only (the caller updates the record, e.g. with
  // PutContainer). NotFound if `id` is absent; AlreadyExists if another
  // container has `new_name`; renaming to the current name is a no-op.
  absl::Status RenameContainer(absl::string_view id, absl::string_view new_name);
  // Whether any container uses the image with this config digest.
  absl::StatusOr<bool> ImageInUse(const base::Digest& image_id);

  // --- Garbage collection roots ---------------------------------------------

  struct Roots {
    std::set<std::string> blobs;      // digest strings ("sha256:...")
    std::set<std::string> snapshots;  // snapshot names
  };
  // In one transaction: deletes expired leases and the manifest records that
  // neither an image nor a container (through its image ID) references, then
  // returns the blobs and snapshots that are referenced by an image (its
  // target, manifest and config digests, and everything in its manifest
  // record), by a container (its snapshot, its image's config digest and the
  // manifest records with that config) or by a live lease.
  absl::StatusOr<Roots> CollectRoots();

 private:
  MetadataStore(std::string path, std::unique_ptr<SqliteDb> db);

  absl::Status Migrate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutImageLocked(const ImageRecord& image) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutManifestLocked(const ManifestRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // OK if `name` is free or held by `id`; AlreadyExists otherwise.
  absl::Status CheckNameFreeLocked(absl::string_view id, absl::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace metadata
}  // namespace engine

#endif  // ENGINE_METADATA_METADATA_STORE_H_
