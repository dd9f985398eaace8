// -----------------------------------------------------------------------------
// File: registry_client.h
// -----------------------------------------------------------------------------
//
// RegistryClient speaks the distribution (OCI) registry API over libcurl:
// manifests, blobs, uploads and logins, with anonymous, Basic and Bearer
// token authentication (challenge discovered from the registry's 401, tokens
// cached per registry, credentials and scope).
//
// Endpoints. Docker Hub ("docker.io") is served by https://registry-1.docker.io;
// for reads, configured mirrors are tried first, in order, and any failure
// falls through to the next one and finally to Docker Hub (mirrors are
// always asked anonymously). Loopback registries (localhost, 127.0.0.0/8,
// ::1) and `insecure_registries` are tried over HTTPS without certificate
// verification first and over plain HTTP when TLS cannot be set up; the
// choice is remembered per registry. Everything else is HTTPS with the
// system CAs (plus `ca_file`).
//
// Faults. Network faults, timeouts, stalls and 5xx/429 answers are retried
// up to `max_attempts` times with exponential backoff; requests whose body
// cannot be replayed (streamed uploads) are retried only when nothing was
// sent. Registry error bodies become Docker's messages ("manifest unknown:
// manifest unknown", "unauthorized: authentication required").
//
// Thread-safety: all methods may be called concurrently from any thread.

#ifndef ENGINE_REGISTRY_REGISTRY_CLIENT_H_
#define ENGINE_REGISTRY_REGISTRY_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/base/byte_source.h"
#include "engine/base/digest.h"
#include "engine/registry/auth.h"
#include "engine/registry/challenge.h"
#include "engine/registry/http_client.h"
#include "engine/registry/reference.h"

namespace engine {
namespace registry {

struct RegistryOptions {
  // "host:port" (or "host") or CIDR ("10.0.0.0/8", matched against IP-literal
  // hosts only): plain HTTP allowed and TLS verification off.
  std::vector<std::string> insecure_registries;
  // Base URLs such as "http://127.0.0.1:5001", used for docker.io reads only.
  std::vector<std::string> mirrors;
  int max_attempts = 5;
  std::string user_agent = "berth/0.1";
  std::string ca_file;  // extra CA bundle; the system CAs are always used
  absl::Duration initial_backoff = absl::Milliseconds(250);  // doubles per retry, max 8s
  absl::Duration connect_timeout = absl::Seconds(15);
  absl::Duration stall_timeout = absl::Seconds(60);  // no byte moved for this long
};

// Looks up credentials for a registry domain ("docker.io", "127.0.0.1:5000");
// may return nullopt.
using CredentialLookup = std::function<std::optional<Credentials>(absl::string_view domain)>;

class RegistryClient {
 public:
  explicit RegistryClient(RegistryOptions options);
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  struct FetchedManifest {
    base::Digest digest;     // sha256 of `body`, always computed here
    std::string media_type;  // Content-Type, else the body's "mediaType"
    std::string body;
  };

  // GetManifest()
  //
  // GETs the manifest or index named by `ref` (its digest if it has one,
  // else its tag), accepting OCI and Docker types. If fetched by digest the
  // body must hash to it (DataLoss otherwise); Docker-Content-Digest is never
  // trusted. Bodies over 4 MiB are ResourceExhausted. Errors, with Docker's
  // texts: NotFound "manifest for <ref.Familiar()> not found: manifest
  // unknown: <message>", NotFound "repository <name> not found: name unknown:
  // ...", NotFound "pull access denied for <name>, repository does not exist
  // or may require 'docker login': denied: ..."; Unauthenticated
  // "unauthorized: ..."; Unavailable when unreachable after retries.
  absl::StatusOr<FetchedManifest> GetManifest(const Reference& ref, const Credentials& creds);

  // ResolveDigest()
  //
  // HEADs the manifest (cheap "is :latest unchanged?") and returns the
  // digest the registry reports; falls back to GetManifest() when the
  // registry sends no Docker-Content-Digest. Errors as GetManifest().
  absl::StatusOr<base::Digest> ResolveDigest(const Reference& ref, const Credentials& creds);

  // FetchBlob()
  //
  // Streams blob `digest` of `repo` from byte `offset` into `sink`, in
  // order, each byte once. Transient faults are retried with a Range
  // request resuming where the sink stopped. `on_total` gets the blob's full
  // size when known. Does NOT verify the digest (the caller hashes while it
  // stores). Errors: NotFound ("blob unknown: ..."), Unauthenticated
  // ("unauthorized: ..."), Unavailable (unreachable after retries), or
  // whatever `sink` returned.
  absl::Status FetchBlob(const Reference& repo, const base::Digest& digest, uint64_t offset,
                         const Credentials& creds,
                         const std::function<absl::Status(absl::string_view chunk)>& sink,
                         const std::function<void(uint64_t total)>& on_total = nullptr);

  // BlobExists()
  //
  // HEAD on the blob: true on 2xx, false on 404.
  absl::StatusOr<bool> BlobExists(const Reference& repo, const base::Digest& digest,
                                  const Credentials& creds);

