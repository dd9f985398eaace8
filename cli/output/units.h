// -----------------------------------------------------------------------------
// File: units.h
// -----------------------------------------------------------------------------
//
// Human-readable sizes and durations exactly as the docker CLI prints them
// (github.com/docker/go-units): decimal units, a fixed number of significant
// digits, and coarse "2 days"-style durations.

#ifndef CLI_OUTPUT_UNITS_H_
#define CLI_OUTPUT_UNITS_H_

#include <string>

#include "absl/time/time.h"
#include "sdk/docker_text.h"

namespace cli {

// Sizes as go-units prints them (sdk/docker_text.h).
using sdk::HumanSize;
using sdk::HumanSizeWithPrecision;

// HumanDuration()
//
// Docker's approximation: "Less than a second", "1 second", "45 seconds",
// "About a minute", "35 minutes", "About an hour", "3 hours", "2 days",
// "3 weeks", "5 months", "2 years". Append " ago" for CREATED columns.
std::string HumanDuration(absl::Duration d);

// GoDurationString()
//
// A duration as Go's time.Duration.String() prints whole seconds: "0s",
// "45s", "1m30s", "2h0m5s". Used for the time left on progress bars.
std::string GoDurationString(absl::Duration d);

}  // namespace cli

#endif  // CLI_OUTPUT_UNITS_H_
