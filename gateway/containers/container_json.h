// -----------------------------------------------------------------------------
// File: container_json.h
// -----------------------------------------------------------------------------
//
// The Docker API's container documents other than inspect (which is
// sdk::DockerContainerJson): `GET /containers/json` summaries, stats, top,
// wait and prune results, and the `filters` query parameter. Pure
// functions; the JSON types follow dockerd exactly (Created is an integer
// in a summary, Names start with "/", numbers are numbers), because Go's
// decoder rejects a whole response over one mistyped field.
//
// Thread-safe: all functions are pure.

#ifndef GATEWAY_CONTAINERS_CONTAINER_JSON_H_
#define GATEWAY_CONTAINERS_CONTAINER_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/containers.pb.h"
#include "proto/berth/v1/types.pb.h"

namespace gateway {

// ParseFilters()
//
// The `filters` query parameter in either encoding: the map form the Go
// client sends ({"status":{"exited":true}}) and the list form of docker-py
// and compose ({"label":["a=b"]}). Terms come out sorted by key, then in
// order. "" and "{}" give no terms. InvalidArgument "invalid filter: ..."
// for anything else.
absl::StatusOr<std::vector<berth::v1::Filter>> ParseFilters(absl::string_view json);

// SummaryCommand()
//
// The summary's Command as Docker's API sends it (the CLI quotes it
// itself): the engine's "\"sleep 300\"" becomes "sleep 300".
std::string SummaryCommand(absl::string_view engine_command);

// ContainersJson()
//
// The `GET /containers/json` array. SizeRw and SizeRootFs only with `size`.
std::string ContainersJson(const berth::v1::ListContainersResponse& list, bool size);

// StatsJson()
//
// One StatsResponse document of `GET /containers/{id}/stats`. `prev` (may
// be nullptr) fills precpu_stats and preread, from which `docker stats`
// computes the CPU percentage; without it they are zero, as in dockerd's
// first streamed sample and its one-shot mode.
std::string StatsJson(const berth::v1::ContainerStats& cur,
                      const berth::v1::ContainerStats* prev);

// TopJson()
//
// {"Titles":[...],"Processes":[[...],...]}.
std::string TopJson(const berth::v1::TopResponse& top);

// WaitJson()
//
// {"StatusCode":<code>,"Error":null}. The engine's wait error (a failed
// start) is deliberately not reported: the docker CLI exits 125 on any
// Error, while dockerd reports start failures through /start.
std::string WaitJson(int64_t status_code);

// WaitErrorJson()
//
// {"StatusCode":<code>,"Error":{"Message":"<message>"}}: waiting itself
// failed after the head was sent.
std::string WaitErrorJson(int64_t status_code, absl::string_view message);

// PruneJson()
//
// {"ContainersDeleted":[...] or null,"SpaceReclaimed":<bytes>}.
std::string PruneJson(const berth::v1::PruneContainersResponse& prune);

// ParseWaitCondition()
//
// "" and "not-running", "next-exit", "removed"; InvalidArgument
// "invalid condition: \"<c>\"" otherwise.
absl::StatusOr<berth::v1::WaitCondition> ParseWaitCondition(absl::string_view condition);

}  // namespace gateway

#endif  // GATEWAY_CONTAINERS_CONTAINER_JSON_H_
