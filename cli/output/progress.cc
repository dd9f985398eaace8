#include "cli/output/progress.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/output/units.h"

namespace cli {
namespace {

using berth::v1::LayerPhase;

constexpr char kClearLine[] = "\x1b[1K\x1b[K";

std::string PadLeft8(const std::string& s) {
  return s.size() >= 8 ? s : std::string(8 - s.size(), ' ') + s;
}

// When the layer entered its current phase; reset on a phase change.
absl::Time PhaseStart(std::map<std::string, std::pair<int, absl::Time>>* starts,
                      const berth::v1::LayerProgress& layer, absl::Time now) {
  auto& entry = (*starts)[layer.id()];
  if (entry.first != static_cast<int>(layer.phase()) ||
      entry.second == absl::Time()) {
    entry = {static_cast<int>(layer.phase()), now};
  }
  return entry.second;
}

bool HasByteCounts(LayerPhase phase) {
  return phase == berth::v1::LAYER_PHASE_DOWNLOADING ||
         phase == berth::v1::LAYER_PHASE_EXTRACTING ||
         phase == berth::v1::LAYER_PHASE_PUSHING;
}

}  // namespace

std::string ProgressBar(int64_t current, int64_t total, absl::Time start,
                        absl::Time now, int width) {
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return PadLeft8(HumanSize(static_cast<double>(current)));

  int percentage = static_cast<int>(static_cast<double>(current) /
                                    static_cast<double>(total) * 100) /
                   2;
  percentage = std::min(percentage, 50);
  std::string bar;
  if (width > 110) {
    bar = absl::StrCat("[", std::string(std::max(percentage, 0), '='), ">",
                       std::string(std::max(50 - percentage, 0), ' '), "] ");
  }
  std::string numbers =
      PadLeft8(HumanSize(static_cast<double>(current)));
  if (current <= total) {
    absl::StrAppend(&numbers, "/", HumanSize(static_cast<double>(total)));
  }
  std::string left;
  if (current > 0 && start != absl::InfinitePast() && percentage < 50 &&
      width > 50) {
    absl::Duration per_byte = (now - start) / current;
    absl::Duration remaining = per_byte * (total - current);
    left = absl::StrCat(" ", GoDurationString(remaining));
  }
  return bar + numbers + left;
}

ProgressPrinter::ProgressPrinter(std::ostream* out, bool terminal,
                                 int terminal_width,
                                 std::function<absl::Time()> now)
    : out_(out),
      terminal_(terminal),
      width_(terminal_width),
      now_(std::move(now)) {}

void ProgressPrinter::Message(absl::string_view id, absl::string_view status) {
  lines_.clear();
  if (!id.empty()) *out_ << id << ": ";
  *out_ << status << "\n";
  out_->flush();
}

void ProgressPrinter::Layer(absl::string_view id, absl::string_view status,
                            int64_t current, int64_t total, absl::Time start) {
  std::string bar = ProgressBar(current, total, start, now_(), width_);
  if (!terminal_) {
    // As Docker: byte-count updates are for terminals only.
    if (!bar.empty()) return;
    *out_ << id << ": " << status << "\n";
    out_->flush();
    return;
  }
  std::string key(id);
  auto it = lines_.find(key);
  int line;
  if (it == lines_.end()) {
    line = static_cast<int>(lines_.size());
    lines_[key] = line;
    *out_ << "\n";
  } else {
    line = it->second;
  }
  int diff = static_cast<int>(lines_.size()) - line;
  *out_ << "\x1b[" << diff << "A";
  *out_ << kClearLine << "\r" << id << ": " << status << " " << bar << "\r";
  *out_ << "\x1b[" << diff << "B";
  out_->flush();
}

void PullRenderer::Render(const berth::v1::PullProgress& msg) {
  switch (msg.event_case()) {
    case berth::v1::PullProgress::kStarted: {
      const auto& s = msg.started();
      std::string tag = s.tag();
      if (tag.empty()) {
        size_t at = s.reference().find('@');
        if (at != std::string::npos) tag = s.reference().substr(at + 1);
      }
      printer_->Message(tag, absl::StrCat("Pulling from ", s.repository()));
      break;
    }
    case berth::v1::PullProgress::kLayer: {
      const auto& layer = msg.layer();
      bool first = seen_.insert(layer.id()).second;
      if (first && layer.phase() != berth::v1::LAYER_PHASE_ALREADY_EXISTS &&
          layer.phase() != berth::v1::LAYER_PHASE_UNSPECIFIED) {
        printer_->Layer(layer.id(), "Pulling fs layer", 0, 0,
                        absl::InfinitePast());
      }
      bool counts = HasByteCounts(layer.phase());
      absl::Time start = PhaseStart(&phase_start_, layer, printer_->Now());
      printer_->Layer(layer.id(), sdk::LayerPhaseText(layer, /*push=*/false),
                      counts ? layer.current() : 0, counts ? layer.total() : 0,
                      start);
      break;
    }
    case berth::v1::PullProgress::kDone: {
      const auto& d = msg.done();
      printer_->Message("", absl::StrCat("Digest: ", d.digest()));
      printer_->Message("", absl::StrCat(d.up_to_date()
                                             ? "Status: Image is up to date for "
                                             : "Status: Downloaded newer image for ",
                                         d.reference()));
      break;
    }
    default:
      break;
  }
}

void PushRenderer::Render(const berth::v1::PushProgress& msg) {
  switch (msg.event_case()) {
    case berth::v1::PushProgress::kRepository:
      printer_->Message("", absl::StrCat("The push refers to repository [",
                                         msg.repository(), "]"));
      break;
    case berth::v1::PushProgress::kLayer: {
      const auto& layer = msg.layer();
      bool counts = HasByteCounts(layer.phase());
      absl::Time start = PhaseStart(&phase_start_, layer, printer_->Now());
      printer_->Layer(layer.id(), sdk::LayerPhaseText(layer, /*push=*/true),
                      counts ? layer.current() : 0, counts ? layer.total() : 0,
                      start);
      break;
    }
    case berth::v1::PushProgress::kDone: {
      const auto& d = msg.done();
      printer_->Message(d.tag(), absl::StrFormat("digest: %s size: %d",
                                                 d.digest(), d.size()));
      break;
    }
    default:
      break;
  }
}

}  // namespace cli
