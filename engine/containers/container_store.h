// -----------------------------------------------------------------------------
// File: container_store.h
// -----------------------------------------------------------------------------
//
// ContainerStore is the typed view of the container records kept in
// metadata.db (engine/metadata/metadata_store.h): it serializes
// berth.engine.v1.ContainerRecord, keeps the indexed columns (name, image
// ID, snapshot) in step with the record, and resolves what users type
// ("web", "/web", "3f2a", a full ID) to one container with Docker's rules.
//
// Thread-safety: thread-safe. Read-modify-write operations (Update, Rename)
// are serialised by one mutex, so two of them never lose each other's
// change. The daemon should use one ContainerStore per MetadataStore.
//
// Errors: NotFound "No such container: <ref>" for a missing container;
// AlreadyExists for a taken ID or name (Docker's "Conflict. The container
// name ..." wording); InvalidArgument for a bad name or an ambiguous ID
// prefix; DataLoss if a stored record does not parse.

#ifndef ENGINE_CONTAINERS_CONTAINER_STORE_H_
#define ENGINE_CONTAINERS_CONTAINER_STORE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/containers/container_record.pb.h"
#include "engine/metadata/metadata_store.h"

namespace engine {
namespace containers {

using ContainerRecord = ::berth::engine::v1::ContainerRecord;

class ContainerStore {
 public:
  // `metadata` is not owned and must outlive the store.
  explicit ContainerStore(metadata::MetadataStore* metadata) : metadata_(metadata) {}
  ContainerStore(const ContainerStore&) = delete;
  ContainerStore& operator=(const ContainerStore&) = delete;

  // Stores a new container. The record needs an ID (NewId()), a valid name
  // (ValidateName; a leading "/" is removed), an image ID and a snapshot
  // key. AlreadyExists if the ID or name is taken.
  absl::Status Create(const ContainerRecord& record);

  // The container with exactly this ID. NotFound otherwise.
  absl::StatusOr<ContainerRecord> Get(absl::string_view id);

  // Every container, newest (by `created`) first.
  absl::StatusOr<std::vector<ContainerRecord>> List();

  // Replaces the stored record of `record.id()`. NotFound if it was removed
  // (a removed container is never brought back); AlreadyExists if the
  // record's name is another container's.
  absl::Status Update(const ContainerRecord& record);

  // Deletes the record. NotFound if absent.
  absl::Status Remove(absl::string_view id);

  // Gives container `id` the name `new_name` (validated; a leading "/" is
  // removed) in the record and the index at once. AlreadyExists if another
  // container has it; InvalidArgument "Renaming a container with the same
  // name as its current name" when unchanged, as Docker.
  absl::Status Rename(absl::string_view id, absl::string_view new_name);

  // Resolves a reference as Docker does: the exact full ID, else the exact
  // name (with or without a leading "/"), else a unique ID prefix.
  // NotFound "No such container: <ref>"; InvalidArgument "multiple IDs found
  // with provided prefix: <ref>" when ambiguous, and "No container name or
  // ID supplied" for an empty ref.
  absl::StatusOr<ContainerRecord> Resolve(absl::string_view ref);

  // A Docker-style "adjective_surname" name that no container has now (a
  // digit is appended after repeated collisions). The name is not reserved:
  // Create() may still report AlreadyExists under a race, and the caller
  // then asks again.
  absl::StatusOr<std::string> GenerateName();

  // A new random ID: 64 lowercase hex digits from the kernel's random pool
  // (getrandom(2), the /dev/urandom source). Like Docker, never one whose
  // 12-digit short form is all decimal digits (it would read as a number).
  static absl::StatusOr<std::string> NewId();

  // OK for [a-zA-Z0-9][a-zA-Z0-9_.-]+ after one optional leading "/";
  // InvalidArgument "Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-]
  // are allowed" otherwise.
  static absl::Status ValidateName(absl::string_view name);

 private:
  absl::StatusOr<ContainerRecord> Parse(const metadata::ContainerRow& row);
  absl::StatusOr<metadata::ContainerRow> ToRow(const ContainerRecord& record);

  metadata::MetadataStore* const metadata_;
  absl::Mutex write_mu_;
};

// The first 12 characters of an ID (Docker's short ID).
std::string ShortId(absl::string_view id);

}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_CONTAINER_STORE_H_
