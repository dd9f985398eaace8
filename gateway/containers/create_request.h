// -----------------------------------------------------------------------------
// File: create_request.h
// -----------------------------------------------------------------------------
//
// Docker's `POST /containers/create` body (a Config with HostConfig and
// NetworkingConfig embedded, every field optional or null) translated into
// Berth's CreateContainerRequest. Pure functions, so every rule is
// unit-tested against the bodies the docker CLI and docker-py send.
//
// What Berth's engine lacks is refused with a clear error rather than
// silently dropped when dropping it would change what runs: published ports
// and restart policies other than "no" (Unimplemented, 501), user-defined
// networks and `container:` network modes (Unimplemented). Settings that
// only tune or annotate (Healthcheck, Devices, Links, VolumesFrom, Sysctls)
// are ignored with a warning the CLI prints as "WARNING: ...". ConsoleSize
// and ExposedPorts are accepted and ignored (the CLI resizes after start).

#ifndef GATEWAY_CONTAINERS_CREATE_REQUEST_H_
#define GATEWAY_CONTAINERS_CREATE_REQUEST_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/containers.pb.h"
#include "rapidjson/document.h"

namespace gateway {

struct DockerCreate {
  berth::v1::CreateContainerRequest request;
  // Warnings of the translation, to be returned with the engine's.
  std::vector<std::string> warnings;
  // Set for `"Entrypoint": []` without a Cmd: Docker then runs the image's
  // Cmd without the image's Entrypoint. The caller copies the image's Cmd
  // into `request.config.cmd` (the request already clears the entrypoint).
  bool use_image_cmd = false;
};

// TranslateCreate()
//
// `body` is the parsed request body (an object), `name` and `platform` the
// query parameters ("" when absent; platform "os/arch[/variant]").
// InvalidArgument for malformed values, with dockerd's wording where it
// has one ("invalid JSON: json: cannot unmarshal ...", "invalid volume
// specification: '...'", "invalid mount config for type \"bind\": field
// Source must not be empty"); Unimplemented for what the engine lacks.
absl::StatusOr<DockerCreate> TranslateCreate(const rapidjson::Value& body,
                                             absl::string_view name,
                                             absl::string_view platform);

// CheckJsonContentType()
//
// dockerd's CheckForJSON: a body must be sent as application/json (any
// parameters allowed); an empty body may come without a Content-Type.
// InvalidArgument "unsupported Content-Type header (<ct>): must be
// 'application/json'".
absl::Status CheckJsonContentType(absl::string_view content_type, bool has_body);

}  // namespace gateway

#endif  // GATEWAY_CONTAINERS_CREATE_REQUEST_H_
