#include "gateway/streams/log_pump.h"

#include <deque>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"

namespace gateway {
namespace {

// Entries handed from the worker to the caller. Bounded, so that a slow
// client slows the engine stream instead of growing the gateway's memory.
class EntryQueue {
 public:
  // Worker side: false once the consumer stopped.
  bool Push(berth::v1::LogEntry entry) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &EntryQueue::HasRoom));
    if (stopped_) return false;
    entries_.push_back(std::move(entry));
    return true;
  }
  void Close(absl::Status status) {
    absl::MutexLock lock(&mu_);
    done_ = true;
    status_ = std::move(status);
  }
  // Consumer side: waits up to `timeout`; true with an entry, false on
  // timeout or end (then `*done` is set).
  bool Pop(absl::Duration timeout, berth::v1::LogEntry* entry, bool* done) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &EntryQueue::Ready), timeout);
    if (!entries_.empty()) {
      *entry = std::move(entries_.front());
      entries_.pop_front();
      return true;
    }
    *done = done_;
    return false;
  }
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    entries_.clear();
  }
  absl::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  static constexpr size_t kMaxEntries = 256;
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopped_ || entries_.size() < kMaxEntries;
  }
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_ || !entries_.empty(); }

  absl::Mutex mu_;
  std::deque<berth::v1::LogEntry> entries_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::Status PumpLogs(const sdk::Client& client, const berth::v1::LogsRequest& request,
                      const LogPumpCallbacks& callbacks) {
  EntryQueue queue;
  sdk::CancelToken cancel;
  std::thread worker([&] {
    absl::Status s = client.Logs(
        request,
        [&](const berth::v1::LogEntry& entry) {
          if (!queue.Push(entry)) cancel.Cancel();
        },
        &cancel);
    queue.Close(std::move(s));
  });
  bool stopped = false;
  for (;;) {
    berth::v1::LogEntry entry;
    bool done = false;
    if (queue.Pop(callbacks.idle_interval, &entry, &done)) {
      if (!callbacks.on_entry(entry)) {
        stopped = true;
        break;
      }
      continue;
    }
    if (done) break;
    if (callbacks.on_idle && !callbacks.on_idle()) {
      stopped = true;
      break;
    }
  }
  if (stopped) {
    queue.Stop();
    cancel.Cancel();
  }
  worker.join();
  return stopped ? absl::OkStatus() : queue.status();
}

}  // namespace gateway
