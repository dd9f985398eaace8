#include "gateway/images/reference.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace gateway {
namespace {

constexpr char kDefaultDomain[] = "docker.io";

bool AllHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return !text.empty();
}

bool HasUpper(absl::string_view text) {
  for (char c : text) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// Splits "name[:tag]" (no digest) at the tag's ':' after the last '/'.
void SplitTag(absl::string_view name, std::string* repository, std::string* tag) {
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != absl::string_view::npos &&
      (slash == absl::string_view::npos || colon > slash)) {
    *repository = std::string(name.substr(0, colon));
    *tag = std::string(name.substr(colon + 1));
  } else {
    *repository = std::string(name);
    tag->clear();
  }
}

bool IsKnownOs(absl::string_view os) {
  static const char* const kOses[] = {"linux", "windows", "darwin", "freebsd",
                                      "netbsd", "openbsd", "solaris", "illumos"};
  for (const char* known : kOses) {
    if (os == known) return true;
  }
  return false;
}

}  // namespace

ReferenceParts SplitReference(absl::string_view reference) {
  ReferenceParts parts;
  absl::string_view name = reference;
  size_t at = name.find('@');
  if (at != absl::string_view::npos) {
    parts.digest = std::string(name.substr(at + 1));
    name = name.substr(0, at);
  }
  std::string repository;
  SplitTag(name, &repository, &parts.tag);

  size_t slash = repository.find('/');
  absl::string_view first = slash == std::string::npos
                                ? absl::string_view()
                                : absl::string_view(repository).substr(0, slash);
  if (slash != std::string::npos &&
      (absl::StrContains(first, '.') || absl::StrContains(first, ':') ||
       first == "localhost" || HasUpper(first))) {
    parts.domain = std::string(first);
    parts.path = repository.substr(slash + 1);
  } else {
    parts.domain = kDefaultDomain;
    parts.path = repository;
  }
  if (parts.domain == "index.docker.io") parts.domain = kDefaultDomain;
  if (parts.domain == kDefaultDomain && !absl::StrContains(parts.path, '/')) {
    parts.path = absl::StrCat("library/", parts.path);
  }
  return parts;
}

std::string FamiliarString(const ReferenceParts& parts) {
  std::string name;
  if (parts.domain == kDefaultDomain) {
    absl::string_view path = parts.path;
    if (absl::ConsumePrefix(&path, "library/") && !absl::StrContains(path, '/')) {
      name = std::string(path);
    } else {
      name = parts.path;
    }
  } else {
    name = absl::StrCat(parts.domain, "/", parts.path);
  }
  if (!parts.tag.empty()) absl::StrAppend(&name, ":", parts.tag);
  if (!parts.digest.empty()) absl::StrAppend(&name, "@", parts.digest);
  return name;
}

bool IsDigest(absl::string_view text) {
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  for (char c : text.substr(0, colon)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' &&
        c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  absl::string_view hex = text.substr(colon + 1);
  return hex.size() >= 32 && AllHex(hex);
}

std::string WithTagOrDigest(absl::string_view name, absl::string_view tag) {
  absl::string_view base = name;
  absl::ConsumeSuffix(&base, ":");
  if (tag.empty()) return std::string(base);
  // Drop what the name carries in the tag's place.
  std::string without_digest(base.substr(0, base.find('@')));
  std::string repository, old_tag;
  SplitTag(without_digest, &repository, &old_tag);
  if (IsDigest(tag)) return absl::StrCat(repository, "@", tag);
  return absl::StrCat(repository, ":", tag);
}

std::string NotFoundName(absl::string_view ref) {
  absl::string_view hex = ref;
  absl::ConsumePrefix(&hex, "sha256:");
  if (hex.size() == 64 && AllHex(hex)) return absl::StrCat("sha256:", hex);
  ReferenceParts parts = SplitReference(ref);
  if (parts.tag.empty() && parts.digest.empty()) parts.tag = "latest";
  return FamiliarString(parts);
}

absl::StatusOr<berth::v1::Platform> ParsePlatform(absl::string_view text) {
  std::vector<std::string> fields =
      absl::StrSplit(absl::AsciiStrToLower(text), '/');
  berth::v1::Platform platform;
  bool empty_field = false;
  for (const std::string& f : fields) empty_field |= f.empty();
  if (fields.size() > 3 || empty_field) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\": unknown operating system or architecture: invalid argument"));
  }
  if (fields.size() == 1) {
    if (IsKnownOs(fields[0])) {
      platform.set_os(fields[0]);
    } else {
      platform.set_os("linux");
      platform.set_architecture(fields[0]);
    }
    return platform;
  }
  platform.set_os(fields[0]);
  platform.set_architecture(fields[1]);
  if (fields.size() == 3) platform.set_variant(fields[2]);
  return platform;
}

}  // namespace gateway
