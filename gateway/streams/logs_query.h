// -----------------------------------------------------------------------------
// File: logs_query.h
// -----------------------------------------------------------------------------
//
// GET /containers/{id}/logs translated to the engine's LogsRequest, and the
// log records rendered as Docker sends them. Pure functions; thread-safe.

#ifndef GATEWAY_STREAMS_LOGS_QUERY_H_
#define GATEWAY_STREAMS_LOGS_QUERY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/http/request.h"
#include "google/protobuf/timestamp.pb.h"
#include "proto/berth/v1/containers.pb.h"

namespace gateway {

// ParseUnixTimestamp()
//
// Docker's since/until values: Unix seconds with an optional fraction
// ("1700000000", "1700000000.5", "1700000000.000000000"; the fraction's
// digits are scaled to nanoseconds). InvalidArgument otherwise.
absl::StatusOr<google::protobuf::Timestamp> ParseUnixTimestamp(absl::string_view text);

// ParseLogsQuery()
//
// The LogsRequest for container `id` from the query parameters stdout,
// stderr, follow, timestamps, tail, since and until. InvalidArgument "Bad
// parameters: you must choose at least one stream" when neither stdout nor
// stderr is set, and for malformed since/until. A tail that is not a
// non-negative number means "all", as in dockerd.
absl::StatusOr<berth::v1::LogsRequest> ParseLogsQuery(const Request& request,
                                                      absl::string_view id);

// Go's RFC3339Nano with a fixed 9-digit fraction, in UTC, as `docker logs -t`
// prints: "2025-11-28T06:38:41.330444812Z".
std::string Rfc3339NanoFixed(const google::protobuf::Timestamp& ts);

// One log record's payload: the data, prefixed with the fixed-width
// timestamp and a space when `timestamps`.
std::string FormatLogRecord(const berth::v1::LogEntry& entry, bool timestamps);

// The response's content type: multiplexed for a non-TTY container from API
// 1.42 on, raw otherwise (dockerd's rule for logs, attach and exec).
absl::string_view StreamContentType(bool tty, const ApiVersion& version);

}  // namespace gateway

#endif  // GATEWAY_STREAMS_LOGS_QUERY_H_
