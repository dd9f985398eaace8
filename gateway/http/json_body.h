// -----------------------------------------------------------------------------
// File: json_body.h
// -----------------------------------------------------------------------------
//
// JSON request bodies and responses, with dockerd's error messages.

#ifndef GATEWAY_HTTP_JSON_BODY_H_
#define GATEWAY_HTTP_JSON_BODY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/http/request.h"
#include "rapidjson/document.h"

namespace gateway {

// The deepest nesting of arrays and objects accepted in any JSON the gateway
// parses: RapidJSON's default parser, and any recursive walk of a document,
// would overflow a thread's stack on "[[[[..." bodies a few MiB long.
inline constexpr int kMaxJsonDepth = 256;

// Parses `text` (a body, a `filters` parameter, an X-Registry-Auth header)
// with RapidJSON's iterative parser. InvalidArgument "invalid JSON: <reason
// at offset N>" when malformed, and "invalid JSON: nested too deeply" beyond
// kMaxJsonDepth. Use this, not Document::Parse, for anything a client sent.
absl::StatusOr<rapidjson::Document> ParseJson(absl::string_view text);

// Parses the request body as a JSON object (with ParseJson). InvalidArgument "invalid JSON:
// <reason at offset N>" when malformed or truncated, "invalid JSON: got EOF
// while reading request body" when empty and `required`, and "invalid JSON:
// expected an object" when the top level is not an object. An empty body
// that is not required parses as {}.
absl::StatusOr<rapidjson::Document> ParseJsonBody(const Request& request,
                                                  bool required = true);

// Compact JSON text of `value`.
std::string ToJson(const rapidjson::Value& value);

// `text` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view text);

}  // namespace gateway

#endif  // GATEWAY_HTTP_JSON_BODY_H_
