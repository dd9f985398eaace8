#include "engine/containers/seccomp_profile.h"

#include <set>
#include <string>
#include <vector>

#include "engine/containers/capabilities.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace engine {
namespace containers {
namespace {

SeccompContext Amd64(std::vector<std::string> caps) {
  SeccompContext c;
  c.capabilities = std::move(caps);
  c.arch = "amd64";
  c.kernel_major = 6;
  c.kernel_minor = 1;
  return c;
}

struct Converted {
  rapidjson::Document doc;
  // Names with an unconditional SCMP_ACT_ALLOW rule.
  std::set<std::string> allowed;
  // Names with an allow rule conditioned on arguments.
  std::set<std::string> conditional;
  std::set<std::string> all_names;
};

void Convert(const SeccompProfile& p, const SeccompContext& c, Converted* out) {
  std::string json = ToOciSeccomp(p, c);
  out->doc.Parse(json.c_str());
  ASSERT_FALSE(out->doc.HasParseError()) << json;
  for (const auto& rule : out->doc["syscalls"].GetArray()) {
    bool allow = std::string(rule["action"].GetString()) == "SCMP_ACT_ALLOW";
    bool args = rule.HasMember("args");
    for (const auto& n : rule["names"].GetArray()) {
      out->all_names.insert(n.GetString());
      if (allow && !args) out->allowed.insert(n.GetString());
      if (allow && args) out->conditional.insert(n.GetString());
    }
  }
}

TEST(SeccompProfileTest, DefaultDeniesNamespaceAndKeyCalls) {
  Converted c;
  Convert(DefaultSeccompProfile(), Amd64(DefaultCapabilities()), &c);
  EXPECT_STREQ(c.doc["defaultAction"].GetString(), "SCMP_ACT_ERRNO");
  EXPECT_EQ(c.doc["defaultErrnoRet"].GetUint(), 1u);
  std::vector<std::string> arches;
  for (const auto& a : c.doc["architectures"].GetArray()) arches.push_back(a.GetString());
  EXPECT_EQ(arches, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                              "SCMP_ARCH_X32"}));
  for (const char* denied : {"unshare", "mount", "umount2", "keyctl", "add_key", "request_key",
                             "setns", "pivot_root", "io_uring_setup", "userfaultfd", "bpf",
                             "kexec_load", "open_by_handle_at", "reboot", "init_module"}) {
    EXPECT_EQ(c.allowed.count(denied), 0u) << denied;
    EXPECT_EQ(c.conditional.count(denied), 0u) << denied;
  }
  for (const char* denied : {"migrate_pages", "move_pages", "swapon", "vm86", "nfsservctl"}) {
    EXPECT_EQ(c.all_names.count(denied), 0u) << denied;
  }
  for (const char* ok : {"read", "write", "execve", "openat", "chroot", "arch_prctl",
                         "modify_ldt", "ptrace", "process_vm_readv", "close_range",
                         // the 32-bit ABI's own entry points are filtered by name too
                         "socketcall", "_llseek", "stat64", "ipc"}) {
    EXPECT_EQ(c.allowed.count(ok), 1u) << ok;
  }
  // clone only without namespace flags; clone3 answers ENOSYS.
  EXPECT_EQ(c.conditional.count("clone"), 1u);
  EXPECT_EQ(c.allowed.count("clone"), 0u);
  bool clone3_enosys = false;
  for (const auto& rule : c.doc["syscalls"].GetArray()) {
    if (std::string(rule["names"][0].GetString()) == "clone3") {
      EXPECT_STREQ(rule["action"].GetString(), "SCMP_ACT_ERRNO");
      EXPECT_EQ(rule["errnoRet"].GetUint(), 38u);
      clone3_enosys = true;
    }
    if (std::string(rule["names"][0].GetString()) == "clone") {
      ASSERT_TRUE(rule.HasMember("args"));
      EXPECT_EQ(rule["args"][0]["index"].GetUint(), 0u);  // not the s390 rule
      EXPECT_EQ(rule["args"][0]["value"].GetUint64(), 0x7E020000u);
      EXPECT_STREQ(rule["args"][0]["op"].GetString(), "SCMP_CMP_MASKED_EQ");
    }
  }
  EXPECT_TRUE(clone3_enosys);
  // Other architectures' calls are left out.
  EXPECT_EQ(c.all_names.count("s390_pci_mmio_read"), 0u);
  EXPECT_EQ(c.all_names.count("cacheflush"), 0u);
}

