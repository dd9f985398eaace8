// -----------------------------------------------------------------------------
// File: log_reader.h
// -----------------------------------------------------------------------------
//
// Reads a container's log in Docker's json-file format, as the shim writes
// it: one JSON object per line,
//   {"log":"hi\n","stream":"stdout","time":"2026-11-28T08:00:00.123456789Z"}
// in `<path>` with older, rotated content in `<path>.1`, `<path>.2`, ...
// (the highest number is the oldest).
//
// ReadLogs is `docker logs`: it filters by stream and time, keeps the last
// `tail` lines, and with `follow` keeps reading new lines (across rotations,
// woken by inotify) until `stop()` says the container stopped and the file is
// drained, or the sink asks to stop.
//
// Thread-compatible: every call is independent; the sink runs on the
// caller's thread.

#ifndef ENGINE_RUNTIME_LOG_READER_H_
#define ENGINE_RUNTIME_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace engine::runtime {

struct LogLine {
  bool is_stderr = false;
  std::string data;  // the "log" text, with its newline if it had one
  absl::Time time = absl::UnixEpoch();
};

struct LogReadOptions {
  bool want_stdout = true;
  bool want_stderr = true;
  absl::Time since = absl::InfinitePast();   // lines before are skipped
  absl::Time until = absl::InfiniteFuture(); // lines after end the read
  int64_t tail = -1;                          // last N lines; -1 = all
  bool follow = false;
};

// Parses one json-file line. InvalidArgument for anything else.
absl::StatusOr<LogLine> ParseLogLine(absl::string_view json);

// Parses `--tail`: "all" or "" -> -1, a non-negative number -> it.
// InvalidArgument otherwise.
absl::StatusOr<int64_t> ParseTail(absl::string_view tail);

// Calls `sink` for every matching line, oldest first. `sink` returns false
// to stop (client gone). With `follow`, `stop` is polled (about every
// 200 ms, and when the file changes); once it returns true whatever is left
// in the file is still delivered, then ReadLogs returns. Unparseable lines
// are skipped. A missing log file reads as empty.
absl::Status ReadLogs(const std::string& path, const LogReadOptions& options,
                      const std::function<bool(const LogLine&)>& sink,
                      const std::function<bool()>& stop = nullptr);

// The rotated files and the live one, oldest first (existing ones only).
std::vector<std::string> LogFiles(const std::string& path);

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_LOG_READER_H_
