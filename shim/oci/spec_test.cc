#include "shim/oci/spec.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gtest/gtest.h"
#include "shim/oci/capabilities.h"
#include "shim/oci/seccomp.h"

namespace shim::oci {
namespace {

std::string MinimalSpec(const std::string& process_extra, const std::string& linux_extra = "") {
  return R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},"hostname":"h",
    "process":{"args":["/bin/true"],"cwd":"/")" + process_extra + R"(},
    "linux":{"namespaces":[{"type":"mount"},{"type":"uts"},{"type":"pid"}])" +
         linux_extra + "}}";
}

TEST(SpecTest, ParsesTheBasics) {
  auto spec = ParseSpec(MinimalSpec(R"(,"env":["PATH=/bin"],"user":{"uid":1000,"gid":100,
      "additionalGids":[5,6]},"capabilities":{"bounding":["CAP_CHOWN","CAP_KILL"],
      "effective":["CAP_KILL"]},"rlimits":[{"type":"RLIMIT_NOFILE","soft":10,"hard":20}],
      "noNewPrivileges":true)", R"(,"resources":{"memory":{"limit":1048576},
      "pids":{"limit":10}},"maskedPaths":["/proc/kcore"],"cgroupsPath":"/berth/x")"),
                        "/bundle");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->root_path, "/bundle/rootfs");
  EXPECT_EQ(spec->hostname, "h");
  EXPECT_EQ(spec->process.uid, 1000u);
  EXPECT_EQ(spec->process.gid, 100u);
  EXPECT_EQ(spec->process.additional_gids, (std::vector<gid_t>{5, 6}));
  EXPECT_EQ(spec->process.caps.bounding, (1u << 0) | (1u << 5));
  EXPECT_EQ(spec->process.caps.effective, 1u << 5);
  ASSERT_EQ(spec->process.rlimits.size(), 1u);
  EXPECT_EQ(spec->process.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(spec->process.rlimits[0].hard, 20u);
  EXPECT_TRUE(spec->process.no_new_privileges);
  EXPECT_EQ(*spec->resources.memory_limit, 1048576);
  EXPECT_EQ(*spec->resources.pids_limit, 10);
  EXPECT_EQ(spec->masked_paths, std::vector<std::string>{"/proc/kcore"});
  EXPECT_EQ(spec->cgroups_path, "/berth/x");
  EXPECT_TRUE(spec->HasNamespace("pid"));
  EXPECT_FALSE(spec->HasNamespace("network"));
  EXPECT_EQ(spec->process.console_height, 0);
}

TEST(SpecTest, ConsoleSize) {
  auto spec = ParseSpec(MinimalSpec(R"(,"terminal":true,"consoleSize":{"height":30,"width":100})"),
                        "/bundle");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->process.console_height, 30);
  EXPECT_EQ(spec->process.console_width, 100);
  EXPECT_FALSE(ParseSpec(MinimalSpec(R"(,"consoleSize":{"height":70000,"width":1})"), "/b").ok());
  EXPECT_FALSE(ParseSpec(MinimalSpec(R"(,"consoleSize":{"height":-1,"width":1})"), "/b").ok());
}

