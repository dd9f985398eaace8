#include "sdk/docker_text.h"

#include "gtest/gtest.h"

namespace sdk {
namespace {

TEST(DockerTextTest, SizesAsGoUnits) {
  EXPECT_EQ(HumanSize(0), "0B");
  EXPECT_EQ(HumanSize(512), "512B");
  EXPECT_EQ(HumanSize(1234567), "1.235MB");
  EXPECT_EQ(HumanSize(1024), "1.024kB");
  EXPECT_EQ(HumanSize(2500000), "2.5MB");
  EXPECT_EQ(HumanSize(999999), "1000kB");
  EXPECT_EQ(HumanSizeWithPrecision(13300, 3), "13.3kB");
  EXPECT_EQ(HumanSizeWithPrecision(2e12, 3), "2TB");
}

TEST(DockerTextTest, LayerPhases) {
  berth::v1::LayerProgress layer;
  layer.set_phase(berth::v1::LAYER_PHASE_ALREADY_EXISTS);
  EXPECT_EQ(LayerPhaseText(layer, /*push=*/false), "Already exists");
  EXPECT_EQ(LayerPhaseText(layer, /*push=*/true), "Layer already exists");
  layer.set_phase(berth::v1::LAYER_PHASE_MOUNTED);
  layer.set_detail("library/base");
  EXPECT_EQ(LayerPhaseText(layer, true), "Mounted from library/base");
  layer.Clear();
  EXPECT_EQ(LayerPhaseText(layer, false), "Pulling fs layer");
  EXPECT_EQ(LayerPhaseText(layer, true), "Preparing");
}

}  // namespace
}  // namespace sdk
