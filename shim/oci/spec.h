// -----------------------------------------------------------------------------
// File: spec.h
// -----------------------------------------------------------------------------
//
// The subset of the OCI runtime-spec config.json that Berth's runtime
// implements, parsed into plain structs. ParseSpec() refuses (with
// InvalidArgument and the reason) what the runtime does not support or will
// not run: user namespaces, a uid/gid beyond int32, an unknown capability or
// rlimit, a relative or /proc/<pid>/fd working directory, a sysctl that is
// not namespaced, ...
//
// Thread-compatible plain data.

#ifndef SHIM_OCI_SPEC_H_
#define SHIM_OCI_SPEC_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shim::oci {

struct Rlimit {
  int resource = 0;  // RLIMIT_*
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Capability sets as bit masks (bit N = capability N).
struct CapSets {
  uint64_t bounding = 0;
  uint64_t effective = 0;
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
  uint64_t ambient = 0;
};

struct ProcessSpec {
  bool terminal = false;
  uint16_t console_height = 0, console_width = 0;  // 0 = leave the pty's size
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::optional<mode_t> umask;
  CapSets caps;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
};

struct MountSpec {
  std::string destination;
  std::string type;  // "bind" for bind mounts (also when options hold bind)
  std::string source;
  unsigned long flags = 0;              // MS_* set by the options
  unsigned long clear_flags = 0;        // MS_* cleared by the options (rw, suid...)
  unsigned long propagation = 0;        // MS_PRIVATE/SLAVE/SHARED/UNBINDABLE (+MS_REC)
  bool bind = false;
  bool recursive_ro = false;            // "rro"
  std::string data;                     // the options the kernel parses (size=, mode=...)
};

struct NamespaceSpec {
  std::string type;  // pid, network, mount, ipc, uts, cgroup
  std::string path;  // empty: a new namespace
};

struct DeviceRule {
  bool allow = false;
  char type = 'a';  // a, c, b
  int64_t major = -1;  // -1 = *
  int64_t minor = -1;
  std::string access;  // rwm
};

struct DeviceNode {
  std::string path;
  char type = 'c';
  int64_t major = 0;
  int64_t minor = 0;
  mode_t mode = 0666;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct Resources {
  std::optional<int64_t> memory_limit;  // bytes; -1 unlimited
  std::optional<int64_t> memory_swap;   // memory+swap, bytes; -1 unlimited
  std::optional<int64_t> memory_reservation;
  bool disable_oom_killer = false;
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;     // µs per period; -1 unlimited
  std::optional<uint64_t> cpu_period;   // µs
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::optional<int64_t> pids_limit;    // <= 0 unlimited
  std::vector<DeviceRule> devices;
};

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_*
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_*
  std::optional<unsigned> errno_ret;
  std::vector<SeccompArg> args;
};

struct SeccompSpec {
  std::string default_action;
  std::optional<unsigned> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*
  std::vector<std::string> flags;
  std::vector<SeccompRule> syscalls;
};

struct Spec {
  std::string root_path;  // absolute (resolved against the bundle)
  bool root_readonly = false;
  ProcessSpec process;
  std::string hostname;
  std::string domainname;
  std::vector<MountSpec> mounts;
  std::vector<NamespaceSpec> namespaces;
  std::string cgroups_path;
  Resources resources;
  std::vector<DeviceNode> devices;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::optional<SeccompSpec> seccomp;
  std::map<std::string, std::string> sysctl;
  std::string rootfs_propagation;
  std::map<std::string, std::string> annotations;

  bool HasNamespace(absl::string_view type) const;
  // True when the spec mounts a tmpfs on /dev (the runtime then fills it).
  bool HasDevTmpfs() const;
  // True when the "berth.init" annotation asks for the reaping init.
  bool WantsInit() const;
};

// Parses a config.json. `bundle` resolves a relative root.path.
absl::StatusOr<Spec> ParseSpec(absl::string_view json, absl::string_view bundle);

// Parses an OCI "process" object (for exec).
absl::StatusOr<ProcessSpec> ParseProcess(absl::string_view json);

// Parses mount options into `m` (exposed for tests).
void ParseMountOptions(const std::vector<std::string>& options, MountSpec* m);

}  // namespace shim::oci

#endif  // SHIM_OCI_SPEC_H_
