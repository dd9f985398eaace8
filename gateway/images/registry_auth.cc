#include "gateway/images/registry_auth.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/http/json_body.h"

namespace gateway {
namespace {

// Reads string member `key` (any case) into `out`; InvalidArgument when the
// member is present and neither a string nor null.
absl::Status GetString(const rapidjson::Value& object, absl::string_view key,
                       std::string* out) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    absl::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (!absl::EqualsIgnoreCase(name, key)) continue;
    if (it->value.IsNull()) return absl::OkStatus();
    if (!it->value.IsString()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "json: cannot unmarshal ", it->value.IsNumber() ? "number" : "value",
          " into Go struct field AuthConfig.", key, " of type string"));
    }
    *out = std::string(it->value.GetString(), it->value.GetStringLength());
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

bool Base64Decode(absl::string_view text, std::string* out) {
  std::string trimmed(absl::StripAsciiWhitespace(text));
  return absl::WebSafeBase64Unescape(trimmed, out) ||
         absl::Base64Unescape(trimmed, out);
}

}  // namespace

absl::StatusOr<berth::v1::RegistryAuth> AuthFromJson(const rapidjson::Value& value) {
  if (!value.IsObject()) {
    return absl::InvalidArgumentError("invalid JSON: expected an AuthConfig object");
  }
  std::string username, password, auth, server, identity_token;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"username", &username},
                          {"password", &password},
                          {"auth", &auth},
                          {"serveraddress", &server},
                          {"identitytoken", &identity_token}}) {
    absl::Status s = GetString(value, key, out);
    if (!s.ok()) return s;
  }
  if (username.empty() && password.empty() && !auth.empty()) {
    std::string decoded;
    if (Base64Decode(auth, &decoded)) {
      size_t colon = decoded.find(':');
      if (colon != std::string::npos) {
        username = decoded.substr(0, colon);
        password = decoded.substr(colon + 1);
      }
    }
  }
  berth::v1::RegistryAuth result;
  result.set_username(username);
  result.set_password(password);
  result.set_identity_token(identity_token);
  result.set_server_address(server);
  return result;
}

berth::v1::RegistryAuth DecodeAuthHeader(absl::string_view header) {
  std::string json;
  if (header.empty() || !Base64Decode(header, &json)) return {};
  absl::StatusOr<rapidjson::Document> doc = ParseJson(json);
  if (!doc.ok()) return {};
  auto auth = AuthFromJson(*doc);
  if (!auth.ok()) return {};
  return *std::move(auth);
}

}  // namespace gateway
