#include "engine/archive/decompress.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace engine::archive {
namespace {

// Compressed input is read from `inner` in chunks of this size.
constexpr size_t kInputBufferSize = 512 << 10;

// Shared plumbing: the input buffer, the output cap and the sticky error.
class DecompressorBase : public base::ByteSource {
 public:
  DecompressorBase(base::ByteSource* inner, uint64_t max_output)
      : inner_(inner), max_output_(max_output), in_(new uint8_t[kInputBufferSize]) {}

  absl::StatusOr<size_t> Read(char* buf, size_t cap) final {
    if (!error_.ok()) return error_;
    if (cap == 0) return 0;
    absl::StatusOr<size_t> n = ReadImpl(reinterpret_cast<uint8_t*>(buf), cap);
    if (!n.ok()) {
      error_ = n.status();
      return error_;
    }
    produced_ += *n;
    if (produced_ > max_output_) {
      error_ = absl::ResourceExhaustedError(
          absl::StrCat("decompressed data exceeds the limit of ", max_output_, " bytes"));
      return error_;
    }
    return n;
  }

 protected:
  virtual absl::StatusOr<size_t> ReadImpl(uint8_t* buf, size_t cap) = 0;

  // Refills the input buffer when it is empty. Sets `eof_` when `inner` ends.
  absl::Status Refill() {
    if (in_pos_ < in_len_ || eof_) return absl::OkStatus();
    absl::StatusOr<size_t> n = inner_->Read(reinterpret_cast<char*>(in_.get()), kInputBufferSize);
    if (!n.ok()) return n.status();
    in_pos_ = 0;
    in_len_ = *n;
    if (*n == 0) eof_ = true;
    return absl::OkStatus();
  }

  base::ByteSource* const inner_;
  const uint64_t max_output_;
  std::unique_ptr<uint8_t[]> in_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  bool eof_ = false;

 private:
  uint64_t produced_ = 0;
  absl::Status error_;
};

class PassThrough : public DecompressorBase {
 public:
  using DecompressorBase::DecompressorBase;

 protected:
  absl::StatusOr<size_t> ReadImpl(uint8_t* buf, size_t cap) override {
    // No buffering: read straight into the caller's buffer.
    return inner_->Read(reinterpret_cast<char*>(buf), cap);
  }
};

class GzipDecompressor : public DecompressorBase {
 public:
  GzipDecompressor(base::ByteSource* inner, uint64_t max_output)
      : DecompressorBase(inner, max_output), state_(new inflate_state) {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
  }

 protected:
  absl::StatusOr<size_t> ReadImpl(uint8_t* buf, size_t cap) override {
    if (done_) return 0;
    const uint32_t out_cap =
        static_cast<uint32_t>(std::min<size_t>(cap, std::numeric_limits<uint32_t>::max()));
    state_->next_out = buf;
    state_->avail_out = out_cap;
    while (state_->avail_out == out_cap) {
      if (state_->block_state == ISAL_BLOCK_FINISH) {
        // A member ended. More input means another member follows.
        if (absl::Status s = Refill(); !s.ok()) return s;
        if (in_pos_ == in_len_) {
          done_ = true;
          break;
        }
        isal_inflate_reset(state_.get());
        state_->crc_flag = ISAL_GZIP;
      }
      if (absl::Status s = Refill(); !s.ok()) return s;
      const size_t offered = in_len_ - in_pos_;
      state_->next_in = in_.get() + in_pos_;
      state_->avail_in = static_cast<uint32_t>(offered);
      const uint32_t out_before = state_->avail_out;
      int ret = isal_inflate(state_.get());
      const size_t consumed = offered - state_->avail_in;
      in_pos_ += consumed;
      if (ret < 0) return GzipError(ret);
      if (state_->block_state == ISAL_BLOCK_FINISH) continue;
      if (consumed == 0 && state_->avail_out == out_before && eof_) {
        // No input left and nothing more comes out: the member is cut short.
        return absl::DataLossError("gzip: unexpected EOF");
      }
    }
    return out_cap - state_->avail_out;
  }

 private:
  absl::Status GzipError(int ret) {
    switch (ret) {
      case ISAL_INVALID_WRAPPER:
      case ISAL_UNSUPPORTED_METHOD:
        return absl::DataLossError("gzip: invalid header");
      case ISAL_INCORRECT_CHECKSUM:
        return absl::DataLossError("gzip: checksum mismatch");
      default:
        return absl::DataLossError(absl::StrCat("gzip: corrupt deflate data (isa-l error ", ret, ")"));
    }
  }

  std::unique_ptr<inflate_state> state_;
  bool done_ = false;
};

class ZstdDecompressor : public DecompressorBase {
 public:
  ZstdDecompressor(base::ByteSource* inner, uint64_t max_output)
      : DecompressorBase(inner, max_output), dctx_(ZSTD_createDCtx()) {}
  ~ZstdDecompressor() override { ZSTD_freeDCtx(dctx_); }

 protected:
  absl::StatusOr<size_t> ReadImpl(uint8_t* buf, size_t cap) override {
    if (dctx_ == nullptr) return absl::ResourceExhaustedError("zstd: cannot allocate context");
    ZSTD_outBuffer out = {buf, cap, 0};
    while (out.pos == 0) {
      if (absl::Status s = Refill(); !s.ok()) return s;
      const bool at_eof = in_pos_ == in_len_ && eof_;
      // `last_` is 0 exactly when the last frame was complete and flushed.
      if (at_eof && last_ == 0) return 0;
      ZSTD_inBuffer in = {in_.get(), in_len_, in_pos_};
      size_t ret = ZSTD_decompressStream(dctx_, &out, &in);
      if (ZSTD_isError(ret)) {
        return absl::DataLossError(absl::StrCat("zstd: ", ZSTD_getErrorName(ret)));
      }
      in_pos_ = in.pos;
      last_ = ret;
      // With no input left, a call that flushes nothing means the frame is cut.
      if (at_eof && out.pos == 0) return absl::DataLossError("zstd: unexpected EOF");
    }
    return out.pos;
  }

 private:
  ZSTD_DCtx* dctx_;
  size_t last_ = 1;  // Nothing decoded yet counts as an incomplete frame.
};

}  // namespace

Compression SniffCompression(absl::string_view head) {
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x1f &&
      static_cast<uint8_t>(head[1]) == 0x8b) {
    return Compression::kGzip;
  }
  if (head.size() >= 4 && head.substr(0, 4) == absl::string_view("\x28\xb5\x2f\xfd", 4)) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

absl::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kNone:
      break;
  }
  return "none";
}

absl::StatusOr<std::unique_ptr<base::ByteSource>> NewDecompressor(base::ByteSource* inner,
                                                                  Compression c,
                                                                  uint64_t max_output) {
  if (inner == nullptr) return absl::InvalidArgumentError("decompressor: no input stream");
  switch (c) {
    case Compression::kGzip:
      return std::unique_ptr<base::ByteSource>(new GzipDecompressor(inner, max_output));
    case Compression::kZstd:
      return std::unique_ptr<base::ByteSource>(new ZstdDecompressor(inner, max_output));
    case Compression::kNone:
      break;
  }
  return std::unique_ptr<base::ByteSource>(new PassThrough(inner, max_output));
}

}  // namespace engine::archive