  // MountBlob()
  //
  // Cross-repository mount (POST /v2/<repo>/blobs/uploads/?mount=<digest>
  // &from=<from_path>): true if mounted (201), false if the registry
  // declined (202; the upload session it opened is cancelled).
  absl::StatusOr<bool> MountBlob(const Reference& repo, const base::Digest& digest,
                                 absl::string_view from_path, const Credentials& creds);

  // PushBlob()
  //
  // Uploads exactly `size` bytes from `data` as blob `digest` of `repo`.
  // `chunk_size` 0 = one monolithic PUT; otherwise PATCHes of `chunk_size`
  // bytes then a closing PUT. `progress` gets the bytes sent so far. The
  // registry verifies the digest (InvalidArgument "digest invalid: ..." if
  // the bytes do not match); DataLoss if `data` ends early.
  absl::Status PushBlob(const Reference& repo, const base::Digest& digest, uint64_t size,
                        base::ByteSource* data, uint64_t chunk_size, const Credentials& creds,
                        const std::function<void(uint64_t sent)>& progress = nullptr);

  // PutManifest()
  //
  // PUTs `body` under `ref`'s tag (or its digest, or the body's digest when
  // it has neither) with Content-Type `media_type`. Returns sha256(body).
  // InvalidArgument if `ref.digest` is set and differs from it.
  absl::StatusOr<base::Digest> PutManifest(const Reference& ref, absl::string_view media_type,
                                           absl::string_view body, const Credentials& creds);

  // CheckLogin()
  //
  // GET /v2/ on `domain` (Docker Hub aliases accepted) with `creds`, Basic or
  // via the token flow. OK if accepted; Unauthenticated with the registry's
  // message otherwise ("unauthorized: incorrect username or password");
  // Unavailable if unreachable.
  absl::Status CheckLogin(absl::string_view domain, const Credentials& creds);

  // Drops cached tokens and challenges for `domain`.
  void ForgetTokens(absl::string_view domain);

  // Keeps the HTTP layer (libcurl and its pooled connections) loaded while
  // the returned token lives; see HttpClient::KeepLoaded. A pull or a push
  // holds one for its whole run.
  std::shared_ptr<void> Session() { return http_.KeepLoaded(); }

 private:
  struct Endpoint {
    std::string base;   // "https://registry-1.docker.io", "http://127.0.0.1:5000"
    std::string key;    // auth/cache key: the registry host[:port] or mirror URL
    bool tls_verify = true;
    bool mirror = false;
    bool insecure = false;  // may fall back from https to http
  };

  // One logical request against an endpoint.
  struct Call {
    std::string method = "GET";
    std::string url;  // absolute
    HttpHeaders headers;
    std::vector<std::string> scopes;
    absl::string_view body;
    bool send_body = false;
    base::ByteSource* body_source = nullptr;
    uint64_t body_size = 0;
    std::function<void(uint64_t)> upload_progress;
    std::function<void(const HttpResponse&)> on_response;
    std::function<absl::Status(absl::string_view)> sink;
    size_t max_body = 4 << 20;
    bool replayable = true;
    // Called before each attempt (e.g. to set a Range header).
    std::function<void(HttpRequest*)> prepare;
  };

  std::vector<Endpoint> Endpoints(absl::string_view domain, bool read);
  absl::StatusOr<Endpoint> PrimaryEndpoint(absl::string_view domain);
  bool IsInsecure(absl::string_view domain) const;
  // For insecure endpoints: settles https vs http (cached per registry).
  Endpoint Settle(const Endpoint& ep);

  // Runs `call` on `ep` with auth (answering one 401 challenge round) and
  // retries. OK means an HTTP response is in `*out` (any status).
  absl::Status Do(const Endpoint& ep, Call& call, const Credentials& creds, HttpResponse* out);
  std::optional<std::string> AuthorizationFor(const Endpoint& ep, const Call& call,
                                              const Credentials& creds);
  absl::Status Authenticate(const Endpoint& ep, const Call& call, const Credentials& creds,
                            const HttpResponse& challenge_response);
  HttpRequest BaseRequest(const Endpoint& ep) const;
  absl::Duration Backoff(int attempt) const;

  absl::Status PushBlobTo(const Endpoint& ep, const Reference& repo, const base::Digest& digest,
                          uint64_t size, base::ByteSource* data, uint64_t chunk_size,
                          const Credentials& creds,
                          const std::function<void(uint64_t)>& progress);
  absl::StatusOr<std::string> StartUpload(const Endpoint& ep, const Reference& repo,
                                          const Credentials& creds);

  const RegistryOptions options_;
  HttpClient http_;
  TokenCache tokens_;
  absl::Mutex mu_;
  std::map<std::string, Challenge> challenges_ ABSL_GUARDED_BY(mu_);  // by endpoint key
  std::map<std::string, std::string> schemes_ ABSL_GUARDED_BY(mu_);   // insecure: key -> base
};

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_REGISTRY_CLIENT_H_
