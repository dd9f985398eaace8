#include "sdk/docker_text.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace sdk {
namespace {

constexpr const char* kDecimalUnits[] = {"B",  "kB", "MB", "GB", "TB",
                                         "PB", "EB", "ZB", "YB"};

}  // namespace

std::string HumanSizeWithPrecision(double size, int precision) {
  int unit = 0;
  constexpr int kLast = sizeof(kDecimalUnits) / sizeof(kDecimalUnits[0]) - 1;
  while (size >= 1000.0 && unit < kLast) {
    size /= 1000.0;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g%s", precision, size, kDecimalUnits[unit]);
  return buf;
}

std::string HumanSize(double size) { return HumanSizeWithPrecision(size, 4); }

std::string LayerPhaseText(const berth::v1::LayerProgress& layer, bool push) {
  switch (layer.phase()) {
    case berth::v1::LAYER_PHASE_WAITING:
      return "Waiting";
    case berth::v1::LAYER_PHASE_DOWNLOADING:
      return "Downloading";
    case berth::v1::LAYER_PHASE_VERIFYING:
      return "Verifying Checksum";
    case berth::v1::LAYER_PHASE_DOWNLOAD_COMPLETE:
      return "Download complete";
    case berth::v1::LAYER_PHASE_EXTRACTING:
      return "Extracting";
    case berth::v1::LAYER_PHASE_PULL_COMPLETE:
      return "Pull complete";
    case berth::v1::LAYER_PHASE_ALREADY_EXISTS:
      return push ? "Layer already exists" : "Already exists";
    case berth::v1::LAYER_PHASE_PREPARING:
      return "Preparing";
    case berth::v1::LAYER_PHASE_PUSHING:
      return "Pushing";
    case berth::v1::LAYER_PHASE_PUSHED:
      return "Pushed";
    case berth::v1::LAYER_PHASE_MOUNTED:
      return absl::StrCat("Mounted from ", layer.detail());
    default:
      return push ? "Preparing" : "Pulling fs layer";
  }
}

}  // namespace sdk
