// -----------------------------------------------------------------------------
// File: capabilities.h
// -----------------------------------------------------------------------------
//
// Capability sets for a container, with Docker's rules
// (daemon/pkg/oci/caps): the 14 default capabilities, `--cap-add` /
// `--cap-drop` (names with or without "CAP_", any case, and "ALL"), and
// every capability for `--privileged`. Names are returned as "CAP_X".
//
// Thread-safety: stateless; safe to call concurrently.

#ifndef ENGINE_CONTAINERS_CAPABILITIES_H_
#define ENGINE_CONTAINERS_CAPABILITIES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace containers {

// Docker's default set, in Docker's order.
const std::vector<std::string>& DefaultCapabilities();

// Every capability this build knows that the running kernel supports
// (/proc/sys/kernel/cap_last_cap) and that is in the calling process's
// bounding set (what berthd can grant), in number order.
std::vector<std::string> AllCapabilities();

// "net_admin" / "CAP_NET_ADMIN" / "Net_Admin" → "CAP_NET_ADMIN"; "all" →
// "ALL". InvalidArgument `unknown capability: "CAP_X"` otherwise.
absl::StatusOr<std::string> NormalizeCapability(absl::string_view name);

// The container's capability set: all for `privileged`; else `base` minus
// `drops` plus `adds`, where "ALL" in `adds` means every capability but
// `drops`, and "ALL" in `drops` means only `adds`. No duplicates.
absl::StatusOr<std::vector<std::string>> TweakCapabilities(const std::vector<std::string>& base,
                                                           const std::vector<std::string>& adds,
                                                           const std::vector<std::string>& drops,
                                                           bool privileged);

}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_CAPABILITIES_H_
