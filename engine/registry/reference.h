// -----------------------------------------------------------------------------
// File: reference.h
// -----------------------------------------------------------------------------
//
// Image references as Docker parses them (distribution/reference
// ParseNormalizedNamed + TagNameOnly):
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path
//   domain     := host [ ":" port ]      host: DNS-ish name, IPv4, or [IPv6]
//   path       := component ( "/" component )*
//   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//
// Normalisation: a first path element is a domain only if it contains "." or
// ":", is "localhost", or has upper-case letters; otherwise the domain is
// "docker.io". "index.docker.io" becomes "docker.io", and single-element
// Docker Hub paths get the "library/" prefix.
//
// Everything here is pure and thread-safe.

#ifndef ENGINE_REGISTRY_REFERENCE_H_
#define ENGINE_REGISTRY_REFERENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace registry {

inline constexpr absl::string_view kDockerHubDomain = "docker.io";
inline constexpr absl::string_view kDockerHubLegacyDomain = "index.docker.io";
inline constexpr absl::string_view kDockerHubRegistryHost = "registry-1.docker.io";
inline constexpr absl::string_view kDefaultTag = "latest";

// A normalised reference. `domain` and `path` are never empty in a value
// returned by the parsers below.
struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "127.0.0.1:5000"
  std::string path;    // "library/hello-world"
  std::string tag;     // "latest" when neither tag nor digest was given; "" for digest-only
  std::string digest;  // "sha256:..." or ""

  // "docker.io/library/hello-world"
  std::string Name() const;
  // "docker.io/library/hello-world:latest", or Name()@digest, or
  // Name():tag@digest; just Name() when there is neither tag nor digest.
  std::string String() const;
  // The name as Docker shows it: "hello-world", "user/app", "localhost:5000/x".
  // Unlike Docker, a Docker Hub path whose first component reads as a registry
  // keeps its domain ("docker.io/a.b/c"), so the result always parses back.
  std::string FamiliarName() const;
  // FamiliarName() with the tag and/or digest: "hello-world:latest".
  std::string Familiar() const;

  friend bool operator==(const Reference& a, const Reference& b) {
    return a.domain == b.domain && a.path == b.path && a.tag == b.tag &&
           a.digest == b.digest;
  }
};

// ParseReference()
//
// Parses a user-supplied reference and adds the "latest" tag when neither a
// tag nor a digest is given. Errors are InvalidArgument with Docker's texts:
//   "invalid reference format"
//   "invalid reference format: repository name must be lowercase"
//   "invalid repository name (<s>), cannot specify 64-byte hexadecimal strings"
//   "repository name must not be more than 255 characters"
//   "unsupported digest algorithm", "invalid checksum digest length",
//   "invalid checksum digest format"
absl::StatusOr<Reference> ParseReference(absl::string_view text);

// ParseRepository()
//
// As ParseReference() but never adds a default tag: `tag` and `digest` are
// whatever the text holds (both empty for "user/app"). Used where a bare
// repository means "all tags" (push) or must be kept as written.
absl::StatusOr<Reference> ParseRepository(absl::string_view text);

// RegistryHost()
//
// The host[:port] that serves `domain`'s registry API: "registry-1.docker.io"
// for Docker Hub ("docker.io", "index.docker.io", "registry-1.docker.io"),
// `domain` itself otherwise.
std::string RegistryHost(absl::string_view domain);

// IsDockerHub()
//
// Whether `domain` names Docker Hub (any of its aliases above, also
// "https://index.docker.io/v1/" as Docker's config.json keys it).
bool IsDockerHub(absl::string_view domain);

// IsLoopbackDomain()
//
// Whether `domain` (host[:port]) is localhost, an address in 127.0.0.0/8, or
// [::1]: registries there are reached over plain HTTP like insecure ones.
bool IsLoopbackDomain(absl::string_view domain);

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_REFERENCE_H_
