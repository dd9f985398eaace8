// -----------------------------------------------------------------------------
// File: container_filters.h
// -----------------------------------------------------------------------------
//
// `docker ps --filter` and `container prune --filter` for Berth, plus the
// human "Status" column. Supported keys (same key ORed, different keys ANDed):
//   id=<prefix>            ID starts with it
//   name=<substring>       a name contains it (Docker matches a regexp;
//                          a plain substring is what users type)
//   label=key, label=key=value
//   status=created|restarting|running|removing|paused|exited|dead
//   exited=<code>          exited containers with that code
//   ancestor=<image>       created from that image (by ID, or as typed)
//   before=<container>, since=<container>   created before / after it
//   until=<time>           (prune) created before an RFC 3339 time or Unix seconds
//   volume=, network=, health=, is-task=    accepted, matched loosely
//
// Thread-compatible.

#ifndef ENGINE_RUNTIME_CONTAINER_FILTERS_H_
#define ENGINE_RUNTIME_CONTAINER_FILTERS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "proto/berth/v1/containers.pb.h"
#include "proto/berth/v1/types.pb.h"

namespace engine::runtime {

// What a filter looks at, beyond the summary row.
struct FilterSubject {
  const berth::v1::ContainerSummary* summary = nullptr;
  int64_t exit_code = 0;
};

// Lookups the filter needs while parsing.
struct FilterResolvers {
  // Creation time of the container named by an ID, prefix or name.
  std::function<absl::StatusOr<absl::Time>(absl::string_view ref)> container_created;
  // Image ID ("sha256:...") of an image reference; NotFound if absent.
  std::function<absl::StatusOr<std::string>(absl::string_view ref)> image_id;
};

class ContainerFilter {
 public:
  // InvalidArgument "invalid filter '<key>'" / "invalid filter
  // '<key>=<value>'" for unknown keys or bad values; the resolvers' errors
  // for before/since naming no container.
  static absl::StatusOr<ContainerFilter> Parse(
      const google::protobuf::RepeatedPtrField<berth::v1::Filter>& filters,
      const FilterResolvers& resolvers);

  bool Matches(const FilterSubject& subject) const;

 private:
  std::map<std::string, std::vector<std::string>> terms_;
  std::vector<std::string> ancestor_ids_;  // resolved image IDs
  absl::Time before_ = absl::InfiniteFuture();
  absl::Time since_ = absl::InfinitePast();
  absl::Time until_ = absl::InfiniteFuture();
};

// Docker's human duration ("Less than a second", "3 seconds", "About a
// minute", "5 minutes", "About an hour", "2 hours", "3 days", "2 weeks",
// "4 months", "2 years"), as go-units HumanDuration.
std::string HumanDuration(absl::Duration d);

// The ps "Status" column: "Created", "Up 3 seconds", "Up 3 seconds (Paused)",
// "Exited (0) 2 minutes ago", "Removal In Progress", "Dead", "Restarting (1)
// 5 seconds ago".
std::string StatusText(absl::string_view state, int64_t exit_code, absl::Time started_at,
                       absl::Time finished_at, absl::Time now);

// Docker's ps "Command" column: the entrypoint and args joined with
// spaces, in double quotes ("\"/hello\"").
std::string CommandText(const std::vector<std::string>& args);

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_CONTAINER_FILTERS_H_
