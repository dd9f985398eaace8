// -----------------------------------------------------------------------------
// File: progress.h
// -----------------------------------------------------------------------------
//
// Pull and push progress as the docker CLI shows it (moby pkg/jsonmessage).
//
// On a terminal every layer owns one line that is rewritten in place:
//
//   a1b2c3d4e5f6: Downloading [=========>                     ]  1.2MB/3.4MB 3s
//   0f9e8d7c6b5a: Pull complete
//
// Elsewhere (pipes, files) no ANSI codes are written and updates that carry a
// byte count are dropped, so each layer prints one plain line per phase:
//
//   a1b2c3d4e5f6: Pulling fs layer
//   a1b2c3d4e5f6: Verifying Checksum
//   a1b2c3d4e5f6: Download complete
//   a1b2c3d4e5f6: Pull complete
//
// Not thread-safe: feed it from the thread that reads the stream.

#ifndef CLI_OUTPUT_PROGRESS_H_
#define CLI_OUTPUT_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/berth/v1/images.pb.h"

namespace cli {

// ProgressBar()
//
// The progress part of a line, as JSONProgress.String(): empty when nothing
// is known; "[====>   ] " (50 cells) when `width` > 110; then
// "%8s/%s" current/total in HumanSize; then " <time left>" when `start` is
// known, the bar is not full and `width` > 50.
std::string ProgressBar(int64_t current, int64_t total, absl::Time start,
                        absl::Time now, int width);

// Writes Docker-style status lines, tracking one line per layer ID on a
// terminal.
class ProgressPrinter {
 public:
  // `out` must outlive the printer. `terminal_width` is the column count
  // (Docker assumes 200 when unknown). `now` is the clock (for tests).
  ProgressPrinter(std::ostream* out, bool terminal, int terminal_width = 200,
                  std::function<absl::Time()> now = &absl::Now);

  // A line that belongs to no layer ("Digest: sha256:..."), or to an ID
  // without progress ("latest: Pulling from library/x" with id "latest").
  // Ends the current block of layer lines.
  void Message(absl::string_view id, absl::string_view status);

  // A layer update. `current`/`total` are bytes, 0 when not applicable;
  // `start` is when the phase began (InfinitePast() if unknown).
  void Layer(absl::string_view id, absl::string_view status, int64_t current,
             int64_t total, absl::Time start);

  absl::Time Now() const { return now_(); }

 private:
  std::ostream* out_;
  bool terminal_;
  int width_;
  std::function<absl::Time()> now_;
  // Terminal: line index of each layer in the current block.
  std::map<std::string, int> lines_;
};

// Renders a Pull stream. The summary ("Digest: ...", "Status: ...") is
// printed from the `done` message; the caller prints the final reference.
class PullRenderer {
 public:
  explicit PullRenderer(ProgressPrinter* printer) : printer_(printer) {}
  void Render(const berth::v1::PullProgress& msg);

 private:
  ProgressPrinter* printer_;
  std::set<std::string> seen_;
  std::map<std::string, std::pair<int, absl::Time>> phase_start_;
};

// Renders a Push stream, including the final
// "<tag>: digest: sha256:... size: N" line.
class PushRenderer {
 public:
  explicit PushRenderer(ProgressPrinter* printer) : printer_(printer) {}
  void Render(const berth::v1::PushProgress& msg);

 private:
  ProgressPrinter* printer_;
  std::map<std::string, std::pair<int, absl::Time>> phase_start_;
};

}  // namespace cli

#endif  // CLI_OUTPUT_PROGRESS_H_