TEST(SpecTest, RefusesHostileValues) {
  const char* bad_process[] = {
      R"(,"user":{"uid":4294967294,"gid":0})",
      R"(,"user":{"uid":0,"gid":2147483648})",
      R"(,"capabilities":{"bounding":["CAP_NOT_A_CAP"]})",
      R"(,"rlimits":[{"type":"RLIMIT_BOGUS","soft":1,"hard":1}])",
  };
  for (const char* extra : bad_process) {
    auto spec = ParseSpec(MinimalSpec(extra), "/b");
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << extra;
  }
  for (const char* cwd : {"/proc/self/fd/7", "/proc/1/cwd", "relative", "/dev/fd/3"}) {
    std::string json = MinimalSpec("");
    json.replace(json.find("\"cwd\":\"/\""), 9, std::string("\"cwd\":\"") + cwd + "\"");
    auto spec = ParseSpec(json, "/b");
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << cwd;
  }
  auto userns = ParseSpec(R"({"root":{"path":"r"},"process":{"args":["x"]},
      "linux":{"namespaces":[{"type":"mount"},{"type":"user"}]}})", "/b");
  EXPECT_EQ(userns.status().code(), absl::StatusCode::kInvalidArgument);
  auto sysctl = ParseSpec(MinimalSpec("", R"(,"sysctl":{"kernel.core_pattern":"|/x"})"), "/b");
  EXPECT_EQ(sysctl.status().code(), absl::StatusCode::kInvalidArgument);
  auto no_mntns = ParseSpec(R"({"root":{"path":"r"},"process":{"args":["x"]}})", "/b");
  EXPECT_EQ(no_mntns.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSpec("{", "/b").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SpecTest, ParsesMountOptions) {
  MountSpec m;
  ParseMountOptions({"rbind", "ro", "nosuid", "rprivate", "mode=755", "size=65536k"}, &m);
  EXPECT_TRUE(m.bind);
  EXPECT_EQ(m.flags, static_cast<unsigned long>(MS_REC | MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(m.propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
  EXPECT_EQ(m.data, "mode=755,size=65536k");
  MountSpec rw;
  ParseMountOptions({"ro", "rw"}, &rw);
  EXPECT_EQ(rw.flags & MS_RDONLY, 0u);
}

TEST(SpecTest, CapabilityNames) {
  EXPECT_EQ(CapabilityFromName("CAP_CHOWN"), 0);
  EXPECT_EQ(CapabilityFromName("sys_admin"), 21);
  EXPECT_EQ(CapabilityFromName("CAP_CHECKPOINT_RESTORE"), 40);
  EXPECT_EQ(CapabilityFromName("CAP_FOO"), -1);
}

TEST(SeccompTest, CompilesDockersProfileWithTheEnosysStub) {
  std::ifstream in("shim/oci/testdata/default_seccomp_oci.json");
  std::stringstream text;
  text << in.rdbuf();
  auto spec = ParseSpec(MinimalSpec("", ",\"seccomp\":" + text.str()), "/b");
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_TRUE(spec->seccomp.has_value());
  const auto begin = std::chrono::steady_clock::now();
  auto with = CompileSeccomp(*spec->seccomp, true);
  std::cout << "compile took "
            << std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now() - begin)
                   .count()
            << " us\n";
  ASSERT_TRUE(with.ok()) << with.status();
  auto without = CompileSeccomp(*spec->seccomp, false);
  ASSERT_TRUE(without.ok()) << without.status();
  // One 7-instruction block per architecture (x86_64, x86, x32).
  EXPECT_EQ(with->insns.size(), without->insns.size() + 21);
}

TEST(SeccompTest, RefusesUnknownActionsAndArchitectures) {
  SeccompSpec bad_action;
  bad_action.default_action = "SCMP_ACT_EXPLODE";
  EXPECT_EQ(CompileSeccomp(bad_action, true).status().code(),
            absl::StatusCode::kInvalidArgument);
  SeccompSpec bad_arch;
  bad_arch.default_action = "SCMP_ACT_ALLOW";
  bad_arch.architectures = {"SCMP_ARCH_PDP11"};
  EXPECT_EQ(CompileSeccomp(bad_arch, true).status().code(), absl::StatusCode::kInvalidArgument);
  SeccompSpec unknown_name;
  unknown_name.default_action = "SCMP_ACT_ERRNO";
  unknown_name.syscalls.push_back({{"no_such_syscall", "read"}, "SCMP_ACT_ALLOW", {}, {}});
  EXPECT_TRUE(CompileSeccomp(unknown_name, true).ok());
}

}  // namespace
}  // namespace shim::oci
