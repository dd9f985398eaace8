#include "gateway/streams/stdcopy.h"

#include <algorithm>
#include <limits>

namespace gateway {

StdType StdTypeFor(berth::v1::StdStream stream) {
  return stream == berth::v1::STD_STREAM_STDERR ? StdType::kStderr : StdType::kStdout;
}

void AppendStdcopyFrame(StdType type, absl::string_view payload, std::string* out) {
  constexpr size_t kMaxFrame = std::numeric_limits<uint32_t>::max();
  while (!payload.empty()) {
    const size_t n = std::min(payload.size(), kMaxFrame);
    const uint32_t size = static_cast<uint32_t>(n);
    const char header[kStdcopyHeaderSize] = {
        static_cast<char>(type),
        0,
        0,
        0,
        static_cast<char>((size >> 24) & 0xff),
        static_cast<char>((size >> 16) & 0xff),
        static_cast<char>((size >> 8) & 0xff),
        static_cast<char>(size & 0xff),
    };
    out->append(header, kStdcopyHeaderSize);
    out->append(payload.data(), n);
    payload.remove_prefix(n);
  }
}

std::string EncodeOutput(bool tty, berth::v1::StdStream stream, absl::string_view data) {
  if (tty) return std::string(data);
  std::string out;
  out.reserve(kStdcopyHeaderSize + data.size());
  AppendStdcopyFrame(StdTypeFor(stream), data, &out);
  return out;
}

bool StdcopyDecoder::Next(StdType* type, std::string* payload) {
  if (buffer_.size() < kStdcopyHeaderSize) return false;
  const auto byte = [this](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(buffer_[i]));
  };
  const uint32_t size = (byte(4) << 24) | (byte(5) << 16) | (byte(6) << 8) | byte(7);
  if (buffer_.size() - kStdcopyHeaderSize < size) return false;
  *type = static_cast<StdType>(buffer_[0]);
  payload->assign(buffer_, kStdcopyHeaderSize, size);
  buffer_.erase(0, kStdcopyHeaderSize + size);
  return true;
}

}  // namespace gateway
