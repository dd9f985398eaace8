// -----------------------------------------------------------------------------
// File: cgroup_stats.h
// -----------------------------------------------------------------------------
//
// What `docker stats` and `docker top` read about a container from its
// cgroup ("/berth/<id>"), on cgroup v1 (one hierarchy per controller under
// <root>/<controller>) or v2 (the unified hierarchy at <root>), and the host
// CPU time from /proc/stat.
//
// Thread-compatible; every function reads the files afresh.

#ifndef ENGINE_RUNTIME_CGROUP_STATS_H_
#define ENGINE_RUNTIME_CGROUP_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/containers.pb.h"

namespace engine::runtime {

struct CgroupStats {
  uint64_t cpu_total_ns = 0;
  uint64_t memory_usage = 0;  // minus page cache, as docker stats shows
  uint64_t memory_limit = 0;  // host memory when unlimited
  uint64_t memory_cache = 0;
  uint64_t pids_current = 0;
  uint64_t pids_limit = 0;  // 0 = unlimited
  uint64_t block_read = 0;
  uint64_t block_write = 0;
};

inline constexpr absl::string_view kCgroupRoot = "/sys/fs/cgroup";

// Whether `root` is a cgroup v2 unified hierarchy.
bool IsCgroupV2(absl::string_view root = kCgroupRoot);

// Reads the container's counters. Missing files read as 0 (a controller
// may be absent); NotFound when the cgroup does not exist at all.
absl::StatusOr<CgroupStats> ReadCgroupStats(absl::string_view cgroup_path,
                                            absl::string_view root = kCgroupRoot);

// The pids in the container's cgroup (cgroup.procs of the pids or memory
// hierarchy on v1, of the unified one on v2), sorted.
absl::StatusOr<std::vector<pid_t>> CgroupPids(absl::string_view cgroup_path,
                                              absl::string_view root = kCgroupRoot);

// Host CPU time in nanoseconds (sum of /proc/stat's "cpu" line, as Docker
// computes system_cpu_usage) and the number of online CPUs.
absl::StatusOr<uint64_t> SystemCpuUsageNanos();
uint32_t OnlineCpus();

// Runs `ps <ps_args>` (default "-ef") and keeps the header and the rows whose
// PID column is one of `pids`, as Docker's top does. InvalidArgument when
// ps fails ("ps: ..." with its output) or its output has no PID column.
absl::StatusOr<berth::v1::TopResponse> RunTop(const std::vector<pid_t>& pids,
                                              absl::string_view ps_args);

// The parsing half of RunTop (exposed for tests).
absl::StatusOr<berth::v1::TopResponse> ParsePsOutput(absl::string_view output,
                                                     const std::vector<pid_t>& pids);

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_CGROUP_STATS_H_