TEST(SeccompProfileTest, CapabilitiesUnlockTheirGroups) {
  std::vector<std::string> caps = DefaultCapabilities();
  caps.push_back("CAP_SYS_ADMIN");
  caps.erase(std::find(caps.begin(), caps.end(), "CAP_SYS_CHROOT"));
  Converted c;
  Convert(DefaultSeccompProfile(), Amd64(caps), &c);
  for (const char* ok : {"mount", "unshare", "setns", "clone", "clone3", "umount2"}) {
    EXPECT_EQ(c.allowed.count(ok), 1u) << ok;
  }
  EXPECT_EQ(c.conditional.count("clone"), 0u);  // the masked rule is excluded
  EXPECT_EQ(c.all_names.count("chroot"), 0u);   // CAP_SYS_CHROOT dropped
  EXPECT_EQ(c.all_names.count("keyctl"), 0u);   // never allowed
  bool errno_clone3 = false;
  for (const auto& rule : c.doc["syscalls"].GetArray()) {
    if (std::string(rule["action"].GetString()) == "SCMP_ACT_ERRNO") errno_clone3 = true;
  }
  EXPECT_FALSE(errno_clone3);
}

TEST(SeccompProfileTest, MinKernel) {
  Converted old;
  SeccompContext ctx = Amd64(DefaultCapabilities());
  ctx.kernel_major = 4;
  ctx.kernel_minor = 4;
  Convert(DefaultSeccompProfile(), ctx, &old);
  EXPECT_EQ(old.all_names.count("ptrace"), 0u);
}

TEST(SeccompProfileTest, ParsesDockerFormat) {
  constexpr char kProfile[] = R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
                {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"name": "exit", "action": "SCMP_ACT_ALLOW", "args": null},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
       "excludes": {"arches": ["amd64"]}},
      {"names": ["uname"], "action": "SCMP_ACT_LOG", "includes": {"arches": ["amd64"]}}
    ]})";
  auto p = ParseSeccompProfile(kProfile);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->syscalls.size(), 6u);
  Converted c;
  Convert(*p, Amd64(DefaultCapabilities()), &c);
  EXPECT_EQ(c.doc["architectures"].Size(), 2u);
  EXPECT_STREQ(c.doc["architectures"][0].GetString(), "SCMP_ARCH_X86_64");
  EXPECT_EQ(c.allowed, (std::set<std::string>{"read", "write", "exit"}));
  EXPECT_EQ(c.conditional, (std::set<std::string>{"personality"}));
  EXPECT_EQ(c.all_names.count("mount"), 0u);
  EXPECT_EQ(c.all_names.count("chmod"), 0u);
  EXPECT_EQ(c.all_names.count("uname"), 1u);
}

TEST(SeccompProfileTest, RejectsMalformedProfiles) {
  for (const char* bad : {
           "not json",
           "[]",
           R"({"defaultAction": "SCMP_ACT_BOGUS"})",
           R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
               "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})",
           R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
               "action": "SCMP_ACT_NOPE"}]})",
           R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
               "action": "SCMP_ACT_ALLOW", "args": [{"index": 9, "value": 1,
               "op": "SCMP_CMP_EQ"}]}]})",
           R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
               "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1,
               "op": "SCMP_CMP_ALMOST"}]}]})",
           R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]})",
       }) {
    EXPECT_EQ(ParseSeccompProfile(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace containers
}  // namespace engine
