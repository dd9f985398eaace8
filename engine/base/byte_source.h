// -----------------------------------------------------------------------------
// File: byte_source.h
// -----------------------------------------------------------------------------
//
// ByteSource: a pull-style stream of bytes (a layer being downloaded, a
// decompressor, a file). BytePipe: a bounded, thread-safe pipe whose write
// end is fed by one thread (e.g. a libcurl write callback) and whose read
// end is a ByteSource consumed by another (e.g. the layer extractor), so one
// pass can hash, decompress and extract without a temporary copy.

#ifndef ENGINE_BASE_BYTE_SOURCE_H_
#define ENGINE_BASE_BYTE_SOURCE_H_

#include <cstddef>
#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace base {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `cap` bytes into `buf`. Returns the count read; 0 means end
  // of stream. A non-OK status means the stream failed and no more data
  // will come.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t cap) = 0;
};

// A ByteSource over an in-memory string (tests and small blobs). Does not
// own the data: `data` must outlive the source.
class StringSource : public ByteSource {
 public:
  explicit StringSource(absl::string_view data) : data_(data) {}
  absl::StatusOr<size_t> Read(char* buf, size_t cap) override;

 private:
  absl::string_view data_;
};

// A ByteSource over a file descriptor it does not own.
class FdSource : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  absl::StatusOr<size_t> Read(char* buf, size_t cap) override;

 private:
  int fd_;
};

// A ByteSource that first yields `prefix`, then the bytes of `inner` (not
// owned). Lets a reader sniff the head of a stream and put it back.
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string prefix, ByteSource* inner)
      : prefix_(std::move(prefix)), inner_(inner) {}
  absl::StatusOr<size_t> Read(char* buf, size_t cap) override;

 private:
  std::string prefix_;
  size_t offset_ = 0;
  ByteSource* inner_;
};

// BytePipe: thread-safe. Write() blocks while `capacity` bytes are buffered.
// The writer ends the stream with CloseWrite(status): OK for a clean end, an
// error to make the reader's next Read() fail with it. The reader may call
// CloseRead(status) to make pending and future Write()s fail (e.g. the
// extractor rejected the layer, so the download should stop).
class BytePipe : public ByteSource {
 public:
  explicit BytePipe(size_t capacity = 4 << 20) : capacity_(capacity) {}

  absl::Status Write(absl::string_view data);
  void CloseWrite(absl::Status status);

  absl::StatusOr<size_t> Read(char* buf, size_t cap) override;
  void CloseRead(absl::Status status);

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<std::string> chunks_ ABSL_GUARDED_BY(mu_);
  size_t front_offset_ ABSL_GUARDED_BY(mu_) = 0;
  size_t buffered_ ABSL_GUARDED_BY(mu_) = 0;
  bool write_closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status write_status_ ABSL_GUARDED_BY(mu_);
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status read_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace base

#endif  // ENGINE_BASE_BYTE_SOURCE_H_
