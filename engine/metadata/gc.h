// -----------------------------------------------------------------------------
// File: gc.h
// -----------------------------------------------------------------------------
//
// Mark-and-sweep garbage collection over the content store and a
// snapshotter. The marks are MetadataStore::CollectRoots() (images and live
// leases); everything else goes:
//   - committed blobs not in the roots;
//   - snapshots that are neither a root nor an ancestor of one, removed
//     children before parents;
//   - ingests no writer holds (crash leftovers), see
//     ContentStore::CleanIngests.
//
// Concurrency contract: the sweep is not atomic with the mark. A resource
// created after the roots are read and before the sweep would be taken, so
// the caller must not run GC concurrently with anything that creates blobs
// or snapshots (a pull takes a lease first and adds every resource to it
// before creating it; the daemon serialises GC against pulls with one mutex).

#ifndef ENGINE_METADATA_GC_H_
#define ENGINE_METADATA_GC_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/content/content_store.h"
#include "engine/metadata/metadata_store.h"

namespace engine {
namespace metadata {

// What GC needs from a snapshotter. Kept minimal so that engine/metadata does
// not depend on engine/snapshots; the overlay snapshotter implements it.
class SnapshotCatalog {
 public:
  virtual ~SnapshotCatalog() = default;
  // Every snapshot name (committed and active), each with its parent ("" for
  // none).
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  ListSnapshots() = 0;
  // Removes one snapshot that has no children. NotFound if absent.
  virtual absl::Status RemoveSnapshot(absl::string_view name) = 0;
};

struct GcResult {
  int blobs_removed = 0;
  int snapshots_removed = 0;
  int ingests_removed = 0;
  int64_t bytes_reclaimed = 0;  // sizes of the removed blobs
};

// Runs one collection (see the file comment). `snapshots` may be null (no
// snapshotter). Ingests unchanged for at least `stale_ingest_age` and not
// held by a writer are removed. A blob or snapshot that vanished meanwhile
// is not an error; the first other failure stops the sweep and is returned.
absl::StatusOr<GcResult> CollectGarbage(
    MetadataStore* metadata, content::ContentStore* content, SnapshotCatalog* snapshots,
    absl::Duration stale_ingest_age = absl::ZeroDuration());

}  // namespace metadata
}  // namespace engine

#endif  // ENGINE_METADATA_GC_H_
