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

namespace cli {

// HumanSizeWithPrecision()
//
// `size` bytes in decimal units (B, kB, MB, GB, ...) with `precision`
// significant digits, printf %g style: 13300 -> "13.3kB" (precision 3),
// 0 -> "0B". The `images` SIZE column uses precision 3.
std::string HumanSizeWithPrecision(double size, int precision);

// HumanSize()
//
// HumanSizeWithPrecision(size, 4): what progress bars show ("1.234MB").
std::string HumanSize(double size);

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
