#include "engine/events/event_bus.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace engine {
namespace events {
namespace {

bool Contains(const std::vector<std::string>& values, absl::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string Attribute(const Event& event, const std::string& key) {
  auto it = event.attributes.find(key);
  return it == event.attributes.end() ? std::string() : it->second;
}

bool TermMatches(const std::string& key, const std::vector<std::string>& values,
                 const Event& event) {
  if (key == "type") return Contains(values, event.type);
  if (key == "event") return Contains(values, event.action);
  if (key == "image") {
    if (!Attribute(event, "image").empty() &&
        Contains(values, Attribute(event, "image"))) {
      return true;
    }
    if (event.type != "image") return false;
    return Contains(values, event.actor_id) ||
           (!Attribute(event, "name").empty() &&
            Contains(values, Attribute(event, "name")));
  }
  if (key == "container") {
    if (event.type != "container") return false;
    return Contains(values, event.actor_id) ||
           (!Attribute(event, "name").empty() &&
            Contains(values, Attribute(event, "name")));
  }
  return false;
}

}  // namespace

absl::Status EventFilter::Add(absl::string_view key, absl::string_view value) {
  if (key != "type" && key != "event" && key != "image" && key != "container") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid filter '", key, "'"));
  }
  if (key == "type" && value != "image" && value != "container") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid filter 'type=", value, "'"));
  }
  terms_[std::string(key)].emplace_back(value);
  return absl::OkStatus();
}

bool EventFilter::Matches(const Event& event) const {
  for (const auto& [key, values] : terms_) {
    if (!TermMatches(key, values, event)) return false;
  }
  return true;
}

Subscription::Subscription(EventBus* bus, EventFilter filter, absl::Time until,
                           size_t capacity)
    : bus_(bus), filter_(std::move(filter)), until_(until),
      capacity_(capacity) {}

Subscription::~Subscription() { bus_->Unsubscribe(this); }

void Subscription::Deliver(const Event& event) {
  if (event.time > until_ || !filter_.Matches(event)) return;
  absl::MutexLock lock(&mu_);
  if (cancelled_ || closed_) return;
  if (queue_.size() >= capacity_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(event);
}

void Subscription::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

void Subscription::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

uint64_t Subscription::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

absl::StatusOr<Event> Subscription::Next(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cancelled_ || closed_ || !queue_.empty();
  };
  // Wake at `until` as well, to end the stream on time.
  absl::Time wake = std::min(deadline, until_);
  mu_.AwaitWithDeadline(absl::Condition(&ready), wake);
  if (cancelled_) return absl::CancelledError("subscription cancelled");
  if (!queue_.empty()) {
    Event event = std::move(queue_.front());
    queue_.pop_front();
    return event;
  }
  if (closed_) return absl::CancelledError("event bus closed");
  if (absl::Now() >= until_) {
    return absl::OutOfRangeError("events until time reached");
  }
  return absl::DeadlineExceededError("no event before deadline");
}

EventBus::EventBus(size_t history, size_t queue_capacity)
    : history_cap_(history), queue_capacity_(std::max<size_t>(1, queue_capacity)) {}

EventBus::~EventBus() { Close(); }

void EventBus::Publish(Event event) {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  if (event.time == absl::InfinitePast()) event.time = absl::Now();
  for (Subscription* sub : subs_) sub->Deliver(event);
  if (history_cap_ == 0) return;
  if (history_.size() >= history_cap_) history_.pop_front();
  history_.push_back(std::move(event));
}

std::unique_ptr<Subscription> EventBus::Subscribe(EventFilter filter,
                                                  absl::Time since,
                                                  absl::Time until) {
  std::unique_ptr<Subscription> sub(
      new Subscription(this, std::move(filter), until, queue_capacity_));
  absl::MutexLock lock(&mu_);
  // Replay and registration happen under the bus lock, so no event published
  // concurrently is lost or seen twice.
  for (const Event& event : history_) {
    if (event.time >= since) sub->Deliver(event);
  }
  if (closed_) {
    sub->Close();
  } else {
    subs_.push_back(sub.get());
  }
  return sub;
}

void EventBus::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (Subscription* sub : subs_) sub->Close();
}

size_t EventBus::subscribers() const {
  absl::MutexLock lock(&mu_);
  return subs_.size();
}

void EventBus::Unsubscribe(Subscription* sub) {
  absl::MutexLock lock(&mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), sub), subs_.end());
}

}  // namespace events
}  // namespace engine
