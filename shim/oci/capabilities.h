// -----------------------------------------------------------------------------
// File: capabilities.h
// -----------------------------------------------------------------------------
//
// Capability names and the calls that set a process's capability sets.
// Called in the container's process between clone and execve; not
// thread-safe (the process is single-threaded there).

#ifndef SHIM_OCI_CAPABILITIES_H_
#define SHIM_OCI_CAPABILITIES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "shim/oci/spec.h"

namespace shim::oci {

// Returns the number of "CAP_CHOWN"-style names (also without the CAP_
// prefix, any case), or -1 when unknown.
int CapabilityFromName(absl::string_view name);

// The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap).
int LastCapability();

// Drops from the bounding set every capability not in `bounding`. Needs
// CAP_SETPCAP; call before changing user.
absl::Status ApplyBoundingSet(uint64_t bounding);

// Sets effective, permitted and inheritable with capset(2), then clears the
// ambient set and raises `caps.ambient`. Call after the user change.
absl::Status ApplyCapabilities(const CapSets& caps);

}  // namespace shim::oci

#endif  // SHIM_OCI_CAPABILITIES_H_
