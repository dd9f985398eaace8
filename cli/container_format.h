// -----------------------------------------------------------------------------
// File: container_format.h
// -----------------------------------------------------------------------------
//
// Pure formatting of container data the way the docker CLI prints it: the
// `ps` table and `--format json` lines, Docker's status strings, the
// `inspect` document, `top` and `stats` tables, `events` lines, log
// timestamps, and the --since/--until time arguments. No I/O.

#ifndef CLI_CONTAINER_FORMAT_H_
#define CLI_CONTAINER_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/command_line.h"
#include "google/protobuf/timestamp.pb.h"
#include "proto/berth/v1/containers.pb.h"
#include "proto/berth/v1/system.pb.h"

namespace cli {

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp ToTimestamp(absl::Time t);

// FormatContainerStatus()
//
// Docker's State.String(): "Up 2 seconds", "Up 5 minutes (Paused)",
// "Restarting (1) 3 seconds ago", "Exited (0) 3 minutes ago", "Created",
// "Removal In Progress", "Dead".
std::string FormatContainerStatus(const berth::v1::ContainerState& state,
                                  absl::Time now);

// FormatPs()
//
// `berth ps` output (containers newest first) under `options`: the default
// table (CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES with
// Docker's truncation), -q IDs, `--format json` lines or a template.
absl::StatusOr<std::string> FormatPs(
    const std::vector<berth::v1::ContainerSummary>& containers,
    const PsOptions& options, absl::Time now);

// ContainerInspectJson()
//
// The `inspect` document for containers: a JSON array indented with 4
// spaces, one object per container in Docker's shape (Id, Created, Path,
// Args, State{...}, Image, ...Path, Name, RestartCount, Driver, Platform,
// HostConfig{...}, GraphDriver, Mounts[], Config{...}, NetworkSettings).
std::string ContainerInspectJson(const std::vector<berth::v1::ContainerInfo>& containers);

// ExpandInspectTemplate()
//
// `inspect -f` for one object: `doc` is a one-object array as
// ContainerInspectJson/InspectJson return it; `tmpl` holds text and
// {{.Path.To.Field}}, {{json .Path}} or {{json .}} actions. Values print as
// Go's templates print them (strings bare, lists "[a b]", maps
// "map[k:v]"). InvalidArgument for other actions.
absl::StatusOr<std::string> ExpandInspectTemplate(absl::string_view doc,
                                                  absl::string_view tmpl);

// JoinJsonArrays()
//
// Joins documents produced by ContainerInspectJson and InspectJson (images)
// into one array, in order, as `inspect` prints mixed objects.
std::string JoinJsonArrays(const std::vector<std::string>& arrays);

// FormatTop()
//
// `berth top`: the titles and rows aligned as Docker's tabwriter (minimum
// width 20, padding 3).
std::string FormatTop(const berth::v1::TopResponse& top);

// One `stats` row, computed from two samples.
struct StatsRow {
  std::string id;
  std::string name;
  double cpu_percent = 0;
  uint64_t memory_usage = 0;
  uint64_t memory_limit = 0;
  double memory_percent = 0;
  uint64_t net_rx = 0, net_tx = 0;
  uint64_t block_read = 0, block_write = 0;
  uint64_t pids = 0;
};

// ComputeStatsRow()
//
// Docker's CPU % (container delta / system delta * online CPUs * 100, 0
// without a previous sample) and memory (usage minus page cache).
StatsRow ComputeStatsRow(const berth::v1::ContainerStats* previous,
                         const berth::v1::ContainerStats& current);

// FormatStats()
//
// The `stats` table: CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %,
// NET I/O, BLOCK I/O, PIDS; or `--format json` lines.
absl::StatusOr<std::string> FormatStats(const std::vector<StatsRow>& rows,
                                        const StatsOptions& options);

// FormatEvent()
//
// One `events` line: "<time RFC3339Nano fixed> <type> <action> <actor>
// (k=v, ...)"; with format "json" Docker's JSON message.
absl::StatusOr<std::string> FormatEvent(const berth::v1::Event& event,
                                        absl::string_view format);

// Rfc3339NanoFixed()
//
// "2024-05-01T10:00:00.000000000Z": log and event timestamps (nine
// fractional digits, always).
std::string Rfc3339NanoFixed(absl::Time t);

// ParseTimeArg()
//
// --since/--until values as Docker takes them: RFC 3339 dates and times
// ("2024-05-01", "2024-05-01T10:00:00Z", with or without zone), Unix
// seconds with optional fraction ("1714557600.5"), or a Go duration before
// `now` ("10m", "1h30m", "2.5s"). InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view value, absl::Time now);

// ShortId()
//
// The first 12 characters of a container ID.
std::string ShortId(absl::string_view id);

}  // namespace cli

#endif  // CLI_CONTAINER_FORMAT_H_
