#include "sdk/volume_spec.h"

#include "gtest/gtest.h"

namespace sdk {
namespace {

TEST(VolumeSpecTest, Forms) {
  struct Case {
    const char* spec;
    const char* type;
    const char* source;
    const char* target;
    bool ro;
  } cases[] = {
      {"/host:/ctr:ro", "bind", "/host", "/ctr", true},
      {"/host:/ctr", "bind", "/host", "/ctr", false},
      {"/ctr", "volume", "", "/ctr", false},
      {"/ctr:ro", "volume", "", "/ctr", true},
      {"data:/var/lib/x", "volume", "data", "/var/lib/x", false},
      {"/h:/c:rw,rshared", "bind", "/h", "/c", false},
      {"/h:/c:cached", "bind", "/h", "/c", false},
  };
  for (const auto& c : cases) {
    auto m = ParseVolumeSpec(c.spec);
    ASSERT_TRUE(m.ok()) << c.spec << ": " << m.status();
    EXPECT_EQ(m->type(), c.type) << c.spec;
    EXPECT_EQ(m->source(), c.source) << c.spec;
    EXPECT_EQ(m->target(), c.target) << c.spec;
    EXPECT_EQ(m->read_only(), c.ro) << c.spec;
  }
}

TEST(VolumeSpecTest, DockersMessages) {
  EXPECT_EQ(ParseVolumeSpec("/h:ctr").status().message(),
            "invalid volume specification: '/h:ctr': invalid mount config for type \"bind\": "
            "invalid mount path: 'ctr' mount path must be absolute");
  EXPECT_EQ(ParseVolumeSpec("/a:/b:/c:/d").status().message(),
            "invalid volume specification: '/a:/b:/c:/d'");
  EXPECT_EQ(ParseVolumeSpec("/h:/c:bogus").status().message(), "invalid mode: bogus");
  EXPECT_EQ(ParseVolumeSpec("/h:/").status().message(),
            "invalid volume specification: '/h:/': invalid mount config: destination "
            "can't be '/'");
  EXPECT_NE(ParseVolumeSpec("./rel:/c").status().message().find("use absolute path"),
            std::string::npos);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseVolumeSpec("b@d:/c").status()));
  EXPECT_TRUE(ValidVolumeName("data_1.x"));
  EXPECT_FALSE(ValidVolumeName("../x"));
  EXPECT_FALSE(ValidVolumeName("a"));
}

}  // namespace
}  // namespace sdk
