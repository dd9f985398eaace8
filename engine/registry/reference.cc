#include "engine/registry/reference.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace engine {
namespace registry {
namespace {

constexpr size_t kNameTotalLengthMax = 255;
constexpr absl::string_view kOfficialRepoPrefix = "library/";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsHex(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
bool MatchPathComponent(absl::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (true) {
    size_t start = i;
    while (i < n && IsLowerAlnum(s[i])) ++i;
    if (i == start) return false;  // empty alnum run
    if (i == n) return true;
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < n && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < n && s[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

bool MatchPath(absl::string_view s) {
  while (true) {
    size_t slash = s.find('/');
    if (!MatchPathComponent(s.substr(0, slash))) return false;
    if (slash == absl::string_view::npos) return true;
    s.remove_prefix(slash + 1);
  }
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool MatchDomainComponent(absl::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

bool MatchHost(absl::string_view s) {
  if (!s.empty() && s.front() == '[') {
    if (s.size() < 3 || s.back() != ']') return false;
    for (char c : s.substr(1, s.size() - 2)) {
      if (!IsHex(c) && c != ':') return false;
    }
    return true;
  }
  while (true) {
    size_t dot = s.find('.');
    if (!MatchDomainComponent(s.substr(0, dot))) return false;
    if (dot == absl::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// host [ ":" [0-9]+ ]
bool MatchDomainAndPort(absl::string_view s) {
  size_t colon;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == absl::string_view::npos) return false;
    colon = close + 1 < s.size() ? close + 1 : absl::string_view::npos;
    if (colon != absl::string_view::npos && s[colon] != ':') return false;
  } else {
    colon = s.find(':');
  }
  if (!MatchHost(s.substr(0, colon))) return false;
  if (colon == absl::string_view::npos) return true;
  absl::string_view port = s.substr(colon + 1);
  if (port.empty()) return false;
  for (char c : port) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// [\w][\w.-]{0,127}
bool MatchTag(absl::string_view s) {
  if (s.empty() || s.size() > 128 || !IsWord(s[0])) return false;
  for (char c : s) {
    if (!IsWord(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}
bool MatchDigestPattern(absl::string_view s) {
  size_t colon = s.find(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view algo = s.substr(0, colon);
  absl::string_view hex = s.substr(colon + 1);
  if (hex.size() < 32) return false;
  for (char c : hex) {
    if (!IsHex(c)) return false;
  }
  size_t i = 0;
  while (true) {
    if (i >= algo.size() || !absl::ascii_isalpha(static_cast<unsigned char>(algo[i]))) {
      return false;
    }
    ++i;
    while (i < algo.size() && IsAlnum(algo[i])) ++i;
    if (i == algo.size()) return true;
    char sep = algo[i];
    if (sep != '-' && sep != '_' && sep != '+' && sep != '.') return false;
    ++i;
  }
}

struct RawReference {
  std::string domain, path, tag, digest;
};

enum class GrammarResult { kOk, kNoMatch };

// The anchored reference regexp of distribution/reference, split by hand:
// '@' can only start the digest, and the tag is whatever follows the first
// ':' after the last '/' (names hold ':' only in the domain's port).
GrammarResult MatchReferenceGrammar(absl::string_view s, RawReference* out) {
  size_t at = s.find('@');
  absl::string_view rest = s;
  if (at != absl::string_view::npos) {
    absl::string_view digest = s.substr(at + 1);
    if (!MatchDigestPattern(digest)) return GrammarResult::kNoMatch;
    out->digest = std::string(digest);
    rest = s.substr(0, at);
  }
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.find(':', last_slash == absl::string_view::npos ? 0 : last_slash + 1);
  absl::string_view name = rest;
  if (colon != absl::string_view::npos) {
    absl::string_view tag = rest.substr(colon + 1);
    if (!MatchTag(tag)) return GrammarResult::kNoMatch;
    out->tag = std::string(tag);
    name = rest.substr(0, colon);
  }
  size_t first_slash = name.find('/');
  if (first_slash != absl::string_view::npos &&
      MatchDomainAndPort(name.substr(0, first_slash)) &&
      MatchPath(name.substr(first_slash + 1))) {
    out->domain = std::string(name.substr(0, first_slash));
    out->path = std::string(name.substr(first_slash + 1));
    return GrammarResult::kOk;
  }
  if (!MatchPath(name)) return GrammarResult::kNoMatch;
  out->path = std::string(name);
  return GrammarResult::kOk;
}

// distribution/reference Parse().
absl::StatusOr<RawReference> ParseRaw(absl::string_view s) {
  RawReference raw;
  if (MatchReferenceGrammar(s, &raw) != GrammarResult::kOk) {
    std::string lower = absl::AsciiStrToLower(s);
    RawReference ignored;
    if (lower != s && MatchReferenceGrammar(lower, &ignored) == GrammarResult::kOk) {
      return absl::InvalidArgumentError("repository name must be lowercase");
    }
    return absl::InvalidArgumentError("invalid reference format");
  }
  if (raw.path.size() > kNameTotalLengthMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("repository name must not be more than ", kNameTotalLengthMax,
                     " characters"));
  }
  if (!raw.digest.empty()) {
    // go-digest's Parse/Validate: only sha256 is available here.
    absl::string_view d = raw.digest;
    size_t colon = d.find(':');
    if (d.substr(0, colon) != "sha256") {
      return absl::InvalidArgumentError("unsupported digest algorithm");
    }
    absl::string_view hex = d.substr(colon + 1);
    if (hex.size() != 64) return absl::InvalidArgumentError("invalid checksum digest length");
    for (char c : hex) {
      if (!IsLowerAlnum(c) || !IsHex(c)) {
        return absl::InvalidArgumentError("invalid checksum digest format");
      }
    }
  }
  return raw;
}

bool IsIdentifier(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!IsHex(c) || absl::ascii_isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// distribution/reference splitDockerDomain().
void SplitDockerDomain(absl::string_view name, std::string* domain, std::string* remainder) {
  size_t slash = name.find('/');
  if (slash == absl::string_view::npos) {
    *domain = std::string(kDockerHubDomain);
    *remainder = absl::StrCat(kOfficialRepoPrefix, name);
    return;
  }
  absl::string_view maybe_domain = name.substr(0, slash);
  absl::string_view maybe_remainder = name.substr(slash + 1);
  if (maybe_domain == "localhost") {
    *domain = std::string(maybe_domain);
    *remainder = std::string(maybe_remainder);
  } else if (maybe_domain == kDockerHubLegacyDomain) {
    *domain = std::string(kDockerHubDomain);
    *remainder = std::string(maybe_remainder);
  } else if (maybe_domain.find_first_of(".:") != absl::string_view::npos ||
             absl::AsciiStrToLower(maybe_domain) != maybe_domain) {
    *domain = std::string(maybe_domain);
    *remainder = std::string(maybe_remainder);
  } else {
    *domain = std::string(kDockerHubDomain);
    *remainder = std::string(name);
  }
  if (*domain == kDockerHubDomain && remainder->find('/') == std::string::npos) {
    *remainder = absl::StrCat(kOfficialRepoPrefix, *remainder);
  }
}

// distribution/reference ParseNormalizedNamed().
absl::StatusOr<Reference> ParseNormalized(absl::string_view text) {
  if (IsIdentifier(text)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid repository name (", text, "), cannot specify 64-byte hexadecimal strings"));
  }
  std::string domain, remainder;
  SplitDockerDomain(text, &domain, &remainder);
  absl::string_view remote = remainder;
  remote = remote.substr(0, remote.find(':'));
  if (absl::AsciiStrToLower(remote) != remote) {
    return absl::InvalidArgumentError(
        "invalid reference format: repository name must be lowercase");
  }
  absl::StatusOr<RawReference> raw = ParseRaw(absl::StrCat(domain, "/", remainder));
  if (!raw.ok()) return raw.status();
  if (raw->domain.empty()) {
    // The first element looked like a domain but is not a valid one; Go would
    // accept it as a domain-less name, which no registry can serve.
    return absl::InvalidArgumentError("invalid reference format");
  }
  Reference ref;
  ref.domain = std::move(raw->domain);
  ref.path = std::move(raw->path);
  ref.tag = std::move(raw->tag);
  ref.digest = std::move(raw->digest);
  return ref;
}

absl::string_view HostOf(absl::string_view domain) {
  if (!domain.empty() && domain.front() == '[') {
    size_t close = domain.find(']');
    if (close == absl::string_view::npos) return domain;
    return domain.substr(1, close - 1);
  }
  return domain.substr(0, domain.find(':'));
}

}  // namespace

std::string Reference::Name() const { return absl::StrCat(domain, "/", path); }

std::string Reference::String() const {
  std::string s = Name();
  if (!tag.empty()) absl::StrAppend(&s, ":", tag);
  if (!digest.empty()) absl::StrAppend(&s, "@", digest);
  return s;
}

std::string Reference::FamiliarName() const {
  if (domain != kDockerHubDomain) return Name();
  absl::string_view p = path;
  // "docker.io/foo.bar/baz" without its domain would parse as registry "foo.bar"
  // (Docker prints it that way and loses the image); keep the domain then.
  size_t slash = p.find('/');
  if (slash != absl::string_view::npos) {
    absl::string_view first = p.substr(0, slash);
    if (first == "localhost" || first.find_first_of(".:") != absl::string_view::npos) {
      return Name();
    }
  }
  if (absl::StartsWith(p, kOfficialRepoPrefix)) {
    absl::string_view rest = p.substr(kOfficialRepoPrefix.size());
    if (rest.find('/') == absl::string_view::npos) return std::string(rest);
  }
  return path;
}

std::string Reference::Familiar() const {
  std::string s = FamiliarName();
  if (!tag.empty()) absl::StrAppend(&s, ":", tag);
  if (!digest.empty()) absl::StrAppend(&s, "@", digest);
  return s;
}

absl::StatusOr<Reference> ParseReference(absl::string_view text) {
  absl::StatusOr<Reference> ref = ParseNormalized(text);
  if (ref.ok() && ref->tag.empty() && ref->digest.empty()) ref->tag = std::string(kDefaultTag);
  return ref;
}

absl::StatusOr<Reference> ParseRepository(absl::string_view text) {
  return ParseNormalized(text);
}

bool IsDockerHub(absl::string_view domain) {
  return domain == kDockerHubDomain || domain == kDockerHubLegacyDomain ||
         domain == kDockerHubRegistryHost || domain == "https://index.docker.io/v1/";
}

std::string RegistryHost(absl::string_view domain) {
  if (IsDockerHub(domain)) return std::string(kDockerHubRegistryHost);
  return std::string(domain);
}

bool IsLoopbackDomain(absl::string_view domain) {
  std::string host(HostOf(domain));
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return std::memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
  }
  return false;
}

}  // namespace registry
}  // namespace engine
