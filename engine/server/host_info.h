// -----------------------------------------------------------------------------
// File: host_info.h
// -----------------------------------------------------------------------------
//
// Facts about the host and the engine that System.Version and System.Info
// report: kernel, OS, CPUs, memory, cgroup version, and the engine ID kept
// in `<data-root>/engine-id`. Engine core: no gRPC.
//
// Thread-safe (no shared state).

#ifndef ENGINE_SERVER_HOST_INFO_H_
#define ENGINE_SERVER_HOST_INFO_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace server {

struct HostInfo {
  std::string hostname;
  std::string kernel_version;    // uname release, "6.1.0-13-amd64"
  std::string operating_system;  // os-release PRETTY_NAME, "Debian GNU/Linux 12 (bookworm)"
  std::string os_type = "linux";
  std::string architecture;      // Go/OCI names: "amd64", "arm64", else uname machine
  int64_t ncpu = 0;              // online CPUs
  int64_t mem_total = 0;         // bytes, from /proc/meminfo MemTotal
  std::string cgroup_version;    // "2" with /sys/fs/cgroup/cgroup.controllers, else "1"
};

// Reads the facts above. Missing sources leave a field empty or zero.
HostInfo CollectHostInfo();

// The PRETTY_NAME of an os-release file's text ("" if absent); quotes and
// shell escapes removed. Exposed for tests.
std::string ParseOsReleasePrettyName(absl::string_view text);

// MemTotal of a /proc/meminfo text, in bytes (0 if absent). Exposed for tests.
int64_t ParseMemTotal(absl::string_view text);

// The engine ID: read from `<data_root>/engine-id`, or created there (a
// random RFC 4122 version 4 UUID, written atomically, mode 0600) the first
// time. The ID stays the same for the life of the data root.
absl::StatusOr<std::string> LoadOrCreateEngineId(absl::string_view data_root);

}  // namespace server
}  // namespace engine

#endif  // ENGINE_SERVER_HOST_INFO_H_
