#include "sdk/auth_config.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"

namespace sdk {
namespace {

constexpr char kConfigFileName[] = "config.json";

absl::string_view CutAtSlash(absl::string_view s) {
  size_t slash = s.find('/');
  return slash == absl::string_view::npos ? s : s.substr(0, slash);
}

absl::Status ParseError(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("loading config file ", path, ": ", what));
}

std::string GetString(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

std::string ConvertToHostname(absl::string_view maybe_url) {
  size_t scheme = maybe_url.find("://");
  if (scheme != absl::string_view::npos) {
    absl::string_view host = CutAtSlash(maybe_url.substr(scheme + 3));
    size_t at = host.rfind('@');
    if (at != absl::string_view::npos) host = host.substr(at + 1);
    if (!host.empty()) return std::string(host);
  }
  return std::string(CutAtSlash(maybe_url));
}

bool IsDockerHub(absl::string_view server) {
  if (server.empty()) return true;
  std::string host = absl::AsciiStrToLower(ConvertToHostname(server));
  return host == "docker.io" || host == "index.docker.io" ||
         host == "registry-1.docker.io";
}

std::string CredentialKey(absl::string_view server) {
  if (IsDockerHub(server)) return kIndexServer;
  return ConvertToHostname(server);
}

std::string RegistryDomain(absl::string_view reference) {
  size_t slash = reference.find('/');
  if (slash == absl::string_view::npos) return "docker.io";
  absl::string_view first = reference.substr(0, slash);
  bool looks_like_host = absl::StrContains(first, '.') ||
                         absl::StrContains(first, ':') || first == "localhost";
  if (!looks_like_host || absl::AsciiStrToLower(first) != first) {
    return "docker.io";
  }
  if (first == "index.docker.io") return "docker.io";
  return std::string(first);
}

std::string DefaultConfigDir() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') home = "/root";
  return base::JoinPath(home, ".berth");
}

absl::StatusOr<AuthConfigFile> AuthConfigFile::Load(absl::string_view dir) {
  AuthConfigFile file{std::string(dir),
                      base::JoinPath(dir, kConfigFileName)};
  if (!base::PathExists(file.path_)) return file;
  ASSIGN_OR_RETURN(file.original_, base::ReadFile(file.path_, 16 << 20));
  if (absl::StripAsciiWhitespace(file.original_).empty()) return file;

  rapidjson::Document doc;
  doc.Parse(file.original_.data(), file.original_.size());
  if (doc.HasParseError()) {
    return ParseError(file.path_,
                      rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return ParseError(file.path_, "not a JSON object");
  auto auths = doc.FindMember("auths");
  if (auths == doc.MemberEnd() || auths->value.IsNull()) return file;
  if (!auths->value.IsObject()) {
    return ParseError(file.path_, "\"auths\" is not an object");
  }
  for (const auto& m : auths->value.GetObject()) {
    if (!m.value.IsObject()) continue;
    std::string key(m.name.GetString(), m.name.GetStringLength());
    AuthEntry entry;
    std::string auth = GetString(m.value, "auth");
    if (!auth.empty()) {
      std::string decoded;
      if (!absl::Base64Unescape(auth, &decoded)) {
        return ParseError(file.path_,
                          absl::StrCat("invalid auth for ", key));
      }
      size_t colon = decoded.find(':');
      if (colon == std::string::npos) {
        return ParseError(file.path_,
                          absl::StrCat("invalid auth for ", key,
                                       ": no colon in user:password"));
      }
      entry.username = decoded.substr(0, colon);
      entry.password = decoded.substr(colon + 1);
    } else {
      // Legacy split fields.
      entry.username = GetString(m.value, "username");
      entry.password = GetString(m.value, "password");
    }
    entry.identity_token = GetString(m.value, "identitytoken");
    file.auths_[key] = std::move(entry);
  }
  return file;
}

absl::optional<AuthEntry> AuthConfigFile::Get(absl::string_view server) const {
  std::string key = CredentialKey(server);
  auto it = auths_.find(key);
  if (it != auths_.end()) return it->second;
  std::string host = IsDockerHub(server) ? "index.docker.io"
                                         : ConvertToHostname(server);
  for (const auto& [k, v] : auths_) {
    if (ConvertToHostname(k) == host) return v;
  }
  return absl::nullopt;
}

void AuthConfigFile::Set(absl::string_view server, const AuthEntry& entry) {
  auths_[CredentialKey(server)] = entry;
}

bool AuthConfigFile::Erase(absl::string_view server) {
  bool hub = IsDockerHub(server);
  std::string host = ConvertToHostname(server);
  bool removed = false;
  for (auto it = auths_.begin(); it != auths_.end();) {
    bool match = hub ? IsDockerHub(it->first)
                     : (it->first == server || ConvertToHostname(it->first) == host);
    if (match) {
      it = auths_.erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  return removed;
}

absl::Status AuthConfigFile::Save() const {
  rapidjson::Document doc;
  if (!absl::StripAsciiWhitespace(original_).empty()) {
    doc.Parse(original_.data(), original_.size());
  }
  if (doc.HasParseError() || !doc.IsObject()) doc.SetObject();
  auto& alloc = doc.GetAllocator();
  doc.RemoveMember("auths");

  rapidjson::Value auths(rapidjson::kObjectType);
  for (const auto& [key, entry] : auths_) {
    rapidjson::Value obj(rapidjson::kObjectType);
    if (!entry.username.empty() || !entry.password.empty()) {
      std::string b64 =
          absl::Base64Escape(absl::StrCat(entry.username, ":", entry.password));
      obj.AddMember("auth", rapidjson::Value(b64.c_str(), alloc).Move(), alloc);
    }
    if (!entry.identity_token.empty()) {
      obj.AddMember("identitytoken",
                    rapidjson::Value(entry.identity_token.c_str(), alloc).Move(),
                    alloc);
    }
    auths.AddMember(rapidjson::Value(key.c_str(), alloc).Move(), obj, alloc);
  }
  doc.AddMember("auths", auths, alloc);

  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buf);
  writer.SetIndent('\t', 1);
  doc.Accept(writer);

  RETURN_IF_ERROR(base::MakeDirs(dir_, 0700));
  return base::Annotate(
      base::WriteFileAtomic(path_, absl::string_view(buf.GetString(),
                                                     buf.GetSize()),
                            0600),
      "saving credentials");
}

}  // namespace sdk
