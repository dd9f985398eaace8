#include "gateway/images/progress_json.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "sdk/docker_text.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace gateway {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using berth::v1::LayerPhase;
using berth::v1::LayerProgress;

void Str(Writer* w, absl::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string PadLeft8(const std::string& s) {
  return s.size() >= 8 ? s : std::string(8 - s.size(), ' ') + s;
}

// One JSONMessage line in moby's field order: status, progressDetail,
// progress, id. `detail` false omits progressDetail (summary lines).
std::string Line(absl::string_view status, absl::string_view id, bool detail,
                 int64_t current = 0, int64_t total = 0) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("status");
  Str(&w, status);
  if (detail) {
    w.Key("progressDetail");
    w.StartObject();
    if (current != 0) {
      w.Key("current");
      w.Int64(current);
    }
    if (total != 0) {
      w.Key("total");
      w.Int64(total);
    }
    w.EndObject();
    std::string progress = ProgressString(current, total);
    if (!progress.empty()) {
      w.Key("progress");
      Str(&w, progress);
    }
  }
  if (!id.empty()) {
    w.Key("id");
    Str(&w, id);
  }
  w.EndObject();
  return absl::StrCat(absl::string_view(buf.GetString(), buf.GetSize()), "\r\n");
}

bool HasByteCounts(LayerPhase phase) {
  return phase == berth::v1::LAYER_PHASE_DOWNLOADING ||
         phase == berth::v1::LAYER_PHASE_EXTRACTING ||
         phase == berth::v1::LAYER_PHASE_PUSHING;
}

std::string LayerLine(const LayerProgress& layer, bool push) {
  bool counts = HasByteCounts(layer.phase());
  return Line(sdk::LayerPhaseText(layer, push), layer.id(), /*detail=*/true,
              counts ? layer.current() : 0, counts ? layer.total() : 0);
}

}  // namespace

std::string ProgressString(int64_t current, int64_t total) {
  if (current <= 0 && total <= 0) return "";
  std::string current_text = PadLeft8(sdk::HumanSize(static_cast<double>(current)));
  if (total <= 0) return current_text;
  int percentage = static_cast<int>(static_cast<double>(current) /
                                    static_cast<double>(total) * 100) / 2;
  percentage = std::min(std::max(percentage, 0), 50);
  std::string bar = absl::StrCat("[", std::string(percentage, '='), ">",
                                 std::string(50 - percentage, ' '), "] ");
  if (current > total) return bar + current_text;
  return absl::StrCat(bar, current_text, "/", sdk::HumanSize(static_cast<double>(total)));
}

std::string StreamErrorLine(absl::string_view message) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("errorDetail");
  w.StartObject();
  w.Key("message");
  Str(&w, message);
  w.EndObject();
  w.Key("error");
  Str(&w, message);
  w.EndObject();
  return absl::StrCat(absl::string_view(buf.GetString(), buf.GetSize()), "\r\n");
}

std::string PullJsonFormatter::Format(const berth::v1::PullProgress& message) {
  switch (message.event_case()) {
    case berth::v1::PullProgress::kStarted: {
      const auto& s = message.started();
      std::string id = s.tag();
      if (id.empty()) {
        size_t at = s.reference().find('@');
        if (at != std::string::npos) id = s.reference().substr(at + 1);
      }
      return Line(absl::StrCat("Pulling from ", s.repository()), id,
                  /*detail=*/false);
    }
    case berth::v1::PullProgress::kLayer: {
      const LayerProgress& layer = message.layer();
      std::string out;
      bool first = seen_.insert(layer.id()).second;
      if (first && layer.phase() != berth::v1::LAYER_PHASE_ALREADY_EXISTS &&
          layer.phase() != berth::v1::LAYER_PHASE_UNSPECIFIED) {
        out = Line("Pulling fs layer", layer.id(), /*detail=*/true);
      }
      return out + LayerLine(layer, /*push=*/false);
    }
    case berth::v1::PullProgress::kDone: {
      const auto& d = message.done();
      std::string out;
      if (!d.digest().empty()) {
        out = Line(absl::StrCat("Digest: ", d.digest()), "", /*detail=*/false);
      }
      return out + Line(absl::StrCat(d.up_to_date()
                                         ? "Status: Image is up to date for "
                                         : "Status: Downloaded newer image for ",
                                     d.reference()),
                        "", /*detail=*/false);
    }
    default:
      return "";
  }
}

std::string PushJsonFormatter::Format(const berth::v1::PushProgress& message) {
  switch (message.event_case()) {
    case berth::v1::PushProgress::kRepository:
      return Line(absl::StrCat("The push refers to repository [",
                               message.repository(), "]"),
                  "", /*detail=*/false);
    case berth::v1::PushProgress::kLayer:
      return LayerLine(message.layer(), /*push=*/true);
    case berth::v1::PushProgress::kDone: {
      const auto& d = message.done();
      std::string status =
          absl::StrCat(d.tag(), ": digest: ", d.digest(), " size: ", d.size());
      rapidjson::StringBuffer buf;
      Writer w(buf);
      w.StartObject();
      w.Key("progressDetail");
      w.StartObject();
      w.EndObject();
      w.Key("aux");
      w.StartObject();
      w.Key("Tag");
      Str(&w, d.tag());
      w.Key("Digest");
      Str(&w, d.digest());
      w.Key("Size");
      w.Int64(d.size());
      w.EndObject();
      w.EndObject();
      return absl::StrCat(Line(status, "", /*detail=*/false),
                          absl::string_view(buf.GetString(), buf.GetSize()), "\r\n");
    }
    default:
      return "";
  }
}

}  // namespace gateway
