#include "engine/runtime/detach_keys.h"

#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

TEST(ParseDetachKeysTest, Specs) {
  EXPECT_EQ(*ParseDetachKeys(""), "\x10\x11");
  EXPECT_EQ(*ParseDetachKeys("ctrl-p,ctrl-q"), "\x10\x11");
  EXPECT_EQ(*ParseDetachKeys("none"), "");
  EXPECT_EQ(*ParseDetachKeys("a,ctrl-@,CTRL-X"), std::string("a\0\x18", 3));
  EXPECT_EQ(ParseDetachKeys("ctrl-pp").status().message(),
            "Invalid detach keys (ctrl-pp) provided");
  EXPECT_FALSE(ParseDetachKeys("alt-x").ok());
}

TEST(DetachKeyFilterTest, DetachesAndPassesBrokenSequences) {
  DetachKeyFilter f("\x10\x11");
  bool detach;
  EXPECT_EQ(f.Filter("abc", &detach), "abc");
  EXPECT_FALSE(detach);
  // Split across writes.
  EXPECT_EQ(f.Filter("x\x10", &detach), "x");
  EXPECT_FALSE(detach);
  EXPECT_EQ(f.Filter("\x11rest", &detach), "");
  EXPECT_TRUE(detach);
  // Broken off: the held ctrl-p is passed on.
  EXPECT_EQ(f.Filter("\x10y", &detach), "\x10y");
  EXPECT_FALSE(detach);
  EXPECT_EQ(f.Filter("\x10\x10\x11", &detach), "\x10");
  EXPECT_TRUE(detach);
  DetachKeyFilter none("");
  EXPECT_EQ(none.Filter("\x10\x11", &detach), "\x10\x11");
  EXPECT_FALSE(detach);
}

}  // namespace
}  // namespace engine::runtime
