// -----------------------------------------------------------------------------
// File: detach_keys.h
// -----------------------------------------------------------------------------
//
// Docker's detach key sequence on an attached stdin (`--detach-keys`,
// default "ctrl-p,ctrl-q"). DetachKeyFilter sits on the stdin path: bytes
// that could start the sequence are held back; when the whole sequence
// arrives the session detaches and the sequence is swallowed; when it breaks
// off, the held bytes are passed on.
//
// Thread-compatible.

#ifndef ENGINE_RUNTIME_DETACH_KEYS_H_
#define ENGINE_RUNTIME_DETACH_KEYS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine::runtime {

// Parses "ctrl-p,ctrl-q", "a,ctrl-@", ... into bytes. "" gives the default
// (ctrl-p ctrl-q); "none" gives an empty sequence (no detaching).
// InvalidArgument "Invalid detach keys (x) provided" otherwise.
absl::StatusOr<std::string> ParseDetachKeys(absl::string_view spec);

class DetachKeyFilter {
 public:
  explicit DetachKeyFilter(std::string keys) : keys_(std::move(keys)) {}

  // Consumes `in`; returns the bytes to forward to the process. Sets
  // `*detach` when the sequence completed (bytes after it are dropped).
  std::string Filter(absl::string_view in, bool* detach);

 private:
  std::string keys_;
  size_t matched_ = 0;
};

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_DETACH_KEYS_H_
