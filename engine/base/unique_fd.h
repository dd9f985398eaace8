// -----------------------------------------------------------------------------
// File: unique_fd.h
// -----------------------------------------------------------------------------
//
// UniqueFd owns one file descriptor and closes it when destroyed. Move-only.
// Not thread-safe: one owner at a time.

#ifndef ENGINE_BASE_UNIQUE_FD_H_
#define ENGINE_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace base {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes ownership of `fd` (-1 means none).
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }

  // Closes the current descriptor, if any, and owns `fd` instead.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace base

#endif  // ENGINE_BASE_UNIQUE_FD_H_
