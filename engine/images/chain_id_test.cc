#include "engine/images/puller.h"

#include "gtest/gtest.h"

namespace engine::images {
namespace {

TEST(ChainIdsTest, FollowsOciImageSpec) {
  // Expected values computed independently: sha256("<chain> <diff>").
  std::vector<std::string> chain = ChainIds({base::Digest::Of("a"), base::Digest::Of("b")});
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0], "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  EXPECT_EQ(chain[1], "sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676");
  EXPECT_TRUE(ChainIds({}).empty());
}

TEST(BombLimitTest, GenerousForRealLayersFatalForBombs) {
  EXPECT_EQ(MaxUncompressedSize(0), 1ull << 30);
  EXPECT_EQ(MaxUncompressedSize(100 << 20), 100ull * (100 << 20));
  // A 2 MiB gzip of 2 GiB of zeros is refused.
  EXPECT_LT(MaxUncompressedSize(2 << 20), 2ull << 30);
}

}  // namespace
}  // namespace engine::images
