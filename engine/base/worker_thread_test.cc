#include "engine/base/worker_thread.h"

#include <atomic>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace base {
namespace {

TEST(WorkerThreadTest, RunsAndJoins) {
  std::atomic<int> sum{0};
  {
    std::vector<std::unique_ptr<WorkerThread>> threads;
    for (int i = 1; i <= 4; ++i) {
      threads.push_back(std::make_unique<WorkerThread>([&sum, i] { sum += i; }));
    }
    threads[0]->Join();
    threads[0]->Join();  // idempotent
  }  // the rest join on destruction
  EXPECT_EQ(sum.load(), 10);
}

TEST(WorkerThreadTest, DeepStackUseFitsTheGivenStack) {
  volatile char last = 0;
  WorkerThread t([&] {
    char big[512 << 10];
    for (size_t i = 0; i < sizeof big; i += 4096) big[i] = static_cast<char>(i);
    last = big[sizeof big - 4096];
  }, 1 << 20);
  t.Join();
  EXPECT_NE(last, 1);
}

}  // namespace
}  // namespace base
