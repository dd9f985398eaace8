// -----------------------------------------------------------------------------
// File: progress_json.h
// -----------------------------------------------------------------------------
//
// The engine's pull and push progress as dockerd streams it: one JSON
// message per line (moby pkg/streamformatter, each ended by "\r\n"):
//
//   {"status":"Pulling from library/busybox","id":"latest"}
//   {"status":"Pulling fs layer","progressDetail":{},"id":"a1b2c3d4e5f6"}
//   {"status":"Downloading","progressDetail":{"current":1024,"total":2048},
//    "progress":"[=========================>      ...     ]  1.024kB/2.048kB",
//    "id":"a1b2c3d4e5f6"}
//   {"status":"Pull complete","progressDetail":{},"id":"a1b2c3d4e5f6"}
//   {"status":"Digest: sha256:..."}
//   {"status":"Status: Downloaded newer image for busybox:latest"}
//
// The docker CLI renders these exactly as `berth pull` renders the engine's
// messages (cli/output/progress.h). An error after the stream began is one
// more line, {"errorDetail":{"message":"..."},"error":"..."}: the Go client
// reads only errorDetail.
//
// Not thread-safe: one formatter per stream.

#ifndef GATEWAY_IMAGES_PROGRESS_JSON_H_
#define GATEWAY_IMAGES_PROGRESS_JSON_H_

#include <cstdint>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "proto/berth/v1/images.pb.h"

namespace gateway {

// ProgressString()
//
// The deprecated "progress" field as dockerd renders it (JSONProgress with
// no terminal, hence 200 columns and no time estimate): "" when nothing is
// known; "[" + 50 cells of "=" up to a ">" + "] " then "%8s/%s" of
// HumanSize(current)/HumanSize(total); only "%8s" of current when the total
// is unknown or smaller than current.
std::string ProgressString(int64_t current, int64_t total);

// StreamErrorLine()
//
// {"errorDetail":{"message":"<message>"},"error":"<message>"}\r\n
std::string StreamErrorLine(absl::string_view message);

// The JSON lines of a pull stream.
class PullJsonFormatter {
 public:
  // Lines for one engine message (possibly none, possibly several). The
  // first sighting of a layer is announced as "Pulling fs layer", as dockerd
  // lists every layer before it downloads any. `done` gives the "Digest:"
  // and "Status:" lines.
  std::string Format(const berth::v1::PullProgress& message);

 private:
  std::set<std::string> seen_;
};

// The JSON lines of a push stream.
class PushJsonFormatter {
 public:
  // `repository` gives "The push refers to repository [<repo>]"; `done`
  // gives "<tag>: digest: <digest> size: <n>" then the aux message
  // {"progressDetail":{},"aux":{"Tag":..,"Digest":..,"Size":..}}.
  std::string Format(const berth::v1::PushProgress& message);
};

}  // namespace gateway

#endif  // GATEWAY_IMAGES_PROGRESS_JSON_H_
