// -----------------------------------------------------------------------------
// File: docker_json.h
// -----------------------------------------------------------------------------
//
// Engine objects rendered as the JSON documents Docker's API and CLI print:
// `docker image inspect` (ImageInspect) and `docker inspect` (ContainerJSON).
// Both the `berth` CLI and the Docker API gateway print these, so the shapes
// live here, once. Field order and null-versus-empty choices follow dockerd,
// because clients and scripts read them literally (`.Config.Cmd` is null when
// unset, not []).
//
// Thread-safe: all functions are pure.

#ifndef SDK_DOCKER_JSON_H_
#define SDK_DOCKER_JSON_H_

#include <string>
#include <vector>

#include "google/protobuf/timestamp.pb.h"
#include "proto/berth/v1/containers.pb.h"
#include "proto/berth/v1/images.pb.h"

namespace sdk {

// Go's time.RFC3339Nano in UTC: "2024-05-01T10:00:00.5Z" (trailing zeros of
// the fraction dropped, no fraction when zero).
std::string Rfc3339Nano(const google::protobuf::Timestamp& ts);

// One ContainerJSON object, compact.
std::string DockerContainerJson(const berth::v1::ContainerInfo& info);

// One ImageInspect object, compact.
std::string DockerImageJson(const berth::v1::Image& image);

// `objects` (each a JSON value) as one array indented by 4 spaces, as
// `docker inspect` prints; "[]" when empty.
std::string PrettyJsonArray(const std::vector<std::string>& objects);

}  // namespace sdk

#endif  // SDK_DOCKER_JSON_H_
