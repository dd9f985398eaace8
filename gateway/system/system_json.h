// -----------------------------------------------------------------------------
// File: system_json.h
// -----------------------------------------------------------------------------
//
// Pure translations between Berth's System messages and the JSON documents
// of Docker's /version, /info and /system/df (events: events_json.h). No I/O.

#ifndef GATEWAY_SYSTEM_SYSTEM_JSON_H_
#define GATEWAY_SYSTEM_SYSTEM_JSON_H_

#include <cstdint>
#include <string>

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

// GET /system/df from the image and container lists (Volumes and
// BuildCache are empty: the engine has neither).
std::string DiskUsageJson(const berth::v1::ListImagesResponse& images,
                          const berth::v1::ListContainersResponse& containers);

}  // namespace gateway

#endif  // GATEWAY_SYSTEM_SYSTEM_JSON_H_
