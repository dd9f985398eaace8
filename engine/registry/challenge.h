// -----------------------------------------------------------------------------
// File: challenge.h
// -----------------------------------------------------------------------------
//
// WWW-Authenticate challenge parsing (RFC 7235): a scheme, then
// comma-separated auth-params whose values are tokens or quoted strings
// (which may hold commas and backslash escapes); several challenges may
// share one header value. Pure and thread-safe.

#ifndef ENGINE_REGISTRY_CHALLENGE_H_
#define ENGINE_REGISTRY_CHALLENGE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace engine {
namespace registry {

struct Challenge {
  std::string scheme;                         // lower-cased: "basic", "bearer"
  std::map<std::string, std::string> params;  // keys lower-cased, values unquoted

  std::string Param(absl::string_view key) const;
};

// ParseChallenges()
//
// Parses one WWW-Authenticate header value into its challenges. Malformed
// trailing input is dropped; never fails.
std::vector<Challenge> ParseChallenges(absl::string_view header);

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_CHALLENGE_H_
