// -----------------------------------------------------------------------------
// File: decompress.h
// -----------------------------------------------------------------------------
//
// Pull-style decompression of layer blobs: a ByteSource in, a ByteSource of
// the decompressed bytes out. Gzip goes through ISA-L's igzip (several times
// faster than zlib), zstd through libzstd's streaming API. This sits on the
// pull hot path, so it works on large buffers and decompresses straight into
// the caller's buffer.

#ifndef ENGINE_ARCHIVE_DECOMPRESS_H_
#define ENGINE_ARCHIVE_DECOMPRESS_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/byte_source.h"

namespace engine::archive {

enum class Compression { kNone, kGzip, kZstd };

// SniffCompression()
//
// Detects the compression of a stream from its first bytes: gzip starts with
// 1f 8b, zstd with 28 b5 2f fd; anything else (including a too-short `head`)
// is kNone.
Compression SniffCompression(absl::string_view head);

// Returns "gzip", "zstd" or "none".
absl::string_view CompressionName(Compression c);

// NewDecompressor()
//
// Returns a ByteSource yielding the decompressed bytes of `inner`. `inner` is
// not owned and must outlive the returned source. Not thread-safe: one reader
// at a time, as for any ByteSource. Read() must be called with cap > 0.
//
// Gzip streams may have several members (as `cat a.gz b.gz` produces); bytes
// after the last member that are not another gzip member are an error.
// zstd streams may have several frames.
//
// Errors returned by Read():
//   DataLoss           corrupt or truncated input: "gzip: unexpected EOF",
//                      "gzip: invalid header", "gzip: checksum mismatch",
//                      "zstd: unexpected EOF", "zstd: <libzstd message>".
//   ResourceExhausted  more than `max_output` bytes would be produced
//                      (decompression bomb). Applies to kNone too.
//   anything else      passed through unchanged from `inner`.
// After an error the source stays failed.
absl::StatusOr<std::unique_ptr<base::ByteSource>> NewDecompressor(
    base::ByteSource* inner, Compression c, uint64_t max_output);

}  // namespace engine::archive

#endif  // ENGINE_ARCHIVE_DECOMPRESS_H_
