// -----------------------------------------------------------------------------
// File: docker_text.h
// -----------------------------------------------------------------------------
//
// Text that Docker's clients show verbatim, produced by both the `berth` CLI
// and the Docker API gateway: sizes as github.com/docker/go-units prints
// them, and the status words of a pulled or pushed layer.
//
// Thread-safe: pure functions.

#ifndef SDK_DOCKER_TEXT_H_
#define SDK_DOCKER_TEXT_H_

#include <string>

#include "proto/berth/v1/images.pb.h"

namespace sdk {

// `size` bytes in decimal units (B, kB, MB, GB, ...) with `precision`
// significant digits, printf %g style: 13300 -> "13.3kB" (precision 3),
// 0 -> "0B".
std::string HumanSizeWithPrecision(double size, int precision);

// HumanSizeWithPrecision(size, 4): what progress bars show ("1.234MB").
std::string HumanSize(double size);

// The Docker status text of a layer phase: "Waiting", "Downloading",
// "Verifying Checksum", "Download complete", "Extracting", "Pull complete",
// "Already exists" (pull) / "Layer already exists" (push), "Preparing",
// "Pushing", "Pushed", "Mounted from <detail>", "Pulling fs layer".
std::string LayerPhaseText(const berth::v1::LayerProgress& layer, bool push);

}  // namespace sdk

#endif  // SDK_DOCKER_TEXT_H_
