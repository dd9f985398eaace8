// -----------------------------------------------------------------------------
// File: status.h
// -----------------------------------------------------------------------------
//
// Helpers to build `absl::Status` values the way Berth writes errors: lower
// case, verb plus object, errno text last (`open /x: No such file or
// directory`), with context prepended while an error travels up.

#ifndef ENGINE_BASE_STATUS_H_
#define ENGINE_BASE_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace base {

// ErrnoError()
//
// Returns a status for a failed syscall: `what` (e.g. "open /x") followed by
// the text of `errno_value`. The code follows absl::ErrnoToStatusCode
// (ENOENT -> NotFound, EEXIST -> AlreadyExists, EACCES -> PermissionDenied,
// ENOSPC -> ResourceExhausted, ...).
absl::Status ErrnoError(int errno_value, absl::string_view what);

// Annotate()
//
// Returns `status` with `context: ` prepended to its message, keeping its
// code. OK stays OK.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace base

#endif  // ENGINE_BASE_STATUS_H_
