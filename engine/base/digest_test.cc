#include "engine/base/digest.h"

#include "gtest/gtest.h"

namespace base {
namespace {

TEST(DigestTest, HashesKnownVector) {
  EXPECT_EQ(Digest::Of("abc").str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), Digest::Of("abc"));
  EXPECT_EQ(Digest::Of("abc").Short(), "ba7816bf8f01");
}

TEST(DigestTest, DefaultIsEmptyContent) { EXPECT_EQ(Digest(), Digest::Of("")); }

TEST(DigestTest, ParseRejectsMalformed) {
  EXPECT_TRUE(Digest::Parse(Digest::Of("x").str()).ok());
  EXPECT_FALSE(Digest::Parse("sha256:abc").ok());
  EXPECT_FALSE(Digest::Parse("md5:" + std::string(64, 'a')).ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(64, 'A')).ok());
  EXPECT_FALSE(Digest::Parse("sha256:../../" + std::string(58, 'a')).ok());
}

}  // namespace
}  // namespace base
