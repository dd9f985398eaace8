#include "engine/images/progress.h"

#include "absl/time/clock.h"

namespace engine::images {

void ProgressReporter::Phase(absl::string_view id, berth::v1::LayerPhase phase,
                             int64_t current, int64_t total,
                             absl::string_view detail) {
  absl::MutexLock lock(&mu_);
  Emit(id, phase, current, total, detail);
}

void ProgressReporter::Bytes(absl::string_view id, berth::v1::LayerPhase phase,
                             int64_t current, int64_t total) {
  absl::MutexLock lock(&mu_);
  absl::Time now = absl::Now();
  absl::Time& last = last_[std::string(id)];
  if (current != total && now - last < absl::Milliseconds(100)) return;
  last = now;
  Emit(id, phase, current, total, "");
}

void ProgressReporter::Emit(absl::string_view id, berth::v1::LayerPhase phase,
                            int64_t current, int64_t total,
                            absl::string_view detail) {
  if (!callback_) return;
  berth::v1::LayerProgress event;
  event.set_id(std::string(id));
  event.set_phase(phase);
  event.set_current(current);
  event.set_total(total);
  event.set_detail(std::string(detail));
  callback_(event);
}

}  // namespace engine::images
