// -----------------------------------------------------------------------------
// File: json_logger.h
// -----------------------------------------------------------------------------
//
// Docker's json-file log driver, as a shim writes it: one JSON object per
// line of container output,
//
//   {"log":"hi\n","stream":"stdout","time":"2026-11-28T08:00:00.123456789Z"}
//
// * Lines: output is split at '\n' (the newline stays in "log"). An
//   unterminated tail waits for the rest of its line, like Docker's copier;
//   it is written alone when it reaches kMaxLineBuffer bytes or on Flush()
//   (end of the stream).
// * Escaping: byte for byte Docker's jsonlog encoder: \" \\ \n \r; other
//   control bytes, < > & as \u00XX; invalid UTF-8 as \ufffd; U+2028/U+2029
//   as \u2028/\u2029.
// * Time: UTC, RFC 3339 with nanoseconds, trailing zeros trimmed.
// * Rotation (max-size / max-file): before a write, if the file has reached
//   max_size bytes, `<path>.N-1` is dropped, `<path>.i` is renamed to
//   `<path>.i+1`, `<path>` to `<path>.1`, and a new `<path>` is started.
//   With max_files <= 1 the file is truncated instead. max_size < 0 means
//   never rotate.
//
// Not thread-safe: the shim's single loop owns it. Writes are not fsynced.

#ifndef SHIM_JSON_LOGGER_H_
#define SHIM_JSON_LOGGER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/base/unique_fd.h"

namespace shim {

enum class LogStream { kStdout = 0, kStderr = 1 };

// Longest unterminated line kept before it is written as a partial entry
// (Docker's copier buffer).
inline constexpr size_t kMaxLineBuffer = 16 * 1024;

// Appends `data` as a JSON string literal (quotes included), escaped as
// Docker's jsonlog does.
void AppendJsonLogString(std::string* out, absl::string_view data);

// One log line, with its trailing '\n'.
std::string FormatLogEntry(absl::string_view log, LogStream stream, absl::Time time);

class JsonLogger {
 public:
  // Opens `path` for appending (creating it, mode 0640). `max_size` in
  // bytes (< 0: unlimited), `max_files` >= 1.
  static absl::StatusOr<std::unique_ptr<JsonLogger>> Open(absl::string_view path,
                                                          int64_t max_size, int max_files);

  // Logs `data` read from `stream` at `now`. Errors name the file; the
  // caller may go on (a full disk loses lines, not the container).
  absl::Status Write(LogStream stream, absl::string_view data, absl::Time now);

  // Writes the unterminated tail of `stream`, if any (its output ended).
  absl::Status Flush(LogStream stream, absl::Time now);

  const std::string& path() const { return path_; }
  int64_t current_size() const { return size_; }

 private:
  JsonLogger(std::string path, base::UniqueFd fd, int64_t size, int64_t max_size,
             int max_files);
  absl::Status Emit(absl::string_view log, LogStream stream, absl::Time now);
  absl::Status Rotate();

  std::string path_;
  base::UniqueFd fd_;
  int64_t size_;
  int64_t max_size_;
  int max_files_;
  std::string pending_[2];  // unterminated tail per stream
};

}  // namespace shim

#endif  // SHIM_JSON_LOGGER_H_
