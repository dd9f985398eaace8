// -----------------------------------------------------------------------------
// File: auth.h
// -----------------------------------------------------------------------------
//
// Registry authentication (the distribution token protocol):
//   * the Bearer token fetch: GET <realm>?service=..&scope=..&scope=.. with
//     Basic credentials when there are any, or the OAuth2 refresh-token POST
//     when an identity token is set;
//   * a thread-safe token cache keyed by (registry, credentials, scopes) that
//     honours expires_in.

#ifndef ENGINE_REGISTRY_AUTH_H_
#define ENGINE_REGISTRY_AUTH_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/registry/challenge.h"
#include "engine/registry/http_client.h"

namespace engine {
namespace registry {

// Registry credentials. All empty = anonymous. `identity_token` (an OAuth2
// refresh token, as Docker stores after an identity-token login) wins over
// username/password for Bearer registries.
struct Credentials {
  std::string username, password, identity_token;
  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty();
  }
};

// BasicAuthorization()
//
// The "Basic <base64(user:password)>" header value.
std::string BasicAuthorization(const Credentials& creds);

struct BearerToken {
  std::string token;
  absl::Time expires;  // fetch time + expires_in (default and minimum 60s)
};

// Options for the token request (mirrors the registry request's).
struct TokenRequestOptions {
  std::string user_agent = "berth/0.1";
  std::string ca_file;
  bool tls_verify = true;
  absl::Duration connect_timeout = absl::Seconds(15);
  absl::Duration stall_timeout = absl::Seconds(60);
  std::string client_id = "berth";
};

// FetchToken()
//
// Asks the token server named by `challenge` (a "bearer" challenge with a
// realm) for a token covering `scopes`. Errors: InvalidArgument if the
// challenge has no usable realm; Unauthenticated with the server's message
// in Docker's form ("unauthorized: incorrect username or password") when it
// rejects the credentials; Unavailable for network faults or 5xx;
// InvalidArgument for a malformed token response.
absl::StatusOr<BearerToken> FetchToken(HttpClient* http, const Challenge& challenge,
                                       const std::vector<std::string>& scopes,
                                       const Credentials& creds,
                                       const TokenRequestOptions& options);

// Thread-safe cache of bearer tokens.
class TokenCache {
 public:
  // Key for a token: registry host, credential identity and scopes.
  static std::string Key(absl::string_view registry, const Credentials& creds,
                         const std::vector<std::string>& scopes);

  // The cached token for `key` if it is valid for at least 5 more seconds.
  std::optional<std::string> Get(const std::string& key, absl::Time now = absl::Now());
  void Put(const std::string& key, BearerToken token);
  void Erase(const std::string& key);
  // Forgets every token for `registry`.
  void ForgetRegistry(absl::string_view registry);

 private:
  absl::Mutex mu_;
  std::map<std::string, BearerToken> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_AUTH_H_
