// -----------------------------------------------------------------------------
// File: seccomp_profile.h
// -----------------------------------------------------------------------------
//
// Seccomp profiles in Docker's format and their conversion to the OCI
// runtime spec's `linux.seccomp` object, as Docker does when it builds a
// container's spec (moby profiles/seccomp setupSeccomp):
//   - `archMap`: the entry for the host's native architecture gives the
//     spec's `architectures` (native plus its compat sub-architectures);
//     a profile may instead list `architectures` directly (not both).
//   - each rule's `includes` / `excludes` are evaluated for this container:
//     `caps` against its capability set (includes: all needed; excludes: any
//     present drops the rule), `arches` against the host's Go-style arch
//     name ("amd64", "arm64", ...), `minKernel` against the running kernel.
//     Rules that do not apply are left out; the rest are copied with their
//     names, action, errnoRet and args.
//
// Berth's built-in default (DefaultSeccompProfile) expresses the policy of
// Docker's default profile: an allowlist with EPERM for everything else.
//
// Thread-safety: stateless functions over immutable data.

#ifndef ENGINE_CONTAINERS_SECCOMP_PROFILE_H_
#define ENGINE_CONTAINERS_SECCOMP_PROFILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace containers {

struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // "SCMP_CMP_EQ", ...
};

struct SeccompFilter {
  std::vector<std::string> caps;    // "CAP_SYS_ADMIN"
  std::vector<std::string> arches;  // Go-style: "amd64", "x32", "s390x"
  std::string min_kernel;           // "4.8"
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // "SCMP_ACT_ALLOW", ...
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
  SeccompFilter includes, excludes;
};

struct SeccompProfile {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  // (native "SCMP_ARCH_X86_64", its sub-architectures).
  std::vector<std::pair<std::string, std::vector<std::string>>> arch_map;
  std::vector<std::string> architectures;  // used when arch_map is empty
  std::vector<SeccompRule> syscalls;
};

// What the conditions of a profile are evaluated against.
struct SeccompContext {
  std::vector<std::string> capabilities;  // the container's ("CAP_X")
  std::string arch;                       // Go-style host arch ("amd64")
  int kernel_major = 0, kernel_minor = 0;
};

// Parses a profile in Docker's JSON format. InvalidArgument for malformed
// JSON, unknown actions or operators, or both `architectures` and `archMap`.
absl::StatusOr<SeccompProfile> ParseSeccompProfile(absl::string_view json);

// Berth's default profile.
const SeccompProfile& DefaultSeccompProfile();

// The context of this host (arch from uname, kernel version) with `caps`.
SeccompContext HostSeccompContext(std::vector<std::string> caps);

// The OCI `linux.seccomp` object, as compact JSON text.
std::string ToOciSeccomp(const SeccompProfile& profile, const SeccompContext& context);

}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_SECCOMP_PROFILE_H_
