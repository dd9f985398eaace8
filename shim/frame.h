// -----------------------------------------------------------------------------
// File: frame.h
// -----------------------------------------------------------------------------
//
// The byte framing of the berthd <-> berth-shim protocol, as the header of
// proto/berth/shim/v1/shim.proto specifies it:
//
//   message frame:  u32 big-endian length N (1 <= N <= 1 MiB) | N bytes
//   stream frame:   u8 kind | u32 big-endian length | payload   (attach)
//
// Two ways to use it:
//   * blocking helpers on a file descriptor (WriteFrame / ReadFrame /
//     WriteStreamFrame / ReadStreamFrame), for clients and tests;
//   * incremental decoders (FrameDecoder / StreamFrameDecoder) and encoders
//     (EncodeFrame / EncodeStreamFrame) for a non-blocking poll loop: feed
//     whatever bytes arrived, take out the complete frames.
//
// Error codes: Unavailable when the peer closed or the connection broke
// (EOF, ECONNRESET, EPIPE); DataLoss for a malformed frame (length 0 or
// above kMaxFrameSize for a message frame, a stream payload above
// kMaxFrameSize, an unknown stream kind, EOF in the middle of a frame);
// other syscall errors as base::ErrnoError.
//
// Depends on engine/base only (no protobuf), so berthd's client can share it.
// Thread-compatible: decoders are owned by one caller at a time.

#ifndef SHIM_FRAME_H_
#define SHIM_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shim {

// Largest message (and stream payload) either side accepts.
inline constexpr size_t kMaxFrameSize = 1 << 20;

// Stream frame kinds on an attach connection.
enum class StreamKind : uint8_t {
  kStdin = 0,       // client -> shim: stdin bytes
  kStdout = 1,      // shim -> client
  kStderr = 2,      // shim -> client
  kEnd = 3,         // shim -> client: output over, no payload; shim closes
  kCloseStdin = 4,  // client -> shim: no payload
  kResize = 5,      // client -> shim: u16 BE rows, u16 BE columns
};

// Whether `kind` is one of the StreamKind values above.
bool IsValidStreamKind(uint8_t kind);

struct StreamFrame {
  StreamKind kind = StreamKind::kStdout;
  std::string payload;
};

// EncodeFrame()
//
// Returns the message frame for `payload` (which must be 1..kMaxFrameSize
// bytes; callers check with ValidFrameSize).
std::string EncodeFrame(absl::string_view payload);
bool ValidFrameSize(size_t n);

// EncodeStreamFrame()
//
// Returns the stream frame of `kind` carrying `payload` (<= kMaxFrameSize).
std::string EncodeStreamFrame(StreamKind kind, absl::string_view payload);

// Resize payload helpers (kind 5).
std::string EncodeResize(uint16_t rows, uint16_t columns);
// InvalidArgument unless `payload` is exactly 4 bytes.
absl::Status DecodeResize(absl::string_view payload, uint16_t* rows, uint16_t* columns);

// FrameDecoder
//
// Reassembles message frames from arbitrary chunks. After an error every
// later call returns the same error.
class FrameDecoder {
 public:
  // Appends received bytes.
  void Feed(absl::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }
  // Sets `*frame` to the next complete frame's payload and returns true;
  // false when more bytes are needed. DataLoss for a bad length.
  absl::StatusOr<bool> Next(std::string* frame);
  // Bytes buffered and not yet returned (a partial frame at EOF is DataLoss).
  size_t buffered() const { return buffer_.size(); }
  // Returns the buffered bytes and forgets them (what followed the frames
  // this decoder was meant for).
  std::string TakeBuffered() {
    std::string out;
    out.swap(buffer_);
    return out;
  }

 private:
  std::string buffer_;
  absl::Status error_;
};

// StreamFrameDecoder: the same for stream frames.
class StreamFrameDecoder {
 public:
  void Feed(absl::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }
  absl::StatusOr<bool> Next(StreamFrame* frame);
  size_t buffered() const { return buffer_.size(); }

 private:
  std::string buffer_;
  absl::Status error_;
};

// Blocking helpers. They retry EINTR and short reads/writes; on a
// non-blocking fd they fail with the EAGAIN error instead of waiting.
// Writes use send(MSG_NOSIGNAL) on sockets so a closed peer gives
// Unavailable, not SIGPIPE (and plain write(2) on other fds).
absl::Status WriteFrame(int fd, absl::string_view payload);
absl::StatusOr<std::string> ReadFrame(int fd);
absl::Status WriteStreamFrame(int fd, StreamKind kind, absl::string_view payload);
absl::StatusOr<StreamFrame> ReadStreamFrame(int fd);

// Writes all of `data` to `fd` as above (exposed for the server's replies).
absl::Status WriteFully(int fd, absl::string_view data);

}  // namespace shim

#endif  // SHIM_FRAME_H_
