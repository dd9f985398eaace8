// -----------------------------------------------------------------------------
// File: progress.h
// -----------------------------------------------------------------------------
//
// ProgressReporter serialises progress events from the layer workers of a
// pull or push onto one callback, and throttles byte counters so a fast
// download does not flood the client. Thread-safe.

#ifndef ENGINE_IMAGES_PROGRESS_H_
#define ENGINE_IMAGES_PROGRESS_H_

#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/berth/v1/images.pb.h"

namespace engine::images {

class ProgressReporter {
 public:
  using Callback = std::function<void(const berth::v1::LayerProgress&)>;
  // `callback` may be empty (no reporting). It is called under a lock, one
  // event at a time.
  explicit ProgressReporter(Callback callback) : callback_(std::move(callback)) {}

  // Reports a phase change; always delivered.
  void Phase(absl::string_view id, berth::v1::LayerPhase phase,
             int64_t current = 0, int64_t total = 0,
             absl::string_view detail = "");
  // Reports bytes moved; delivered at most every 100 ms per layer, and
  // always when current == total.
  void Bytes(absl::string_view id, berth::v1::LayerPhase phase, int64_t current,
             int64_t total);

 private:
  void Emit(absl::string_view id, berth::v1::LayerPhase phase, int64_t current,
            int64_t total, absl::string_view detail)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Callback callback_;
  absl::Mutex mu_;
  std::map<std::string, absl::Time> last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace engine::images

#endif  // ENGINE_IMAGES_PROGRESS_H_
