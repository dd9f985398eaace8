#include "shim/frame.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"

namespace shim {
namespace {

void PutU32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>((v >> 24) & 0xff));
  out->push_back(static_cast<char>((v >> 16) & 0xff));
  out->push_back(static_cast<char>((v >> 8) & 0xff));
  out->push_back(static_cast<char>(v & 0xff));
}

uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) |
         uint32_t{u[3]};
}

bool IsDisconnect(int err) {
  return err == EPIPE || err == ECONNRESET || err == ENOTCONN || err == ESHUTDOWN;
}

// Reads exactly `n` bytes. `*got_any` tells a clean EOF (nothing read) from a
// cut in the middle.
absl::Status ReadExactly(int fd, char* buf, size_t n, bool* got_any) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(fd, buf + done, n - done);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (IsDisconnect(errno)) return absl::UnavailableError("connection reset by peer");
      return base::ErrnoError(errno, "read frame");
    }
    if (r == 0) {
      if (done == 0 && !*got_any) return absl::UnavailableError("connection closed");
      return absl::DataLossError("connection closed in the middle of a frame");
    }
    done += static_cast<size_t>(r);
    *got_any = true;
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidStreamKind(uint8_t kind) { return kind <= 5; }

bool ValidFrameSize(size_t n) { return n >= 1 && n <= kMaxFrameSize; }

std::string EncodeFrame(absl::string_view payload) {
  std::string out;
  out.reserve(4 + payload.size());
  PutU32(&out, static_cast<uint32_t>(payload.size()));
  out.append(payload.data(), payload.size());
  return out;
}

std::string EncodeStreamFrame(StreamKind kind, absl::string_view payload) {
  std::string out;
  out.reserve(5 + payload.size());
  out.push_back(static_cast<char>(kind));
  PutU32(&out, static_cast<uint32_t>(payload.size()));
  out.append(payload.data(), payload.size());
  return out;
}

std::string EncodeResize(uint16_t rows, uint16_t columns) {
  std::string out;
  out.push_back(static_cast<char>(rows >> 8));
  out.push_back(static_cast<char>(rows & 0xff));
  out.push_back(static_cast<char>(columns >> 8));
  out.push_back(static_cast<char>(columns & 0xff));
  return out;
}

absl::Status DecodeResize(absl::string_view payload, uint16_t* rows, uint16_t* columns) {
  if (payload.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("resize frame: want 4 bytes, got ", payload.size()));
  }
  const auto* u = reinterpret_cast<const unsigned char*>(payload.data());
  *rows = static_cast<uint16_t>((u[0] << 8) | u[1]);
  *columns = static_cast<uint16_t>((u[2] << 8) | u[3]);
  return absl::OkStatus();
}

absl::StatusOr<bool> FrameDecoder::Next(std::string* frame) {
  if (!error_.ok()) return error_;
  if (buffer_.size() < 4) return false;
  uint32_t n = GetU32(buffer_.data());
  if (!ValidFrameSize(n)) {
    error_ = absl::DataLossError(absl::StrCat("bad frame length ", n));
    return error_;
  }
  if (buffer_.size() < 4 + size_t{n}) return false;
  frame->assign(buffer_, 4, n);
  buffer_.erase(0, 4 + size_t{n});
  return true;
}

absl::StatusOr<bool> StreamFrameDecoder::Next(StreamFrame* frame) {
  if (!error_.ok()) return error_;
  if (buffer_.size() < 5) return false;
  uint8_t kind = static_cast<uint8_t>(buffer_[0]);
  if (!IsValidStreamKind(kind)) {
    error_ = absl::DataLossError(absl::StrCat("unknown stream frame kind ", kind));
    return error_;
  }
  uint32_t n = GetU32(buffer_.data() + 1);
  if (n > kMaxFrameSize) {
    error_ = absl::DataLossError(absl::StrCat("stream frame too long: ", n));
    return error_;
  }
  if (buffer_.size() < 5 + size_t{n}) return false;
  frame->kind = static_cast<StreamKind>(kind);
  frame->payload.assign(buffer_, 5, n);
  buffer_.erase(0, 5 + size_t{n});
  return true;
}

absl::Status WriteFully(int fd, absl::string_view data) {
  bool use_send = true;
  while (!data.empty()) {
    ssize_t n = use_send ? ::send(fd, data.data(), data.size(), MSG_NOSIGNAL)
                         : ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOTSOCK && use_send) {
        use_send = false;
        continue;
      }
      if (IsDisconnect(errno)) return absl::UnavailableError("connection closed by peer");
      return base::ErrnoError(errno, "write frame");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status WriteFrame(int fd, absl::string_view payload) {
  if (!ValidFrameSize(payload.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame of ", payload.size(), " bytes: want 1 to ", kMaxFrameSize));
  }
  return WriteFully(fd, EncodeFrame(payload));
}

absl::StatusOr<std::string> ReadFrame(int fd) {
  char header[4];
  bool got_any = false;
  absl::Status s = ReadExactly(fd, header, sizeof header, &got_any);
  if (!s.ok()) return s;
  uint32_t n = GetU32(header);
  if (!ValidFrameSize(n)) return absl::DataLossError(absl::StrCat("bad frame length ", n));
  std::string out(n, '\0');
  s = ReadExactly(fd, out.data(), n, &got_any);
  if (!s.ok()) return s;
  return out;
}

absl::Status WriteStreamFrame(int fd, StreamKind kind, absl::string_view payload) {
  if (payload.size() > kMaxFrameSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream frame of ", payload.size(), " bytes: limit ", kMaxFrameSize));
  }
  return WriteFully(fd, EncodeStreamFrame(kind, payload));
}

absl::StatusOr<StreamFrame> ReadStreamFrame(int fd) {
  char header[5];
  bool got_any = false;
  absl::Status s = ReadExactly(fd, header, sizeof header, &got_any);
  if (!s.ok()) return s;
  uint8_t kind = static_cast<uint8_t>(header[0]);
  if (!IsValidStreamKind(kind)) {
    return absl::DataLossError(absl::StrCat("unknown stream frame kind ", kind));
  }
  uint32_t n = GetU32(header + 1);
  if (n > kMaxFrameSize) return absl::DataLossError(absl::StrCat("stream frame too long: ", n));
  StreamFrame frame;
  frame.kind = static_cast<StreamKind>(kind);
  frame.payload.assign(n, '\0');
  s = ReadExactly(fd, frame.payload.data(), n, &got_any);
  if (!s.ok()) return s;
  return frame;
}

}  // namespace shim
