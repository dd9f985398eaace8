// -----------------------------------------------------------------------------
// File: system_json.h
// -----------------------------------------------------------------------------
//
// Pure translations between Berth's System messages and the JSON documents
// of Docker's system routes (/version, /info, /events, /system/df). No I/O.

#ifndef GATEWAY_SYSTEM_SYSTEM_JSON_H_
#define GATEWAY_SYSTEM_SYSTEM_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/http/request.h"
#include "proto/berth/v1/containers.pb.h"
#include "proto/berth/v1/images.pb.h"
#include "proto/berth/v1/system.pb.h"

namespace gateway {

// GET /version: the engine's version with the gateway's API range
// (ApiVersion 1.50, MinAPIVersion 1.24) at the top level and in the
// "Engine" component.
std::string VersionJson(const berth::v1::VersionResponse& version);

// Container counts for /info when the engine does not report them.
struct ContainerCounts {
  int64_t total = 0, running = 0, paused = 0, stopped = 0;
};
ContainerCounts CountContainers(const berth::v1::ListContainersResponse& list);

// GET /info. `counts` replaces the engine's container counts when given.
std::string InfoJson(const berth::v1::InfoResponse& info,
                     const ContainerCounts* counts);

// One /events message in Docker's shape, with the deprecated status, id
// and from fields that older clients read (from: container events only).
std::string EventJson(const berth::v1::Event& event);

// GET /events query (since, until, filters) as an EventsRequest.
// InvalidArgument for malformed times or filters, and for filter keys the
// engine cannot apply (label, network, volume...). `matches_nothing` is set
// when every requested type is one Berth never emits (network, volume,
// daemon...): the stream then carries no events.
absl::Status EventsRequestFromQuery(const Request& request,
                                    berth::v1::EventsRequest* out,
                                    bool* matches_nothing);

// Docker's "filters" query parameter: {"k":{"v":true}} or {"k":["v"]}, as
// (key, value) pairs. "" gives none.
absl::Status ParseFilters(absl::string_view json,
                          std::vector<std::pair<std::string, std::string>>* out);

// A Docker time parameter: Unix seconds with an optional fraction
// ("1700000000.5"). InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseUnixTime(absl::string_view text);

// GET /system/df from the image and container lists (Volumes and
// BuildCache are empty: the engine has neither).
std::string DiskUsageJson(const berth::v1::ListImagesResponse& images,
                          const berth::v1::ListContainersResponse& containers);

}  // namespace gateway

#endif  // GATEWAY_SYSTEM_SYSTEM_JSON_H_
