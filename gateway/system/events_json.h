// -----------------------------------------------------------------------------
// File: events_json.h
// -----------------------------------------------------------------------------
//
// GET /events: the query (since, until, filters) as an EventsRequest and each
// Berth event as Docker's JSON message. Pure functions; no I/O.

#ifndef GATEWAY_SYSTEM_EVENTS_JSON_H_
#define GATEWAY_SYSTEM_EVENTS_JSON_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/http/request.h"
#include "proto/berth/v1/system.pb.h"

namespace gateway {

// One /events message in Docker's shape, with the deprecated status, id
// and from fields that older clients read (from: container events only).
std::string EventJson(const berth::v1::Event& event);

// GET /events query (since, until, filters), split into what the engine
// filters (type, event, image, container) and what the gateway does.
struct EventsQuery {
  berth::v1::EventsRequest request;
  // label=key or label=key=value filters; an event must match all of them
  // (its attributes carry the container's labels).
  std::vector<std::string> labels;
  // True when the filters select only objects Berth has no events for
  // (networks, volumes, the daemon, swarm...): the stream stays empty.
  bool matches_nothing = false;
};

// InvalidArgument for malformed times or filters and unknown filter keys
// ("invalid filter 'x'", as dockerd says).
absl::StatusOr<EventsQuery> ParseEventsQuery(const Request& request);

// True if `event` passes the label filters of `query`.
bool MatchesLabels(const berth::v1::Event& event, const std::vector<std::string>& labels);

// Docker's "filters" query parameter: {"k":{"v":true}} or {"k":["v"]}, as
// (key, value) pairs. "" gives none.
absl::Status ParseFilters(absl::string_view json,
                          std::vector<std::pair<std::string, std::string>>* out);

// A Docker time parameter: Unix seconds with an optional fraction
// ("1700000000.5"). InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseUnixTime(absl::string_view text);

}  // namespace gateway

#endif  // GATEWAY_SYSTEM_EVENTS_JSON_H_
