#include "gateway/http/json_body.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace gateway {

absl::StatusOr<rapidjson::Document> ParseJsonBody(const Request& request, bool required) {
  rapidjson::Document doc;
  if (absl::StripAsciiWhitespace(request.body).empty()) {
    if (required) {
      return absl::InvalidArgumentError("invalid JSON: got EOF while reading request body");
    }
    doc.SetObject();
    return doc;
  }
  doc.Parse(request.body.data(), request.body.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: ", rapidjson::GetParseError_En(doc.GetParseError()),
                     " at offset ", doc.GetErrorOffset()));
  }
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
