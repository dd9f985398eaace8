#include "gateway/http/request.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace gateway {

absl::StatusOr<ApiVersion> ApiVersion::Parse(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  ApiVersion v;
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty() ||
      !absl::SimpleAtoi(parts[0], &v.major) || !absl::SimpleAtoi(parts[1], &v.minor) ||
      v.major < 0 || v.minor < 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid API version: ", text));
  }
  return v;
}

std::string ApiVersion::ToString() const { return absl::StrCat(major, ".", minor); }

std::string Request::Query(absl::string_view name, absl::string_view fallback) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string(fallback) : it->second;
}

std::vector<std::string> Request::QueryAll(absl::string_view name) const {
  std::vector<std::string> out;
  auto range = query.equal_range(std::string(name));
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

bool Request::HasQuery(absl::string_view name) const {
  return query.count(std::string(name)) > 0;
}

bool Request::QueryBool(absl::string_view name) const {
  std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(Query(name)));
  return !(v.empty() || v == "0" || v == "no" || v == "false" || v == "none");
}

absl::StatusOr<int64_t> Request::QueryInt(absl::string_view name,
                                          int64_t fallback) const {
  std::string v = Query(name);
  if (v.empty()) return fallback;
  int64_t out;
  if (!absl::SimpleAtoi(v, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value for ", name, ": ", v));
  }
  return out;
}

std::string Request::Header(absl::string_view name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? "" : it->second;
}

std::string Request::Param(absl::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? "" : it->second;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return absl::InvalidArgumentError(absl::StrCat("invalid URL escape in ", text));
      }
      int value = 0;
      for (int k = 1; k <= 2; ++k) {
        char h = text[i + k];
        value <<= 4;
        if (h >= '0' && h <= '9') {
          value |= h - '0';
        } else if (h >= 'a' && h <= 'f') {
          value |= h - 'a' + 10;
        } else if (h >= 'A' && h <= 'F') {
          value |= h - 'A' + 10;
        } else {
          return absl::InvalidArgumentError(absl::StrCat("invalid URL escape in ", text));
        }
      }
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::Status ParseTarget(absl::string_view target, Request* request) {
  absl::string_view path = target;
  absl::string_view query;
  size_t q = target.find('?');
  if (q != absl::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  auto decoded = PercentDecode(path, /*plus_is_space=*/false);
  if (!decoded.ok()) return decoded.status();
  absl::string_view p = *decoded;
  request->version = kMaxApiVersion;
  if (absl::StartsWith(p, "/v") && p.size() > 2 && absl::ascii_isdigit(p[2])) {
    size_t end = p.find('/', 2);
    absl::string_view text = p.substr(2, end == absl::string_view::npos ? p.npos : end - 2);
    auto version = ApiVersion::Parse(text);
    if (!version.ok()) return version.status();
    if (*version < kMinApiVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "client version ", text, " is too old. Minimum supported API version is ",
          kMinApiVersion.ToString(), ", please upgrade your client to a newer version"));
    }
    if (kMaxApiVersion < *version) {
      return absl::FailedPreconditionError(
          absl::StrCat("client version ", text,
                       " is too new. Maximum supported API version is ",
                       kMaxApiVersion.ToString()));
    }
    request->version = *version;
    p = end == absl::string_view::npos ? absl::string_view("/") : p.substr(end);
  }
  request->path = std::string(p);
  request->query.clear();
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    absl::string_view k = pair.substr(0, eq);
    absl::string_view v = eq == absl::string_view::npos ? "" : pair.substr(eq + 1);
    auto key = PercentDecode(k, true);
    if (!key.ok()) return key.status();
    auto value = PercentDecode(v, true);
    if (!value.ok()) return value.status();
    request->query.emplace(*key, *value);
  }
  return absl::OkStatus();
}

}  // namespace gateway
