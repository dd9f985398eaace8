#include "engine/containers/capabilities.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace engine {
namespace containers {
namespace {

// Bit numbers of the capabilities, for comparing with /proc/self/status masks.
uint64_t Mask(const std::vector<std::string>& caps) {
  static const std::vector<std::string> all = {
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
      "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
      "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
      "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
      "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
      "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
      "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP"};
  uint64_t mask = 0;
  for (const std::string& c : caps) {
    auto it = std::find(all.begin(), all.end(), c);
    if (it != all.end()) mask |= uint64_t{1} << (it - all.begin());
  }
  return mask;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(CapabilitiesTest, DefaultsAreDockers) {
  EXPECT_EQ(DefaultCapabilities().size(), 14u);
  EXPECT_EQ(Mask(DefaultCapabilities()), 0xa80425fbULL);
}

TEST(CapabilitiesTest, Normalize) {
  EXPECT_EQ(*NormalizeCapability("net_admin"), "CAP_NET_ADMIN");
  EXPECT_EQ(*NormalizeCapability("CAP_SYS_ADMIN"), "CAP_SYS_ADMIN");
  EXPECT_EQ(*NormalizeCapability("Sys_Ptrace"), "CAP_SYS_PTRACE");
  EXPECT_EQ(*NormalizeCapability("all"), "ALL");
  auto bad = NormalizeCapability("foo");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "unknown capability: \"CAP_FOO\"");
}

TEST(CapabilitiesTest, AddAndDrop) {
  const auto& base = DefaultCapabilities();
  auto caps = TweakCapabilities(base, {"net_admin", "SYS_ADMIN"}, {"chown", "CAP_KILL"}, false);
  ASSERT_TRUE(caps.ok()) << caps.status();
  EXPECT_EQ(caps->size(), 14u);
  EXPECT_TRUE(Has(*caps, "CAP_NET_ADMIN"));
  EXPECT_TRUE(Has(*caps, "CAP_SYS_ADMIN"));
  EXPECT_FALSE(Has(*caps, "CAP_CHOWN"));
  EXPECT_FALSE(Has(*caps, "CAP_KILL"));

  // Adding one already there does not duplicate it.
  EXPECT_EQ(TweakCapabilities(base, {"chown"}, {}, false)->size(), 14u);

  auto only = TweakCapabilities(base, {"NET_BIND_SERVICE"}, {"ALL"}, false);
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(*only, std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
  EXPECT_TRUE(TweakCapabilities(base, {}, {"all"}, false)->empty());

  auto all_but = TweakCapabilities(base, {"ALL"}, {"SYS_ADMIN"}, false);
  ASSERT_TRUE(all_but.ok());
  EXPECT_EQ(all_but->size(), AllCapabilities().size() - 1);
  EXPECT_FALSE(Has(*all_but, "CAP_SYS_ADMIN"));

  EXPECT_EQ(TweakCapabilities(base, {"bogus"}, {}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TweakCapabilities(base, {}, {"bogus"}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CapabilitiesTest, PrivilegedGetsEverything) {
  auto caps = TweakCapabilities(DefaultCapabilities(), {}, {"ALL"}, true);
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(*caps, AllCapabilities());
  EXPECT_GE(caps->size(), 38u);  // every kernel this runs on has at least CAP_AUDIT_READ
  EXPECT_TRUE(Has(*caps, "CAP_SYS_ADMIN"));
}

TEST(CapabilitiesTest, AllIsWhatTheBoundingSetHolds) {
  // A capability outside this process's bounding set (on this machine
  // CAP_SYS_RESOURCE) is left out; every one inside it is there. Mask()
  // knows capabilities 0-31; the count covers the rest.
  std::vector<std::string> all = AllCapabilities();
  for (int cap = 0; cap <= 31; ++cap) {
    bool bounded = prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
    EXPECT_EQ((Mask(all) >> cap) & 1, bounded ? 1u : 0u) << "capability " << cap;
  }
  size_t bounded = 0;
  for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0 && cap <= 40; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) ++bounded;
  }
  EXPECT_EQ(all.size(), bounded);
}

}  // namespace
}  // namespace containers
}  // namespace engine
