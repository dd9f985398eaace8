#include "gateway/http/router.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace gateway {
namespace {

std::vector<std::string> Segments(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

bool IsParam(const std::string& s) {
  return s.size() > 2 && s.front() == '{' && s.back() == '}';
}

}  // namespace

void Router::Add(absl::string_view method, absl::string_view pattern, Handler handler) {
  routes_.push_back({std::string(method), Segments(pattern), std::move(handler)});
}

bool Router::MatchSegments(const std::vector<std::string>& pattern, size_t pi,
                           const std::vector<std::string>& path, size_t si,
                           std::map<std::string, std::string>* params) {
  if (pi == pattern.size()) return si == path.size();
  if (si == path.size()) return false;
  const std::string& seg = pattern[pi];
  if (!IsParam(seg)) {
    return seg == path[si] && MatchSegments(pattern, pi + 1, path, si + 1, params);
  }
  std::string name = seg.substr(1, seg.size() - 2);
  if (absl::EndsWith(name, ":.*")) {
    name.resize(name.size() - 3);
    // Greedy: the longest capture that lets the rest of the pattern match.
    for (size_t end = path.size(); end > si; --end) {
      if (MatchSegments(pattern, pi + 1, path, end, params)) {
        std::string value = path[si];
        for (size_t k = si + 1; k < end; ++k) value += "/" + path[k];
        (*params)[name] = value;
        return true;
      }
    }
    return false;
  }
  if (!MatchSegments(pattern, pi + 1, path, si + 1, params)) return false;
  (*params)[name] = path[si];
  return true;
}

absl::StatusOr<const Handler*> Router::Match(Request* request) const {
  std::vector<std::string> path = Segments(request->path);
  // Literal patterns first, so "/containers/json" is not taken as the
  // container "json".
  for (int pass = 0; pass < 2; ++pass) {
    for (const Route& route : routes_) {
      bool literal = true;
      for (const auto& s : route.segments) literal = literal && !IsParam(s);
      if (literal != (pass == 0)) continue;
      if (route.method != request->method) continue;
      std::map<std::string, std::string> params;
      if (MatchSegments(route.segments, 0, path, 0, &params)) {
        request->params = std::move(params);
        return &route.handler;
      }
    }
  }
  return absl::NotFoundError("page not found");
}

}  // namespace gateway
