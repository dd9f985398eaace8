// Internal to ContainerManager's .cc files: its per-container and per-exec
// in-memory state and small helpers.

#ifndef ENGINE_RUNTIME_CONTAINER_MANAGER_INTERNAL_H_
#define ENGINE_RUNTIME_CONTAINER_MANAGER_INTERNAL_H_

#include <cstdint>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/runtime/container_manager.h"
#include "google/protobuf/timestamp.pb.h"

namespace engine::runtime {

// In-memory state of one container. Guarded by ContainerManager::mu_
// except op_mu itself.
struct ContainerManager::Live {
  // Serialises lifecycle operations (start, stop, kill, remove, ...).
  absl::Mutex op_mu;
  // Bumped at every recorded exit; Wait and Stop watch it.
  int64_t exit_generation = 0;
  bool removed = false;
  // The exit status the record held when it was removed, for waiters that
  // learn of the removal after the record is gone (docker run --rm).
  int removed_exit_code = 0;
  std::string removed_error;
  // Set by Restart so that the exit it causes does not auto-remove.
  bool restarting = false;
};

// One exec (docker exec). Guarded by ContainerManager::mu_.
struct ContainerManager::Exec {
  std::string id;
  std::string container_id;
  berth::v1::ExecCreateRequest request;
  std::string process_json;
  bool started = false;
  bool running = false;
  bool has_exit = false;
  int exit_code = 0;
  int64_t pid = 0;
  PendingWait* wait = nullptr;  // owned by the exec's watcher thread
};

inline void SetProtoTime(absl::Time t, google::protobuf::Timestamp* out) {
  int64_t nanos = absl::ToUnixNanos(t);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return absl::UnixEpoch();
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_CONTAINER_MANAGER_INTERNAL_H_
