#include "shim/event_loop.h"

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"

namespace shim {
namespace {

uint64_t Pack(int fd, uint32_t generation) {
  return (uint64_t{generation} << 32) | static_cast<uint32_t>(fd);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  base::UniqueFd epfd(::epoll_create1(EPOLL_CLOEXEC));
  if (!epfd.valid()) return base::ErrnoError(errno, "epoll_create1");
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(epfd)));
}

absl::Status EventLoop::Add(int fd, uint32_t events, FdCallback callback) {
  if (fds_.count(fd) != 0) {
    return absl::AlreadyExistsError(absl::StrCat("fd ", fd, " is watched already"));
  }
  uint32_t generation = next_generation_++;
  struct epoll_event ev = {};
  ev.events = events;
  ev.data.u64 = Pack(fd, generation);
  if (::epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    return base::ErrnoError(errno, absl::StrCat("epoll_ctl add fd ", fd));
  }
  fds_[fd] = Watch{generation, std::move(callback)};
  return absl::OkStatus();
}

absl::Status EventLoop::Modify(int fd, uint32_t events) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return absl::NotFoundError(absl::StrCat("fd ", fd, " is not watched"));
  struct epoll_event ev = {};
  ev.events = events;
  ev.data.u64 = Pack(fd, it->second.generation);
  if (::epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    return base::ErrnoError(errno, absl::StrCat("epoll_ctl mod fd ", fd));
  }
  return absl::OkStatus();
}

void EventLoop::Remove(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  ::epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
  // Run() holds a copy of a running callback, so erasing it here is safe.
  fds_.erase(it);
}

void EventLoop::RunAfter(absl::Duration delay, std::function<void()> fn) {
  timers_.push_back(Timer{absl::Now() + delay, std::move(fn)});
}

void EventLoop::Defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

void EventLoop::RunDue() {
  // Deferred calls may defer more; run until none are left.
  while (!deferred_.empty()) {
    std::vector<std::function<void()>> batch;
    batch.swap(deferred_);
    for (auto& fn : batch) fn();
  }
  if (timers_.empty()) return;
  absl::Time now = absl::Now();
  std::vector<std::function<void()>> due;
  for (size_t i = 0; i < timers_.size();) {
    if (timers_[i].when <= now) {
      due.push_back(std::move(timers_[i].fn));
      timers_.erase(timers_.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
  for (auto& fn : due) fn();
}

absl::Status EventLoop::Run() {
  stopped_ = false;
  struct epoll_event events[16];
  while (!stopped_) {
    RunDue();
    if (stopped_) break;
    int timeout_ms = -1;
    if (!deferred_.empty()) {
      timeout_ms = 0;
    } else if (!timers_.empty()) {
      absl::Time first = timers_[0].when;
      for (const Timer& t : timers_) first = std::min(first, t.when);
      absl::Duration left = first - absl::Now();
      timeout_ms = left <= absl::ZeroDuration()
                       ? 0
                       : static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(
                             left, absl::Milliseconds(1))));
    }
    int n = ::epoll_wait(epfd_.get(), events, 16, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, "epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      uint32_t generation = static_cast<uint32_t>(events[i].data.u64 >> 32);
      auto it = fds_.find(fd);
      if (it == fds_.end() || it->second.generation != generation) continue;
      // Copy: the callback may remove (and so destroy) its own entry.
      FdCallback callback = it->second.callback;
      callback(events[i].events);
      if (stopped_) break;
    }
  }
  return absl::OkStatus();
}

}  // namespace shim
