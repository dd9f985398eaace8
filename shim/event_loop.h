// -----------------------------------------------------------------------------
// File: event_loop.h
// -----------------------------------------------------------------------------
//
// The shim's single-threaded epoll loop: fd readiness callbacks, one-shot
// timers and deferred calls. Everything the shim does runs on it, so no
// locks are needed anywhere in the shim.
//
//   ASSIGN_OR_RETURN(auto loop, EventLoop::Create());
//   RETURN_IF_ERROR(loop->Add(fd, EPOLLIN, [](uint32_t events) { ... }));
//   loop->Run();  // until Stop()
//
// A callback may add, modify or remove any fd, including its own; events
// already fetched for a removed fd are dropped (also when the number is
// reused in the same round). Not thread-safe.

#ifndef SHIM_EVENT_LOOP_H_
#define SHIM_EVENT_LOOP_H_

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/base/unique_fd.h"

namespace shim {

class EventLoop {
 public:
  using FdCallback = std::function<void(uint32_t events)>;

  static absl::StatusOr<std::unique_ptr<EventLoop>> Create();

  // Watches `fd` (not owned) for `events` (EPOLLIN, EPOLLOUT...).
  // AlreadyExists if it is watched already.
  absl::Status Add(int fd, uint32_t events, FdCallback callback);
  absl::Status Modify(int fd, uint32_t events);
  // Stops watching `fd`. No-op if it is not watched. Call before close(fd).
  void Remove(int fd);
  bool Watching(int fd) const { return fds_.count(fd) != 0; }

  // Runs `fn` once after `delay`.
  void RunAfter(absl::Duration delay, std::function<void()> fn);
  // Runs `fn` after the current round of callbacks.
  void Defer(std::function<void()> fn);

  // Dispatches events until Stop() is called. Errors only if epoll fails.
  absl::Status Run();
  void Stop() { stopped_ = true; }

 private:
  struct Watch {
    uint32_t generation;
    FdCallback callback;
  };
  struct Timer {
    absl::Time when;
    std::function<void()> fn;
  };

  explicit EventLoop(base::UniqueFd epfd) : epfd_(std::move(epfd)) {}
  void RunDue();

  base::UniqueFd epfd_;
  std::unordered_map<int, Watch> fds_;
  uint32_t next_generation_ = 1;
  std::vector<Timer> timers_;
  std::vector<std::function<void()>> deferred_;
  bool stopped_ = false;
};

}  // namespace shim

#endif  // SHIM_EVENT_LOOP_H_
