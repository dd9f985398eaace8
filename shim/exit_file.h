// -----------------------------------------------------------------------------
// File: exit_file.h
// -----------------------------------------------------------------------------
//
// The `exit` file a shim writes into its state directory when the
// container's init process exits, and that berthd reads (also after a
// restart, to learn exits that happened while it was down):
//
//   {"exit_code":137,"exited_at":"2026-11-28T08:00:00.123456789Z","oom_killed":true}
//
// `exited_at` is RFC 3339 with nanoseconds in UTC, trailing zeros trimmed
// (Go's time.RFC3339Nano). The file is replaced atomically (temporary file,
// fsync, rename), so a reader sees the whole record or no file.
// Thread-compatible.

#ifndef SHIM_EXIT_FILE_H_
#define SHIM_EXIT_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shim {

inline constexpr absl::string_view kExitFileName = "exit";

struct ExitRecord {
  int exit_code = 0;  // the process's code, or 128 + signal
  absl::Time exited_at = absl::UnixEpoch();
  bool oom_killed = false;
};

// Formats `t` as Go's RFC3339Nano in UTC ("2026-11-28T08:00:00.1234Z").
std::string FormatRfc3339Nano(absl::Time t);
// Parses RFC 3339 with optional fraction and a Z or +hh:mm offset.
// InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text);

// The JSON document (no trailing newline).
std::string FormatExitRecord(const ExitRecord& record);
// InvalidArgument for anything but an object with an integer `exit_code`
// and a string `exited_at` (`oom_killed` is optional, default false).
absl::StatusOr<ExitRecord> ParseExitRecord(absl::string_view json);

// Writes `dir`/exit atomically (mode 0644).
absl::Status WriteExitFile(absl::string_view dir, const ExitRecord& record);
// Reads `dir`/exit. NotFound when the process has not exited (no file).
absl::StatusOr<ExitRecord> ReadExitFile(absl::string_view dir);

}  // namespace shim

#endif  // SHIM_EXIT_FILE_H_
