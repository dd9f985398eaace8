#include "engine/registry/registry_error.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/registry/challenge.h"
#include "rapidjson/document.h"

namespace engine {
namespace registry {
namespace {

// The error codes Docker's client registers, with their default messages.
const std::map<std::string, std::string>& KnownCodes() {
  static const auto* codes = new std::map<std::string, std::string>{
      {"UNKNOWN", "unknown error"},
      {"UNSUPPORTED", "The operation is unsupported."},
      {"UNAUTHORIZED", "authentication required"},
      {"DENIED", "requested access to the resource is denied"},
      {"UNAVAILABLE", "service unavailable"},
      {"TOOMANYREQUESTS", "too many requests"},
      {"DIGEST_INVALID", "provided digest did not match uploaded content"},
      {"SIZE_INVALID", "provided length did not match content length"},
      {"NAME_INVALID", "invalid repository name"},
      {"TAG_INVALID", "manifest tag did not match URI"},
      {"NAME_UNKNOWN", "repository name not known to registry"},
      {"MANIFEST_UNKNOWN", "manifest unknown"},
      {"MANIFEST_INVALID", "manifest invalid"},
      {"MANIFEST_UNVERIFIED", "manifest failed signature verification"},
      {"MANIFEST_BLOB_UNKNOWN", "blob unknown to registry"},
      {"BLOB_UNKNOWN", "blob unknown to registry"},
      {"BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"},
      {"BLOB_UPLOAD_INVALID", "blob upload invalid"},
      {"RANGE_INVALID", "invalid content range"},
      {"PAGINATION_NUMBER_INVALID", "invalid number of results requested"},
  };
  return *codes;
}

std::string DefaultMessage(const std::string& code) {
  auto it = KnownCodes().find(code);
  return it == KnownCodes().end() ? "unknown error" : it->second;
}

std::string StatusLine(int status) {
  static const auto* reasons = new std::map<int, std::string>{
      {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
      {404, "Not Found"}, {405, "Method Not Allowed"}, {409, "Conflict"},
      {413, "Request Entity Too Large"}, {416, "Requested Range Not Satisfiable"},
      {429, "Too Many Requests"}, {500, "Internal Server Error"}, {502, "Bad Gateway"},
      {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
  auto it = reasons->find(status);
  return it == reasons->end() ? absl::StrCat(status) : absl::StrCat(status, " ", it->second);
}

std::string JsonString(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::vector<RegistryError> ParseBody(int status, absl::string_view body) {
  std::vector<RegistryError> out;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    auto errors = doc.FindMember("errors");
    if (errors != doc.MemberEnd() && errors->value.IsArray()) {
      for (const rapidjson::Value& e : errors->value.GetArray()) {
        if (!e.IsObject()) continue;
        RegistryError err;
        err.code = JsonString(e, "code");
        if (err.code.empty()) err.code = "UNKNOWN";
        err.message = JsonString(e, "message");
        if (err.message.empty()) err.message = DefaultMessage(err.code);
        out.push_back(std::move(err));
      }
      if (!out.empty()) return out;
    }
    std::string details = JsonString(doc, "details");
    if (!details.empty()) {
      std::string code = status == 401 ? "UNAUTHORIZED"
                         : status == 429 ? "TOOMANYREQUESTS"
                                         : "UNKNOWN";
      out.push_back({code, details});
      return out;
    }
  }
  if (status == 401) {
    out.push_back({"UNAUTHORIZED", DefaultMessage("UNAUTHORIZED")});
  } else if (status == 429) {
    out.push_back({"TOOMANYREQUESTS", DefaultMessage("TOOMANYREQUESTS")});
  } else {
    out.push_back({"", absl::StrCat("received unexpected HTTP status: ", StatusLine(status))});
  }
  return out;
}

}  // namespace

std::string RegistryError::Text() const {
  if (code.empty()) return message;
  std::string name = KnownCodes().count(code) ? code : "UNKNOWN";
  return absl::StrCat(absl::AsciiStrToLower(absl::StrReplaceAll(name, {{"_", " "}})), ": ",
                      message);
}

std::vector<RegistryError> ParseRegistryErrors(const HttpResponse& response) {
  std::vector<RegistryError> out;
  if (response.status == 401) {
    for (const std::string& header : response.Headers("www-authenticate")) {
      for (const Challenge& c : ParseChallenges(header)) {
        if (c.scheme != "bearer") continue;
        std::string error = c.Param("error");
        std::string code;
        if (error == "invalid_token") code = "UNAUTHORIZED";
        if (error == "insufficient_scope") code = "DENIED";
        if (code.empty()) continue;
        std::string description = c.Param("error_description");
        out.push_back({code, description.empty() ? DefaultMessage(code) : description});
        break;
      }
      if (!out.empty()) break;
    }
  }
  std::vector<RegistryError> body = ParseBody(response.status, response.body);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::string ErrorsText(const std::vector<RegistryError>& errors) {
  if (errors.empty()) return "<nil>";
  if (errors.size() == 1) return errors[0].Text();
  std::string msg = "errors:\n";
  for (const RegistryError& e : errors) absl::StrAppend(&msg, e.Text(), "\n");
  return msg;
}

absl::StatusCode StatusCodeForHttp(int http_status) {
  switch (http_status) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 405: return absl::StatusCode::kUnimplemented;
    case 416: return absl::StatusCode::kOutOfRange;
    case 429: return absl::StatusCode::kResourceExhausted;
    default:
      return http_status >= 500 && http_status < 600 ? absl::StatusCode::kUnavailable
                                                      : absl::StatusCode::kUnknown;
  }
}

absl::Status ResponseStatus(const HttpResponse& response) {
  return absl::Status(StatusCodeForHttp(response.status),
                      ErrorsText(ParseRegistryErrors(response)));
}

}  // namespace registry
}  // namespace engine
