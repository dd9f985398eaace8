#include "engine/registry/registry_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "engine/base/log.h"
#include "engine/base/status_macros.h"
#include "engine/registry/insecure.h"
#include "engine/registry/manifest.h"
#include "engine/registry/registry_error.h"
#include "rapidjson/document.h"

namespace engine {
namespace registry {
namespace {

const char kManifestAccept[] =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

std::string PullScope(absl::string_view path) { return absl::StrCat("repository:", path, ":pull"); }
std::string BareContentType(absl::string_view ct) {
  return std::string(absl::StripAsciiWhitespace(ct.substr(0, ct.find(';'))));
}

// The media type of a fetched manifest: Content-Type unless generic, else
// the body's own "mediaType", else what its shape says.
std::string ManifestMediaType(absl::string_view content_type, absl::string_view body) {
  std::string ct = BareContentType(content_type);
  if (!ct.empty() && ct != "application/json" && ct != "text/plain" &&
      ct != "application/octet-stream" && ct != "binary/octet-stream") {
    return ct;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    auto it = doc.FindMember("mediaType");
    if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
      return std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  switch (ClassifyManifest("", body)) {
    case ManifestKind::kIndex: return std::string(kMediaTypeOciIndex);
    case ManifestKind::kImageManifest: return std::string(kMediaTypeOciManifest);
    case ManifestKind::kUnknown: break;
  }
  return ct;
}

// Docker's translatePullError(): the first registry error decides.
absl::Status ManifestError(const HttpResponse& resp, const Reference& ref) {
  std::vector<RegistryError> errors = ParseRegistryErrors(resp);
  RegistryError first = errors.front();
  if (resp.status == 404 && first.code.empty()) first = {"MANIFEST_UNKNOWN", "manifest unknown"};
  if (first.code == "MANIFEST_UNKNOWN") {
    return absl::NotFoundError(
        absl::StrCat("manifest for ", ref.Familiar(), " not found: ", first.Text()));
  }
  if (first.code == "NAME_UNKNOWN") {
    return absl::NotFoundError(
        absl::StrCat("repository ", ref.FamiliarName(), " not found: ", first.Text()));
  }
  if (first.code == "DENIED") {
    return absl::NotFoundError(absl::StrCat(
        "pull access denied for ", ref.FamiliarName(),
        ", repository does not exist or may require 'docker login': ", first.Text()));
  }
  return absl::Status(StatusCodeForHttp(resp.status), ErrorsText(errors));
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

}  // namespace

RegistryClient::RegistryClient(RegistryOptions options) : options_(std::move(options)) {}

bool RegistryClient::IsInsecure(absl::string_view domain) const {
  return IsLoopbackDomain(domain) || MatchesInsecureRegistry(options_.insecure_registries, domain);
}

absl::StatusOr<RegistryClient::Endpoint> RegistryClient::PrimaryEndpoint(
    absl::string_view domain) {
  if (domain.empty()) return absl::InvalidArgumentError("empty registry domain");
  Endpoint ep;
  ep.key = RegistryHost(domain);
  ep.base = absl::StrCat("https://", ep.key);
  if (!IsDockerHub(domain) && IsInsecure(domain)) {
    ep.tls_verify = false;
    ep.insecure = true;
  }
  return ep;
}

std::vector<RegistryClient::Endpoint> RegistryClient::Endpoints(absl::string_view domain,
                                                                bool read) {
  std::vector<Endpoint> out;
  if (read && IsDockerHub(domain)) {
    for (const std::string& mirror : options_.mirrors) {
      Endpoint ep;
      ep.base = std::string(absl::StripSuffix(mirror, "/"));
      ep.key = ep.base;
      ep.mirror = true;
      std::string origin = UrlOrigin(ep.base);
      if (origin.empty()) continue;
      absl::string_view host = absl::string_view(origin).substr(origin.find("://") + 3);
      if (IsInsecure(host) || IsInsecure(host.substr(0, host.rfind(':')))) ep.tls_verify = false;
      out.push_back(std::move(ep));
    }
  }
  absl::StatusOr<Endpoint> primary = PrimaryEndpoint(domain);
  if (primary.ok()) out.push_back(*std::move(primary));
  return out;
}

HttpRequest RegistryClient::BaseRequest(const Endpoint& ep) const {
  HttpRequest req;
  req.user_agent = options_.user_agent;
  req.ca_file = options_.ca_file;
  req.tls_verify = ep.tls_verify;
  req.connect_timeout = options_.connect_timeout;
  req.stall_timeout = options_.stall_timeout;
  return req;
}

RegistryClient::Endpoint RegistryClient::Settle(const Endpoint& ep) {
  if (!ep.insecure) return ep;
  Endpoint http_ep = ep;
  http_ep.base = absl::StrCat("http://", ep.key);
  {
    absl::MutexLock lock(&mu_);
    auto it = schemes_.find(ep.key);
    if (it != schemes_.end()) {
      Endpoint settled = ep;
      settled.base = it->second;
      return settled;
    }
  }
  // Docker's order for insecure registries: HTTPS (unverified), then HTTP.
  HttpRequest probe = BaseRequest(ep);
  probe.url = absl::StrCat(ep.base, "/v2/");
  probe.max_body = 64 << 10;
  HttpResponse resp;
  absl::Status s = http_.Perform(probe, &resp);
  if (!s.ok() && resp.nothing_sent) return http_ep;  // down: decide next time
  const Endpoint& chosen = s.ok() ? ep : http_ep;
  absl::MutexLock lock(&mu_);
  schemes_[ep.key] = chosen.base;
  if (s.ok() && resp.status == 401) {
    for (const std::string& h : resp.Headers("www-authenticate")) {
      for (const Challenge& c : ParseChallenges(h)) {
        if (c.scheme == "bearer" || c.scheme == "basic") challenges_[ep.key] = c;
      }
    }
  }
  return chosen;
}

absl::Duration RegistryClient::Backoff(int attempt) const {
  absl::Duration d = options_.initial_backoff;
  for (int i = 1; i < attempt && d < absl::Seconds(8); ++i) d *= 2;
  return std::min(d, absl::Seconds(8));
}

std::optional<std::string> RegistryClient::AuthorizationFor(const Endpoint& ep, const Call& call,
                                                            const Credentials& creds) {
  Challenge challenge;
  {
    absl::MutexLock lock(&mu_);
    auto it = challenges_.find(ep.key);
    if (it == challenges_.end()) return std::nullopt;
    challenge = it->second;
  }
  if (challenge.scheme == "basic") {
    if (creds.username.empty()) return std::nullopt;
    return BasicAuthorization(creds);
  }
  std::string key = TokenCache::Key(ep.key, creds, call.scopes);
  std::optional<std::string> token = tokens_.Get(key);
  if (!token.has_value()) {
    TokenRequestOptions topts;
    topts.user_agent = options_.user_agent;
    topts.ca_file = options_.ca_file;
    topts.connect_timeout = options_.connect_timeout;
    topts.stall_timeout = options_.stall_timeout;
    absl::StatusOr<BearerToken> fetched = FetchToken(&http_, challenge, call.scopes, creds, topts);
    if (!fetched.ok()) return std::nullopt;  // the request's 401 will report it
    token = fetched->token;
    tokens_.Put(key, *std::move(fetched));
  }
  return absl::StrCat("Bearer ", *token);
}

absl::Status RegistryClient::Authenticate(const Endpoint& ep, const Call& call,
                                          const Credentials& creds, const HttpResponse& resp) {
  std::optional<Challenge> chosen;
  for (const std::string& h : resp.Headers("www-authenticate")) {
    for (const Challenge& c : ParseChallenges(h)) {
      if (!chosen.has_value() && (c.scheme == "bearer" || c.scheme == "basic")) chosen = c;
    }
  }
  if (!chosen.has_value()) return absl::FailedPreconditionError("no usable challenge");
  {
    absl::MutexLock lock(&mu_);
    challenges_[ep.key] = *chosen;
  }
  if (chosen->scheme == "basic") {
    if (creds.username.empty()) return absl::FailedPreconditionError("no credentials");
    return absl::OkStatus();
  }
  TokenRequestOptions topts;
  topts.user_agent = options_.user_agent;
  topts.ca_file = options_.ca_file;
  topts.connect_timeout = options_.connect_timeout;
  topts.stall_timeout = options_.stall_timeout;
  std::string key = TokenCache::Key(ep.key, creds, call.scopes);
  tokens_.Erase(key);
  ASSIGN_OR_RETURN(BearerToken token, FetchToken(&http_, *chosen, call.scopes, creds, topts));
  tokens_.Put(key, std::move(token));
  return absl::OkStatus();
}

absl::Status RegistryClient::Do(const Endpoint& ep, Call& call, const Credentials& creds,
                                HttpResponse* out) {
  bool reauthenticated = false;
  int attempt = 1;
  while (true) {
    HttpRequest req = BaseRequest(ep);
    req.method = call.method;
    req.url = call.url;
    req.headers = call.headers;
    req.body = call.body;
    req.send_body = call.send_body;
    req.body_source = call.body_source;
    req.body_size = call.body_size;
    req.upload_progress = call.upload_progress;
    req.on_response = call.on_response;
    req.sink = call.sink;
    req.max_body = call.max_body;
    if (std::optional<std::string> auth = AuthorizationFor(ep, call, creds)) {
      req.headers.emplace_back("Authorization", *auth);
    }
    if (call.prepare) call.prepare(&req);
    absl::Status s = http_.Perform(req, out);
    const bool may_retry = attempt < options_.max_attempts;
    if (!s.ok()) {
      if (out->transient && may_retry && (call.replayable || out->nothing_sent)) {
        LOG_DEBUG("registry request failed, retrying",
                  {{"url", call.url}, {"error", s.message()}, {"attempt", absl::StrCat(attempt)}});
        absl::SleepFor(Backoff(attempt++));
        continue;
      }
      return s;
    }
    if (out->status == 401 && !reauthenticated && call.replayable) {
      reauthenticated = true;
      absl::Status auth = Authenticate(ep, call, creds, *out);
      if (auth.ok()) continue;
      if (auth.code() != absl::StatusCode::kFailedPrecondition) return auth;
      return absl::OkStatus();  // nothing to answer the challenge with
    }
    if ((out->status >= 500 || out->status == 429) && may_retry && call.replayable) {
      LOG_DEBUG("registry answered with an error, retrying",
                {{"url", call.url}, {"status", absl::StrCat(out->status)}});
      absl::SleepFor(Backoff(attempt++));
      continue;
    }
    return absl::OkStatus();
  }
}

absl::StatusOr<RegistryClient::FetchedManifest> RegistryClient::GetManifest(
    const Reference& ref, const Credentials& creds) {
  const std::string target = ref.digest.empty() ? ref.tag : ref.digest;
  if (target.empty()) return absl::InvalidArgumentError("reference has neither tag nor digest");
  absl::Status last = absl::UnavailableError("no registry endpoint");
  for (const Endpoint& raw : Endpoints(ref.domain, /*read=*/true)) {
    Endpoint ep = Settle(raw);
    Call call;
    call.url = absl::StrCat(ep.base, "/v2/", ref.path, "/manifests/", target);
    call.headers.emplace_back("Accept", kManifestAccept);
    call.scopes = {PullScope(ref.path)};
    call.max_body = kMaxManifestBytes;
    HttpResponse resp;
    absl::Status s = Do(ep, call, ep.mirror ? Credentials() : creds, &resp);
    if (s.ok() && resp.status == 200) {
      FetchedManifest m{base::Digest::Of(resp.body), "", std::move(resp.body)};
      if (!ref.digest.empty() && m.digest.str() != ref.digest) {
        return absl::DataLossError(absl::StrCat("manifest for ", ref.Familiar(),
                                                " does not match its digest: got ",
                                                m.digest.str()));
      }
      m.media_type = ManifestMediaType(resp.Header("content-type"), m.body);
      return m;
    }
    last = s.ok() ? ManifestError(resp, ref) : s;
    if (!raw.mirror || last.code() == absl::StatusCode::kResourceExhausted) return last;
    LOG_INFO("mirror failed, trying next endpoint", {{"mirror", raw.base}, {"error", last.message()}});
  }
  return last;
}

absl::StatusOr<base::Digest> RegistryClient::ResolveDigest(const Reference& ref,
                                                           const Credentials& creds) {
  const std::string target = ref.digest.empty() ? ref.tag : ref.digest;
  if (target.empty()) return absl::InvalidArgumentError("reference has neither tag nor digest");
  std::vector<Endpoint> endpoints = Endpoints(ref.domain, /*read=*/true);
  if (!endpoints.empty()) {
    const Endpoint& raw = endpoints.front();
    Endpoint ep = Settle(raw);
    Call call;
    call.method = "HEAD";
    call.url = absl::StrCat(ep.base, "/v2/", ref.path, "/manifests/", target);
    call.headers.emplace_back("Accept", kManifestAccept);
    call.scopes = {PullScope(ref.path)};
    HttpResponse resp;
    absl::Status s = Do(ep, call, raw.mirror ? Credentials() : creds, &resp);
    if (s.ok() && resp.status == 200) {
      absl::StatusOr<base::Digest> d = base::Digest::Parse(resp.Header("docker-content-digest"));
      if (d.ok()) return d;
    }
  }
  // No usable answer: GET gives the digest (hashed here) or the precise error.
  ASSIGN_OR_RETURN(FetchedManifest m, GetManifest(ref, creds));
  return m.digest;
}

absl::Status RegistryClient::FetchBlob(
    const Reference& repo, const base::Digest& digest, uint64_t offset, const Credentials& creds,
    const std::function<absl::Status(absl::string_view)>& sink,
    const std::function<void(uint64_t)>& on_total) {
  uint64_t delivered = 0;
  bool sink_failed = false;
  bool total_reported = false;
  absl::Status last = absl::UnavailableError("no registry endpoint");
  for (const Endpoint& raw : Endpoints(repo.domain, /*read=*/true)) {
    Endpoint ep = Settle(raw);
    uint64_t skip = 0;                 // bytes to drop from the current response
    absl::Status range_error;          // the server answered a different range
    Call call;
    call.url = absl::StrCat(ep.base, "/v2/", repo.path, "/blobs/", digest.str());
    call.scopes = {PullScope(repo.path)};
    call.prepare = [&](HttpRequest* req) {
      uint64_t pos = offset + delivered;
      if (pos > 0) req->headers.emplace_back("Range", absl::StrCat("bytes=", pos, "-"));
    };
    call.on_response = [&](const HttpResponse& head) {
      uint64_t pos = offset + delivered;
      skip = 0;
      range_error = absl::OkStatus();
      uint64_t total = 0;
      bool known = false;
      if (head.status == 206) {
        // "bytes <first>-<last>/<total>"
        const std::string content_range = head.Header("content-range");
        absl::string_view cr = content_range;
        absl::ConsumePrefix(&cr, "bytes ");
        size_t dash = cr.find('-');
        size_t slash = cr.find('/');
        uint64_t first = 0;
        if (dash == absl::string_view::npos || !absl::SimpleAtoi(cr.substr(0, dash), &first) ||
            first != pos) {
          range_error = absl::DataLossError(absl::StrCat(
              "registry answered range \"", head.Header("content-range"), "\" for offset ", pos));
        }
        if (slash != absl::string_view::npos && absl::SimpleAtoi(cr.substr(slash + 1), &total)) {
          known = true;
        }
      } else if (head.status == 200) {
        skip = pos;  // the server ignored Range: drop what we already have
        known = absl::SimpleAtoi(head.Header("content-length"), &total);
      }
      if (known && !total_reported && on_total) {
        total_reported = true;
        on_total(total);
      }
    };
    call.sink = [&](absl::string_view chunk) -> absl::Status {
      if (!range_error.ok()) return range_error;
      if (skip > 0) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(skip, chunk.size()));
        chunk.remove_prefix(n);
        skip -= n;
        if (chunk.empty()) return absl::OkStatus();
      }
      absl::Status s = sink(chunk);
      if (!s.ok()) {
        sink_failed = true;
        return s;
      }
      delivered += chunk.size();
      return absl::OkStatus();
    };
    HttpResponse resp;
    absl::Status s = Do(ep, call, raw.mirror ? Credentials() : creds, &resp);
    if (sink_failed || !range_error.ok()) return s.ok() ? range_error : s;
    if (s.ok() && Is2xx(resp.status)) return absl::OkStatus();
    last = s.ok() ? ResponseStatus(resp) : s;
    if (!raw.mirror) return last;
    LOG_INFO("mirror failed, trying next endpoint", {{"mirror", raw.base}, {"error", last.message()}});
  }
  return last;
}

absl::StatusOr<bool> RegistryClient::BlobExists(const Reference& repo, const base::Digest& digest,
                                                const Credentials& creds) {
  ASSIGN_OR_RETURN(Endpoint raw, PrimaryEndpoint(repo.domain));
  Endpoint ep = Settle(raw);
  Call call;
  call.method = "HEAD";
  call.url = absl::StrCat(ep.base, "/v2/", repo.path, "/blobs/", digest.str());
  call.scopes = {PullScope(repo.path)};
  HttpResponse resp;
  RETURN_IF_ERROR(Do(ep, call, creds, &resp));
  if (Is2xx(resp.status)) return true;
  if (resp.status == 404) return false;
  return ResponseStatus(resp);
}

}  // namespace registry
}  // namespace engine
