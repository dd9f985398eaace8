#include "engine/base/byte_source.h"

#include <algorithm>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/base/status.h"

namespace base {

absl::StatusOr<size_t> StringSource::Read(char* buf, size_t cap) {
  size_t n = std::min(cap, data_.size());
  std::memcpy(buf, data_.data(), n);
  data_.remove_prefix(n);
  return n;
}

absl::StatusOr<size_t> FdSource::Read(char* buf, size_t cap) {
  for (;;) {
    ssize_t n = ::read(fd_, buf, cap);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoError(errno, "read");
  }
}

absl::StatusOr<size_t> PrefixedSource::Read(char* buf, size_t cap) {
  if (offset_ < prefix_.size()) {
    size_t n = std::min(cap, prefix_.size() - offset_);
    std::memcpy(buf, prefix_.data() + offset_, n);
    offset_ += n;
    return n;
  }
  return inner_->Read(buf, cap);
}

absl::Status BytePipe::Write(absl::string_view data) {
  absl::MutexLock lock(&mu_);
  auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return read_closed_ || buffered_ < capacity_;
  };
  while (!data.empty()) {
    mu_.Await(absl::Condition(&has_room));
    if (read_closed_) {
      return read_status_.ok() ? absl::CancelledError("reader closed the pipe")
                               : read_status_;
    }
    if (write_closed_) return absl::FailedPreconditionError("write after close");
    size_t n = std::min(data.size(), capacity_ - buffered_);
    chunks_.emplace_back(data.substr(0, n));
    buffered_ += n;
    data.remove_prefix(n);
  }
  return absl::OkStatus();
}

void BytePipe::CloseWrite(absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (write_closed_) return;
  write_closed_ = true;
  write_status_ = std::move(status);
}

absl::StatusOr<size_t> BytePipe::Read(char* buf, size_t cap) {
  absl::MutexLock lock(&mu_);
  auto readable = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !chunks_.empty() || write_closed_ || read_closed_;
  };
  mu_.Await(absl::Condition(&readable));
  if (read_closed_) return absl::CancelledError("pipe closed by reader");
  if (chunks_.empty()) {
    if (!write_status_.ok()) return write_status_;
    return 0;
  }
  size_t done = 0;
  while (done < cap && !chunks_.empty()) {
    std::string& front = chunks_.front();
    size_t n = std::min(cap - done, front.size() - front_offset_);
    std::memcpy(buf + done, front.data() + front_offset_, n);
    done += n;
    front_offset_ += n;
    if (front_offset_ == front.size()) {
      chunks_.pop_front();
      front_offset_ = 0;
    }
  }
  buffered_ -= done;
  return done;
}

void BytePipe::CloseRead(absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (read_closed_) return;
  read_closed_ = true;
  read_status_ = std::move(status);
  chunks_.clear();
  buffered_ = 0;
  front_offset_ = 0;
}

}  // namespace base
