// -----------------------------------------------------------------------------
// File: image_format.h
// -----------------------------------------------------------------------------
//
// Pure formatting of image data the way the docker CLI prints it: the
// `images` table, `--format json` lines and simple `{{.Field}}` templates,
// the `image inspect` JSON document, and the `image history` table. No I/O,
// so every output is unit-tested.

#ifndef CLI_IMAGE_FORMAT_H_
#define CLI_IMAGE_FORMAT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/command_line.h"
#include "google/protobuf/timestamp.pb.h"
#include "proto/berth/v1/images.pb.h"
#include "sdk/docker_json.h"

namespace cli {

// TruncateId()
//
// "sha256:0123456789abcdef..." -> "0123456789ab" (Docker's short ID).
std::string TruncateId(absl::string_view id);

// Ellipsis()
//
// `s` cut to `max_width` code points, the last one replaced by "…" when cut.
std::string Ellipsis(absl::string_view s, int max_width);

// Go's time.RFC3339Nano in UTC (sdk/docker_json.h).
using sdk::Rfc3339Nano;

// An ordered set of named fields of one output row ("Repository" -> "x").
using Fields = std::vector<std::pair<std::string, std::string>>;

// GoJsonObject()
//
// `fields` as a compact JSON object with keys sorted and <, >, & escaped as
// \u003c, \u003e, \u0026 (Go's json.Marshal).
std::string GoJsonObject(const Fields& fields);

// RenderRows()
//
// Renders rows with a docker --format value: "json" (one object per line),
// "table [TEMPLATE]" (aligned columns with headers from `headers`), or a
// template with {{.Field}} and {{json .}} actions ("\t" allowed).
// InvalidArgument for an unknown field or action.
absl::StatusOr<std::string> RenderRows(absl::string_view format,
                                       const std::vector<Fields>& rows,
                                       const Fields& headers);

// FormatImages()
//
// `berth images` output for `images` (newest first) under `options`.
absl::StatusOr<std::string> FormatImages(
    const std::vector<berth::v1::Image>& images, const ImagesOptions& options,
    absl::Time now);

// InspectJson()
//
// The `image inspect` document: a JSON array indented with 4 spaces, one
// object per image in Docker's shape.
std::string InspectJson(const std::vector<berth::v1::Image>& images);

// FormatHistory()
//
// `berth image history` output.
absl::StatusOr<std::string> FormatHistory(
    const berth::v1::ImageHistoryResponse& history,
    const HistoryOptions& options, absl::Time now);

}  // namespace cli

#endif  // CLI_IMAGE_FORMAT_H_
