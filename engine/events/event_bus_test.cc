#include "engine/events/event_bus.h"

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace engine {
namespace events {
namespace {

Event ImageEvent(const std::string& action, const std::string& ref,
                 absl::Time t = absl::InfinitePast()) {
  Event e;
  e.type = "image";
  e.action = action;
  e.actor_id = ref;
  e.attributes["name"] = ref;
  e.time = t;
  return e;
}

absl::Time Soon() { return absl::Now() + absl::Milliseconds(50); }

TEST(EventBusTest, LiveEventsReachEverySubscriber) {
  EventBus bus;
  auto a = bus.Subscribe();
  auto b = bus.Subscribe();
  EXPECT_EQ(bus.subscribers(), 2u);
  bus.Publish(ImageEvent("pull", "alpine:latest"));
  for (auto* sub : {a.get(), b.get()}) {
    absl::StatusOr<Event> ev = sub->Next(Soon());
    ASSERT_TRUE(ev.ok()) << ev.status();
    EXPECT_EQ(ev->action, "pull");
    EXPECT_EQ(ev->actor_id, "alpine:latest");
    EXPECT_NE(ev->time, absl::InfinitePast());  // stamped by Publish
    EXPECT_TRUE(absl::IsDeadlineExceeded(sub->Next(Soon()).status()));
  }
}

TEST(EventBusTest, NoReplayWithoutSince) {
  EventBus bus;
  bus.Publish(ImageEvent("pull", "old"));
  auto sub = bus.Subscribe();
  EXPECT_TRUE(absl::IsDeadlineExceeded(sub->Next(Soon()).status()));
}

TEST(EventBusTest, SinceReplaysHistoryThenLive) {
  EventBus bus(/*history=*/2);
  absl::Time t0 = absl::Now() - absl::Seconds(30);
  bus.Publish(ImageEvent("pull", "a", t0));
  bus.Publish(ImageEvent("pull", "b", t0 + absl::Seconds(10)));
  bus.Publish(ImageEvent("pull", "c", t0 + absl::Seconds(20)));  // evicts "a"
  auto sub = bus.Subscribe(EventFilter(), t0 + absl::Seconds(5));
  bus.Publish(ImageEvent("tag", "d"));
  std::vector<std::string> got;
  for (;;) {
    absl::StatusOr<Event> ev = sub->Next(Soon());
    if (!ev.ok()) break;
    got.push_back(ev->actor_id);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"b", "c", "d"}));
}

TEST(EventBusTest, UntilEndsTheStream) {
  EventBus bus;
  absl::Time now = absl::Now();
  bus.Publish(ImageEvent("pull", "before", now - absl::Seconds(2)));
  bus.Publish(ImageEvent("pull", "after", now + absl::Seconds(60)));
  auto sub = bus.Subscribe(EventFilter(), absl::InfinitePast(),
                           now - absl::Seconds(1));
  absl::StatusOr<Event> ev = sub->Next(Soon());
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_EQ(ev->actor_id, "before");
  EXPECT_TRUE(absl::IsOutOfRange(sub->Next(absl::InfiniteFuture()).status()));
}

TEST(EventBusTest, UntilInTheFutureWakesABlockedReader) {
  EventBus bus;
  auto sub = bus.Subscribe(EventFilter(), absl::InfinitePast(),
                           absl::Now() + absl::Milliseconds(100));
  absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsOutOfRange(sub->Next(absl::InfiniteFuture()).status()));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(EventBusTest, FiltersAreAndedAcrossKeysOredWithin) {
  EventBus bus;
  EventFilter filter;
  ASSERT_TRUE(filter.Add("type", "image").ok());
  ASSERT_TRUE(filter.Add("event", "pull").ok());
  ASSERT_TRUE(filter.Add("event", "delete").ok());
  ASSERT_TRUE(filter.Add("image", "busybox").ok());
  ASSERT_TRUE(filter.Add("image", "alpine").ok());
  auto sub = bus.Subscribe(filter);
  bus.Publish(ImageEvent("pull", "alpine"));
  bus.Publish(ImageEvent("tag", "alpine"));      // wrong action
  bus.Publish(ImageEvent("pull", "debian"));     // wrong image
  Event c;
  c.type = "container";
  c.action = "pull";
  c.attributes["image"] = "alpine";
  bus.Publish(c);                                // wrong type
  bus.Publish(ImageEvent("delete", "busybox"));
  std::vector<std::string> got;
  for (;;) {
    absl::StatusOr<Event> ev = sub->Next(Soon());
    if (!ev.ok()) break;
    got.push_back(ev->action + " " + ev->actor_id);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"pull alpine", "delete busybox"}));
}

TEST(EventBusTest, UnknownFilterKeyIsInvalid) {
  EventFilter filter;
  EXPECT_TRUE(absl::IsInvalidArgument(filter.Add("colour", "red")));
  EXPECT_TRUE(absl::IsInvalidArgument(filter.Add("type", "volume")));
}

TEST(EventBusTest, CancelWakesBlockedNextAndDestroyUnsubscribes) {
  EventBus bus;
  auto sub = bus.Subscribe();
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(50));
    sub->Cancel();
  });
  EXPECT_TRUE(absl::IsCancelled(sub->Next(absl::InfiniteFuture()).status()));
  canceller.join();
  sub.reset();
  EXPECT_EQ(bus.subscribers(), 0u);
}

TEST(EventBusTest, CloseDrainsThenCancels) {
  EventBus bus;
  auto sub = bus.Subscribe();
  bus.Publish(ImageEvent("pull", "a"));
  bus.Close();
  bus.Publish(ImageEvent("pull", "b"));  // dropped after Close
  absl::StatusOr<Event> ev = sub->Next(Soon());
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->actor_id, "a");
  EXPECT_TRUE(absl::IsCancelled(sub->Next(absl::InfiniteFuture()).status()));
  auto late = bus.Subscribe();
  EXPECT_TRUE(absl::IsCancelled(late->Next(absl::InfiniteFuture()).status()));
}

TEST(EventBusTest, SlowSubscriberDropsOldest) {
  EventBus bus(/*history=*/0, /*queue_capacity=*/2);
  auto sub = bus.Subscribe();
  for (const char* r : {"a", "b", "c"}) bus.Publish(ImageEvent("pull", r));
  EXPECT_EQ(sub->dropped(), 1u);
  EXPECT_EQ(sub->Next(Soon())->actor_id, "b");
  EXPECT_EQ(sub->Next(Soon())->actor_id, "c");
}

TEST(EventBusTest, ConcurrentPublishersAllDelivered) {
  EventBus bus;
  auto sub = bus.Subscribe();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&bus] {
      for (int i = 0; i < 100; ++i) bus.Publish(ImageEvent("pull", "x"));
    });
  }
  int n = 0;
  while (n < 400) {
    absl::StatusOr<Event> ev = sub->Next(absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(ev.ok()) << ev.status();
    ++n;
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sub->dropped(), 0u);
}

}  // namespace
}  // namespace events
}  // namespace engine
