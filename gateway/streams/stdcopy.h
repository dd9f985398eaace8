// -----------------------------------------------------------------------------
// File: stdcopy.h
// -----------------------------------------------------------------------------
//
// Docker's stdcopy framing of a container's output on attach, exec and logs
// streams when the process has no TTY: each chunk is an 8-byte header
// [stream, 0, 0, 0, size as big-endian uint32] followed by `size` payload
// bytes, stream being 1 for stdout and 2 for stderr (0 stdin, 3 a system
// error the CLI aborts on). With a TTY the output is the raw pty bytes.
//
// Pure functions and a small decoder (for tests and tools); thread-safe.

#ifndef GATEWAY_STREAMS_STDCOPY_H_
#define GATEWAY_STREAMS_STDCOPY_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "proto/berth/v1/containers.pb.h"

namespace gateway {

// The first byte of a stdcopy frame.
enum class StdType : uint8_t {
  kStdin = 0,
  kStdout = 1,
  kStderr = 2,
  kSystemErr = 3,
};

inline constexpr size_t kStdcopyHeaderSize = 8;

// The frame type for an engine stream: STDERR is kStderr, everything else
// (STDOUT, and STDIN/UNSPECIFIED, which the engine does not send) kStdout.
StdType StdTypeFor(berth::v1::StdStream stream);

// Appends `payload` to `out` as stdcopy frames of `type`. An empty payload
// appends nothing (clients skip empty frames anyway); a payload above 4 GiB
// is split into several frames.
void AppendStdcopyFrame(StdType type, absl::string_view payload, std::string* out);

// The bytes to send for one chunk of process output: the raw `data` when the
// process has a TTY, else one stdcopy frame of StdTypeFor(stream).
std::string EncodeOutput(bool tty, berth::v1::StdStream stream, absl::string_view data);

// Splits a byte stream back into frames, as Docker's clients do. Feed bytes
// in any pieces; Next() returns whole frames in order.
class StdcopyDecoder {
 public:
  void Feed(absl::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }

  // Pops the next complete frame; false when none is complete yet.
  bool Next(StdType* type, std::string* payload);

  // Bytes fed but not yet returned as a frame.
  size_t pending() const { return buffer_.size(); }

 private:
  std::string buffer_;
};

}  // namespace gateway

#endif  // GATEWAY_STREAMS_STDCOPY_H_
