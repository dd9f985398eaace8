#include "engine/registry/auth.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/base/digest.h"
#include "engine/registry/registry_error.h"
#include "rapidjson/document.h"

namespace engine {
namespace registry {
namespace {

constexpr absl::Duration kMinTokenLifetime = absl::Seconds(60);
constexpr absl::Duration kExpirySlack = absl::Seconds(5);

HttpRequest BaseRequest(const TokenRequestOptions& options) {
  HttpRequest req;
  req.user_agent = options.user_agent;
  req.ca_file = options.ca_file;
  req.tls_verify = options.tls_verify;
  req.connect_timeout = options.connect_timeout;
  req.stall_timeout = options.stall_timeout;
  req.max_body = 1 << 20;
  return req;
}

absl::StatusOr<BearerToken> ParseTokenResponse(absl::string_view body, absl::Time now) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("token response is not a JSON object");
  }
  BearerToken out;
  for (const char* key : {"token", "access_token"}) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
      out.token.assign(it->value.GetString(), it->value.GetStringLength());
      break;
    }
  }
  if (out.token.empty()) return absl::InvalidArgumentError("token response holds no token");
  absl::Duration lifetime = kMinTokenLifetime;
  auto expires = doc.FindMember("expires_in");
  if (expires != doc.MemberEnd() && expires->value.IsNumber()) {
    double seconds = expires->value.GetDouble();
    if (seconds > 60 && seconds < 1e9) lifetime = absl::Seconds(seconds);
  }
  out.expires = now + lifetime;
  return out;
}

}  // namespace

std::string BasicAuthorization(const Credentials& creds) {
  return absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(creds.username, ":",
                                                                creds.password)));
}

absl::StatusOr<BearerToken> FetchToken(HttpClient* http, const Challenge& challenge,
                                       const std::vector<std::string>& scopes,
                                       const Credentials& creds,
                                       const TokenRequestOptions& options) {
  const std::string realm = challenge.Param("realm");
  if (UrlOrigin(realm).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid token realm \"", realm, "\" in the registry's challenge"));
  }
  const std::string service = challenge.Param("service");
  HttpRequest req = BaseRequest(options);
  if (!creds.identity_token.empty()) {
    // OAuth2 refresh-token grant, as Docker does for identity tokens.
    req.method = "POST";
    req.url = realm;
    std::string form = absl::StrCat("grant_type=refresh_token&refresh_token=",
                                    UrlEncode(creds.identity_token),
                                    "&client_id=", UrlEncode(options.client_id),
                                    "&access_type=offline");
    if (!service.empty()) absl::StrAppend(&form, "&service=", UrlEncode(service));
    if (!scopes.empty()) absl::StrAppend(&form, "&scope=", UrlEncode(absl::StrJoin(scopes, " ")));
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = form;
    HttpResponse resp;
    absl::Status s = http->Perform(req, &resp);
    if (!s.ok()) return s;
    if (resp.status != 200) return absl::Status(StatusCodeForHttp(resp.status),
                                                ErrorsText(ParseRegistryErrors(resp)));
    return ParseTokenResponse(resp.body, absl::Now());
  }
  std::string url = realm;
  std::vector<std::string> query;
  if (!service.empty()) query.push_back(absl::StrCat("service=", UrlEncode(service)));
  for (const std::string& scope : scopes) query.push_back(absl::StrCat("scope=", UrlEncode(scope)));
  if (!creds.username.empty()) {
    query.push_back(absl::StrCat("account=", UrlEncode(creds.username)));
    req.headers.emplace_back("Authorization", BasicAuthorization(creds));
  }
  if (!query.empty()) {
    absl::StrAppend(&url, absl::StrContains(realm, '?') ? "&" : "?", absl::StrJoin(query, "&"));
  }
  req.url = url;
  HttpResponse resp;
  absl::Status s = http->Perform(req, &resp);
  if (!s.ok()) return s;
  if (resp.status != 200) {
    return absl::Status(StatusCodeForHttp(resp.status), ErrorsText(ParseRegistryErrors(resp)));
  }
  return ParseTokenResponse(resp.body, absl::Now());
}

std::string TokenCache::Key(absl::string_view registry, const Credentials& creds,
                            const std::vector<std::string>& scopes) {
  // Credentials enter the key only as a hash, so tokens obtained with one
  // identity are never handed to a caller with another.
  std::string who = base::Digest::Of(absl::StrCat(creds.username, "\n", creds.password, "\n",
                                                  creds.identity_token))
                        .Short();
  return absl::StrCat(registry, "|", who, "|", absl::StrJoin(scopes, " "));
}

std::optional<std::string> TokenCache::Get(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(key);
  if (it == tokens_.end()) return std::nullopt;
  if (it->second.expires - kExpirySlack <= now) {
    tokens_.erase(it);
    return std::nullopt;
  }
  return it->second.token;
}

void TokenCache::Put(const std::string& key, BearerToken token) {
  absl::MutexLock lock(&mu_);
  tokens_[key] = std::move(token);
}

void TokenCache::Erase(const std::string& key) {
  absl::MutexLock lock(&mu_);
  tokens_.erase(key);
}

void TokenCache::ForgetRegistry(absl::string_view registry) {
  absl::MutexLock lock(&mu_);
  const std::string prefix = absl::StrCat(registry, "|");
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    if (absl::StartsWith(it->first, prefix)) {
      it = tokens_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace registry
}  // namespace engine
