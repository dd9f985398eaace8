// RegistryClient: the write side (uploads, mounts, manifests) and logins.

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "engine/registry/http_client.h"
#include "engine/registry/registry_client.h"
#include "engine/registry/registry_error.h"

namespace engine {
namespace registry {
namespace {

std::string PushScope(absl::string_view path) {
  return absl::StrCat("repository:", path, ":pull,push");
}

std::string WithQuery(absl::string_view url, absl::string_view query) {
  return absl::StrCat(url, url.find('?') == absl::string_view::npos ? "?" : "&", query);
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

// Reads exactly `n` bytes from `data` into `buf`; DataLoss if it ends early.
absl::Status ReadFull(base::ByteSource* data, char* buf, size_t n, uint64_t done,
                      uint64_t size) {
  size_t got = 0;
  while (got < n) {
    ASSIGN_OR_RETURN(size_t r, data->Read(buf + got, n - got));
    if (r == 0) {
      return absl::DataLossError(
          absl::StrCat("blob data ended after ", done + got, " of ", size, " bytes"));
    }
    got += r;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> RegistryClient::StartUpload(const Endpoint& ep, const Reference& repo,
                                                        const Credentials& creds) {
  Call call;
  call.method = "POST";
  call.url = absl::StrCat(ep.base, "/v2/", repo.path, "/blobs/uploads/");
  call.send_body = true;
  call.scopes = {PushScope(repo.path)};
  HttpResponse resp;
  RETURN_IF_ERROR(Do(ep, call, creds, &resp));
  if (resp.status != 202) return ResponseStatus(resp);
  std::string location = resp.Header("location");
  if (location.empty()) return absl::UnknownError("registry started an upload without a Location");
  return ResolveUrl(resp.url, location);
}

absl::Status RegistryClient::PushBlob(const Reference& repo, const base::Digest& digest,
                                      uint64_t size, base::ByteSource* data, uint64_t chunk_size,
                                      const Credentials& creds,
                                      const std::function<void(uint64_t)>& progress) {
  ASSIGN_OR_RETURN(Endpoint raw, PrimaryEndpoint(repo.domain));
  return PushBlobTo(Settle(raw), repo, digest, size, data, chunk_size, creds, progress);
}

absl::Status RegistryClient::PushBlobTo(const Endpoint& ep, const Reference& repo,
                                        const base::Digest& digest, uint64_t size,
                                        base::ByteSource* data, uint64_t chunk_size,
                                        const Credentials& creds,
                                        const std::function<void(uint64_t)>& progress) {
  ASSIGN_OR_RETURN(std::string location, StartUpload(ep, repo, creds));
  const std::string scope = PushScope(repo.path);
  if (chunk_size == 0) {
    Call put;
    put.method = "PUT";
    put.url = WithQuery(location, absl::StrCat("digest=", UrlEncode(digest.str())));
    put.headers.emplace_back("Content-Type", "application/octet-stream");
    put.scopes = {scope};
    put.body_source = data;
    put.body_size = size;
    put.send_body = true;
    put.replayable = false;
    put.upload_progress = progress;
    HttpResponse resp;
    RETURN_IF_ERROR(Do(ep, put, creds, &resp));
    if (!Is2xx(resp.status)) return ResponseStatus(resp);
    return absl::OkStatus();
  }
  std::string buf;
  uint64_t sent = 0;
  while (sent < size) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_size, size - sent));
    buf.resize(n);
    RETURN_IF_ERROR(ReadFull(data, buf.data(), n, sent, size));
    Call patch;
    patch.method = "PATCH";
    patch.url = location;
    patch.headers.emplace_back("Content-Type", "application/octet-stream");
    patch.headers.emplace_back("Content-Range", absl::StrCat(sent, "-", sent + n - 1));
    patch.scopes = {scope};
    patch.body = buf;
    patch.send_body = true;
    patch.replayable = false;
    HttpResponse resp;
    RETURN_IF_ERROR(Do(ep, patch, creds, &resp));
    if (resp.status != 202) return ResponseStatus(resp);
    std::string next = resp.Header("location");
    if (!next.empty()) location = ResolveUrl(resp.url, next);
    sent += n;
    if (progress) progress(sent);
  }
  Call put;
  put.method = "PUT";
  put.url = WithQuery(location, absl::StrCat("digest=", UrlEncode(digest.str())));
  put.send_body = true;
  put.scopes = {scope};
  put.replayable = false;
  HttpResponse resp;
  RETURN_IF_ERROR(Do(ep, put, creds, &resp));
  if (!Is2xx(resp.status)) return ResponseStatus(resp);
  return absl::OkStatus();
}

absl::StatusOr<bool> RegistryClient::MountBlob(const Reference& repo, const base::Digest& digest,
                                               absl::string_view from_path,
                                               const Credentials& creds) {
  ASSIGN_OR_RETURN(Endpoint raw, PrimaryEndpoint(repo.domain));
  Endpoint ep = Settle(raw);
  Call call;
  call.method = "POST";
  call.url = absl::StrCat(ep.base, "/v2/", repo.path, "/blobs/uploads/?mount=",
                          UrlEncode(digest.str()), "&from=", UrlEncode(from_path));
  call.send_body = true;
  call.scopes = {PushScope(repo.path), absl::StrCat("repository:", from_path, ":pull")};
  HttpResponse resp;
  RETURN_IF_ERROR(Do(ep, call, creds, &resp));
  if (resp.status == 201) return true;
  if (resp.status != 202) return ResponseStatus(resp);
  // Declined: the registry opened a normal upload session instead; close it.
  std::string location = resp.Header("location");
  if (!location.empty()) {
    Call cancel;
    cancel.method = "DELETE";
    cancel.url = ResolveUrl(resp.url, location);
    cancel.scopes = call.scopes;
    HttpResponse ignored;
    (void)Do(ep, cancel, creds, &ignored);
  }
  return false;
}

absl::StatusOr<base::Digest> RegistryClient::PutManifest(const Reference& ref,
                                                         absl::string_view media_type,
                                                         absl::string_view body,
                                                         const Credentials& creds) {
  base::Digest digest = base::Digest::Of(body);
  if (!ref.digest.empty() && ref.digest != digest.str()) {
    return absl::InvalidArgumentError(absl::StrCat("manifest digest ", digest.str(),
                                                   " does not match reference ", ref.String()));
  }
  const std::string target = !ref.tag.empty() ? ref.tag : digest.str();
  ASSIGN_OR_RETURN(Endpoint raw, PrimaryEndpoint(ref.domain));
  Endpoint ep = Settle(raw);
  Call call;
  call.method = "PUT";
  call.url = absl::StrCat(ep.base, "/v2/", ref.path, "/manifests/", target);
  call.headers.emplace_back("Content-Type", std::string(media_type));
  call.body = body;
  call.send_body = true;
  call.scopes = {PushScope(ref.path)};
  HttpResponse resp;
  RETURN_IF_ERROR(Do(ep, call, creds, &resp));
  if (!Is2xx(resp.status)) return ResponseStatus(resp);
  return digest;
}

absl::Status RegistryClient::CheckLogin(absl::string_view domain, const Credentials& creds) {
  ASSIGN_OR_RETURN(Endpoint raw, PrimaryEndpoint(domain));
  Endpoint ep = Settle(raw);
  Call call;
  call.url = absl::StrCat(ep.base, "/v2/");
  call.max_body = 64 << 10;
  HttpResponse resp;
  RETURN_IF_ERROR(Do(ep, call, creds, &resp));
  if (resp.status == 200) return absl::OkStatus();
  absl::Status s = ResponseStatus(resp);
  if (resp.status == 401 || resp.status == 403) {
    return absl::UnauthenticatedError(s.message());
  }
  return s;
}

void RegistryClient::ForgetTokens(absl::string_view domain) {
  const std::string key = RegistryHost(domain);
  tokens_.ForgetRegistry(key);
  absl::MutexLock lock(&mu_);
  challenges_.erase(key);
}

}  // namespace registry
}  // namespace engine
