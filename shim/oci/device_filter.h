// -----------------------------------------------------------------------------
// File: device_filter.h
// -----------------------------------------------------------------------------
//
// cgroup v2 has no devices.allow/devices.deny files: which device nodes a
// container may open or create is decided by a BPF_PROG_TYPE_CGROUP_DEVICE
// program attached to its cgroup. Without one, a container holding
// CAP_MKNOD (one of Docker's default capabilities) could create and open the
// host's block devices. This compiles the spec's device rules into such a
// program and attaches it.
//
// Semantics follow the v1 files written in order: the last rule that
// matches a request decides (a request matches when its type, major and
// minor match and its access is a subset of the rule's); nothing matching
// is allowed, as in a fresh v1 cgroup. Docker's rules start with "deny all".
//
// Thread-compatible.

#ifndef SHIM_OCI_DEVICE_FILTER_H_
#define SHIM_OCI_DEVICE_FILTER_H_

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shim/oci/spec.h"

namespace shim::oci {

// The program for `rules`.
std::vector<bpf_insn> CompileDeviceFilter(const std::vector<DeviceRule>& rules);

// Loads the program for `rules` and attaches it to the cgroup v2 directory
// `cgroup_dir` (it stays attached as long as the cgroup exists). The bpf(2)
// error otherwise, with the verifier's log when loading fails.
absl::Status AttachDeviceFilter(const std::string& cgroup_dir,
                                const std::vector<DeviceRule>& rules);

}  // namespace shim::oci

#endif  // SHIM_OCI_DEVICE_FILTER_H_
