// -----------------------------------------------------------------------------
// File: event_bus.h
// -----------------------------------------------------------------------------
//
// EventBus: the daemon's publish/subscribe channel for what happens to images
// (pull, push, tag, untag, delete) and, later, containers. Publishers call
// `Publish`; each `Events` API stream holds a `Subscription`, a bounded queue
// read with a blocking `Next(deadline)`. The bus keeps a ring of recent events
// so that a subscriber asking for `since` gets them replayed first, then the
// live events, with no gap and no duplicate between the two.
//
// Thread-safety: EventBus and Subscription are thread-safe. The bus must
// outlive its subscriptions.
//
//   auto sub = bus.Subscribe(since, filter);
//   for (;;) {
//     absl::StatusOr<Event> ev = sub->Next(absl::Now() + absl::Seconds(1));
//     if (absl::IsDeadlineExceeded(ev.status())) continue;   // poll again
//     if (!ev.ok()) break;                                   // cancelled
//     Send(*ev);
//   }

#ifndef ENGINE_EVENTS_EVENT_BUS_H_
#define ENGINE_EVENTS_EVENT_BUS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace engine {
namespace events {

// One event, in Docker's shape.
struct Event {
  std::string type;      // "image", "container"
  std::string action;    // "pull", "push", "tag", "untag", "delete", ...
  std::string actor_id;  // image reference or ID, container ID
  std::map<std::string, std::string> attributes;
  absl::Time time = absl::InfinitePast();  // set by Publish when unset
};

// A Docker `--filter` set for events. Terms with the same key are ORed,
// different keys are ANDed. Keys:
//   type=image|container   event=<action>
//   image=<ref or ID>      matches image events by actor ID or "name"
//                          attribute, and any event whose "image" attribute is it
//   container=<ID or name> matches container events by actor ID or "name"
class EventFilter {
 public:
  EventFilter() = default;

  // Adds one term. InvalidArgument for a key not listed above.
  absl::Status Add(absl::string_view key, absl::string_view value);

  // True when `event` passes every key (an empty filter passes everything).
  bool Matches(const Event& event) const;

 private:
  std::map<std::string, std::vector<std::string>> terms_;
};

class EventBus;

// A subscriber's queue. Created by EventBus::Subscribe; destroying it
// unsubscribes. If the subscriber falls more than the queue capacity behind,
// the oldest undelivered events are dropped and counted in `dropped()`.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Returns the next event, blocking until one arrives or:
  //   DeadlineExceeded  `deadline` passed (poll again if you like);
  //   OutOfRange        the subscription's `until` has passed and every
  //                     event before it was delivered (the stream is over);
  //   Cancelled         Cancel() was called, or the bus was closed and the
  //                     queue is drained.
  absl::StatusOr<Event> Next(absl::Time deadline);

  // Wakes a blocked Next and makes every later Next return Cancelled.
  void Cancel();

  // Events dropped because the queue was full.
  uint64_t dropped() const;

 private:
  friend class EventBus;
  Subscription(EventBus* bus, EventFilter filter, absl::Time until,
               size_t capacity);

  // Called by the bus with its lock held.
  void Deliver(const Event& event);
  void Close();

  EventBus* const bus_;
  const EventFilter filter_;
  const absl::Time until_;
  const size_t capacity_;

  mutable absl::Mutex mu_;
  std::deque<Event> queue_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

class EventBus {
 public:
  // `history`: how many recent events are kept for `since` replay.
  // `queue_capacity`: the per-subscriber queue bound.
  explicit EventBus(size_t history = 1024, size_t queue_capacity = 4096);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Records `event` in the history and hands it to every subscriber whose
  // filter matches. Sets `event.time` to now when it is unset. Never blocks
  // on subscribers. Events published after Close() are dropped.
  void Publish(Event event);

  // Subscribes. Buffered events with time >= `since` (and <= `until`) that
  // match `filter` are queued first, then live ones. Events after `until`
  // are not delivered; once `until` has passed, Next() returns OutOfRange
  // after the queued events (as `docker events --until`). Use
  // absl::InfinitePast() / absl::InfiniteFuture() for "no bound"; a `since`
  // of InfiniteFuture (the default) replays nothing.
  std::unique_ptr<Subscription> Subscribe(
      EventFilter filter = EventFilter(),
      absl::Time since = absl::InfiniteFuture(),
      absl::Time until = absl::InfiniteFuture());

  // Ends every subscription (their Next returns Cancelled once drained) and
  // refuses new events. Called at daemon shutdown.
  void Close();

  // Number of live subscriptions (for tests and Info).
  size_t subscribers() const;

 private:
  friend class Subscription;
  void Unsubscribe(Subscription* sub);

  const size_t history_cap_;
  const size_t queue_capacity_;
  mutable absl::Mutex mu_;
  std::deque<Event> history_ ABSL_GUARDED_BY(mu_);
  std::vector<Subscription*> subs_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace events
}  // namespace engine

#endif  // ENGINE_EVENTS_EVENT_BUS_H_
