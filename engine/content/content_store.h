// -----------------------------------------------------------------------------
// File: content_store.h
// -----------------------------------------------------------------------------
//
// ContentStore keeps blobs (manifests, configs, layers) on disk under the
// sha256 digest of their bytes. A blob's life:
//
//   1. Ingest. `OpenWriter(digest, size)` claims the ingest for `digest`:
//      `<root>/ingest/<hex>/` holding `data` (the bytes so far), `size` (the
//      expected size) and `lock` (flock'ed while a writer is open). Only one
//      writer per digest exists at a time, across threads and processes; a
//      second caller blocks until the first lets go. Bytes are hashed as they
//      are written. If a previous writer was dropped (or the daemon crashed)
//      mid-way, the partial bytes are kept and re-hashed, and `offset()` says
//      where to resume (a Range request, for example).
//   2. Commit. `Writer::Commit()` checks the size and the digest, fsyncs the
//      data, makes it read-only (0444), renames it to
//      `<root>/blobs/sha256/<hex>` and fsyncs that directory. A blob is
//      visible only once whole and verified; it never changes afterwards.
//   3. Read. `Has`, `Size`, `ReadBlob` (small blobs in memory) and `OpenBlob`
//      (a descriptor for streaming). Readers need no lock: committed blobs
//      are immutable, and an open descriptor survives a `Delete`.
//   4. Delete. `Delete` unlinks a committed blob. Deciding what may be
//      deleted is garbage collection's job (engine/metadata/gc.h), not the
//      store's. `CleanIngests` removes partial ingests no writer holds.
//
// Cross-process: the ingest lock is a flock(2) on an O_CLOEXEC descriptor.
// A child forked without exec shares it and keeps the ingest held until it
// exits or execs.
//
// Thread-safety: a ContentStore is thread-safe, one per daemon. Writers are
// not thread-safe (one owner each) and must not outlive their store.
//
// Errors: NotFound for a blob that is absent; AlreadyExists from OpenWriter
// or WriteBlob when the blob is committed; FailedPrecondition for a size
// mismatch; DataLoss for a digest mismatch; syscall failures as
// base::ErrnoError ("open /x: ...").

#ifndef ENGINE_CONTENT_CONTENT_STORE_H_
#define ENGINE_CONTENT_CONTENT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/base/digest.h"
#include "engine/base/unique_fd.h"

namespace engine {
namespace content {

class ContentStore {
 public:
  // An open ingest for one digest. Destroying a Writer without Commit() or
  // Discard() releases the ingest and keeps its bytes for a later resume.
  class Writer {
   public:
    virtual ~Writer() = default;

    // Bytes written so far (including those kept from an earlier attempt).
    virtual uint64_t offset() const = 0;

    // Appends `data` at offset() and hashes it. On failure nothing of
    // `data` is kept and offset() is unchanged.
    virtual absl::Status Write(absl::string_view data) = 0;

    // Verifies the size (FailedPrecondition "size mismatch: expected N
    // bytes, got M") and then the digest (DataLoss "digest mismatch:
    // expected X, got Y"); on a mismatch the ingest is discarded and nothing
    // is committed. Otherwise publishes the blob atomically and durably.
    // Returns AlreadyExists if the blob appeared meanwhile (e.g. committed
    // through another path); the ingest is then discarded. The Writer is
    // finished afterwards: every further call fails with FailedPrecondition.
    virtual absl::Status Commit() = 0;

    // Drops the ingest and its partial bytes. The Writer is finished.
    virtual absl::Status Discard() = 0;

    // Cuts the ingest back to `offset` bytes (OutOfRange if beyond
    // offset()) and re-hashes what remains, e.g. Truncate(0) when a source
    // cannot resume and must start over.
    virtual absl::Status Truncate(uint64_t offset) = 0;
  };

  // Opens (creating if needed) the store rooted at `root`.
  static absl::StatusOr<std::unique_ptr<ContentStore>> Open(absl::string_view root);

  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;
  ~ContentStore();

  const std::string& root() const { return root_; }

  // Whether the blob is committed.
  bool Has(const base::Digest& digest) const;

  // Size in bytes of a committed blob. NotFound if absent.
  absl::StatusOr<int64_t> Size(const base::Digest& digest) const;

  // The whole blob. NotFound if absent; ResourceExhausted if it is larger
  // than `max_bytes` (callers cap manifests and configs this way).
  absl::StatusOr<std::string> ReadBlob(const base::Digest& digest,
                                       size_t max_bytes) const;

  // A read-only descriptor on the blob, for streaming. NotFound if absent.
  absl::StatusOr<base::UniqueFd> OpenBlob(const base::Digest& digest) const;

  // `<root>/blobs/sha256/<hex>`, whether or not the blob exists.
  std::string BlobPath(const base::Digest& digest) const;

  // Claims the ingest for `digest` (see the lifecycle above).
  // `expected_size` < 0 means unknown; a known size is checked at Commit and
  // Write refuses to go past it (OutOfRange). Blocks while another writer,
  // in this process or another, holds the same digest. Returns AlreadyExists
  // if the blob is committed, whether before the call or while waiting.
  // A thread that already holds a Writer for `digest` must not call this for
  // the same digest (it would wait for itself).
  absl::StatusOr<std::unique_ptr<Writer>> OpenWriter(const base::Digest& digest,
                                                     int64_t expected_size);

  // Ingests the whole of `data` as `digest` (verified). AlreadyExists if the
  // blob is committed already (the caller may treat that as success).
  absl::Status WriteBlob(const base::Digest& digest, absl::string_view data);

  // Removes a committed blob. NotFound if absent.
  absl::Status Delete(const base::Digest& digest);

  // Calls `fn` for every committed blob, in no particular order. Files under
  // blobs/sha256 whose name is not a digest are skipped.
  absl::Status Walk(
      const std::function<void(const base::Digest&, int64_t size)>& fn) const;

  // Removes ingests that no writer holds (crash leftovers and abandoned
  // resumes) whose last change is at least `min_age` old. Returns how many
  // were removed through `removed` if non-null.
  absl::Status CleanIngests(absl::Duration min_age, int* removed = nullptr);

  // Sum of the sizes of all committed blobs.
  absl::StatusOr<int64_t> TotalSize() const;

 private:
  class WriterImpl;

  explicit ContentStore(std::string root);

  std::string IngestDir(const base::Digest& digest) const;
  // Marks `hex` as held by a writer of this process, waiting while another
  // thread holds it. ReleaseIngest undoes it.
  void ClaimIngest(const std::string& hex);
  void ReleaseIngest(const std::string& hex);

  const std::string root_;
  const std::string blobs_dir_;
  const std::string ingest_root_;

  absl::Mutex mu_;
  absl::CondVar released_;                              // signalled on release
  std::set<std::string> active_ ABSL_GUARDED_BY(mu_);  // hex of open ingests
};

}  // namespace content
}  // namespace engine

#endif  // ENGINE_CONTENT_CONTENT_STORE_H_
