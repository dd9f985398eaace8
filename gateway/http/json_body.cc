#include "gateway/http/json_body.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace gateway {
namespace {

// True if arrays and objects in `text` nest deeper than `limit` (brackets
// inside strings do not count).
bool NestedDeeperThan(absl::string_view text, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<rapidjson::Document> ParseJson(absl::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: ", rapidjson::GetParseError_En(doc.GetParseError()),
                     " at offset ", doc.GetErrorOffset()));
  }
  if (NestedDeeperThan(text, kMaxJsonDepth)) {
    return absl::InvalidArgumentError("invalid JSON: nested too deeply");
  }
  return doc;
}

absl::StatusOr<rapidjson::Document> ParseJsonBody(const Request& request, bool required) {
  rapidjson::Document doc;
  if (absl::StripAsciiWhitespace(request.body).empty()) {
    if (required) {
      return absl::InvalidArgumentError("invalid JSON: got EOF while reading request body");
    }
    doc.SetObject();
    return doc;
  }
  absl::StatusOr<rapidjson::Document> parsed = ParseJson(request.body);
  if (!parsed.ok()) return parsed.status();
  doc = std::move(*parsed);
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError("invalid JSON: expected an object");
  }
  return doc;
}

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  value.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string JsonString(absl::string_view text) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace gateway
