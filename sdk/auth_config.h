// -----------------------------------------------------------------------------
// File: auth_config.h
// -----------------------------------------------------------------------------
//
// Registry credentials kept by clients in a Docker-format `config.json` under
// a config directory (`~/.berth` by default, `berth --config DIR`):
//
//   {
//   	"auths": {
//   		"127.0.0.1:5000": {"auth": "<base64 of user:password>"},
//   		"https://index.docker.io/v1/": {"auth": "..."}
//   	}
//   }
//
// Keys follow Docker's rules: Docker Hub credentials live under
// "https://index.docker.io/v1/", every other registry under its host[:port]
// (URLs are reduced to that). Members of config.json other than "auths" are
// kept as they are. The daemon never sees this file: clients send the
// credentials with each pull, push or login.
//
// AuthConfigFile is thread-compatible (guard it yourself if shared).

#ifndef SDK_AUTH_CONFIG_H_
#define SDK_AUTH_CONFIG_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace sdk {

// Docker's registry.IndexServer: the config.json key of Docker Hub.
inline constexpr char kIndexServer[] = "https://index.docker.io/v1/";

// One registry's credentials.
struct AuthEntry {
  std::string username;
  std::string password;
  // Refresh token from a login, used instead of the password when set.
  std::string identity_token;

  bool operator==(const AuthEntry& o) const {
    return username == o.username && password == o.password &&
           identity_token == o.identity_token;
  }
};

// ConvertToHostname()
//
// Reduces a registry URL to host[:port] ("https://h:5000/v2/" -> "h:5000");
// anything without a scheme is cut at its first '/'.
std::string ConvertToHostname(absl::string_view maybe_url);

// IsDockerHub()
//
// True for the names Docker treats as Docker Hub: "", "docker.io",
// "index.docker.io", "registry-1.docker.io" and kIndexServer (with or
// without scheme and path).
bool IsDockerHub(absl::string_view server);

// CredentialKey()
//
// The config.json key for credentials of `server` as a user names it
// (`berth login SERVER`): kIndexServer for Docker Hub, else its host[:port].
std::string CredentialKey(absl::string_view server);

// RegistryDomain()
//
// The registry of an image reference as Docker splits it: the part before
// the first '/' when it contains '.' or ':' or is "localhost" (and has no
// upper-case letters), else "docker.io". "index.docker.io" reads as
// "docker.io". Examples: "alpine" -> "docker.io",
// "127.0.0.1:5000/x:1" -> "127.0.0.1:5000".
std::string RegistryDomain(absl::string_view reference);

// DefaultConfigDir()
//
// "$HOME/.berth" (or "/root/.berth" when HOME is unset).
std::string DefaultConfigDir();

class AuthConfigFile {
 public:
  // Load()
  //
  // Reads `<dir>/config.json`. A missing file gives an empty configuration
  // (Save() creates it). InvalidArgument if the file is not a JSON object or
  // an "auth" value is not base64 of "user:password".
  static absl::StatusOr<AuthConfigFile> Load(absl::string_view dir);

  // The config.json path.
  const std::string& path() const { return path_; }

  // Get()
  //
  // Credentials for `server` (a registry name, URL or reference domain), or
  // nullopt. Looks up CredentialKey(server) first, then any key whose
  // hostname form matches (legacy "https://host/v1/" keys).
  absl::optional<AuthEntry> Get(absl::string_view server) const;

  // Set()
  //
  // Stores `entry` under CredentialKey(server), replacing what was there.
  void Set(absl::string_view server, const AuthEntry& entry);

  // Erase()
  //
  // Removes the credentials of `server`: every key naming the same registry
  // (CredentialKey(server), and legacy "http[s]://host/..." forms, as Docker's
  // logout does). Returns whether anything was removed.
  bool Erase(absl::string_view server);

  // All stored entries by key.
  const std::map<std::string, AuthEntry>& auths() const { return auths_; }

  // Save()
  //
  // Writes config.json atomically with mode 0600, creating the directory
  // (0700) if needed. Other members of the file are preserved.
  absl::Status Save() const;

 private:
  AuthConfigFile(std::string dir, std::string path)
      : dir_(std::move(dir)), path_(std::move(path)) {}

  std::string dir_;
  std::string path_;
  // The file as read, so that Save() keeps members it does not manage.
  std::string original_;
  std::map<std::string, AuthEntry> auths_;
};

}  // namespace sdk

#endif  // SDK_AUTH_CONFIG_H_
