#include "engine/images/progress.h"

#include <vector>

#include "gtest/gtest.h"

namespace engine::images {
namespace {

TEST(ProgressReporterTest, PhasesAlwaysBytesThrottled) {
  std::vector<berth::v1::LayerProgress> seen;
  ProgressReporter r([&](const berth::v1::LayerProgress& p) { seen.push_back(p); });
  r.Phase("abc", berth::v1::LAYER_PHASE_WAITING);
  for (int i = 1; i <= 1000; ++i) r.Bytes("abc", berth::v1::LAYER_PHASE_DOWNLOADING, i, 1000);
  r.Phase("abc", berth::v1::LAYER_PHASE_PULL_COMPLETE);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_LT(seen.size(), 100u);  // throttled
  EXPECT_EQ(seen.front().phase(), berth::v1::LAYER_PHASE_WAITING);
  // The final byte count always arrives.
  EXPECT_EQ(seen[seen.size() - 2].current(), 1000);
  EXPECT_EQ(seen.back().phase(), berth::v1::LAYER_PHASE_PULL_COMPLETE);
  ProgressReporter silent(nullptr);
  silent.Phase("x", berth::v1::LAYER_PHASE_WAITING);
}

}  // namespace
}  // namespace engine::images
