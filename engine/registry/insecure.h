// -----------------------------------------------------------------------------
// File: insecure.h
// -----------------------------------------------------------------------------
//
// Matching a registry domain against daemon.json's "insecure-registries"
// entries: "host:port" or "host" exactly, or a CIDR ("10.0.0.0/8",
// "fd00::/8") that contains the domain's host when it is an IP literal.
// Host names are not resolved. Pure and thread-safe.

#ifndef ENGINE_REGISTRY_INSECURE_H_
#define ENGINE_REGISTRY_INSECURE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace engine {
namespace registry {

// Whether `domain` ("127.0.0.1:5000", "[fd00::1]:5000", "reg.local") matches
// one of `entries`. Malformed entries match nothing.
bool MatchesInsecureRegistry(const std::vector<std::string>& entries, absl::string_view domain);

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_INSECURE_H_
