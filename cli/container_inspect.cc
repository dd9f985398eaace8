// ContainerInspectJson() and ExpandInspectTemplate() (declared in
// container_format.h).

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/container_format.h"
#include "sdk/docker_json.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rapidjson/document.h"
#include "rapidjson/writer.h"
#include "rapidjson/stringbuffer.h"

namespace cli {
namespace {

// A value as Go's text/template prints it.
std::string GoValue(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNull()) return "<no value>";
  if (v.IsInt64()) return absl::StrCat(v.GetInt64());
  if (v.IsUint64()) return absl::StrCat(v.GetUint64());
  if (v.IsNumber()) return absl::StrCat(v.GetDouble());
  if (v.IsArray()) {
    std::vector<std::string> items;
    for (const auto& item : v.GetArray()) items.push_back(GoValue(item));
    return absl::StrCat("[", absl::StrJoin(items, " "), "]");
  }
  std::map<std::string, std::string> sorted;
  for (const auto& m : v.GetObject()) {
    sorted[std::string(m.name.GetString(), m.name.GetStringLength())] = GoValue(m.value);
  }
  std::vector<std::string> items;
  for (const auto& [k, val] : sorted) items.push_back(absl::StrCat(k, ":", val));
  return absl::StrCat("map[", absl::StrJoin(items, " "), "]");
}

std::string CompactJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Resolves ".A.B" in `root`; nullptr if a step is missing.
const rapidjson::Value* Lookup(const rapidjson::Value& root, absl::string_view path) {
  const rapidjson::Value* v = &root;
  absl::ConsumePrefix(&path, ".");
  if (path.empty()) return v;
  for (absl::string_view step : absl::StrSplit(path, '.')) {
    if (!v->IsObject()) return nullptr;
    std::string key(step);
    auto it = v->FindMember(key.c_str());
    if (it == v->MemberEnd()) return nullptr;
    v = &it->value;
  }
  return v;
}

}  // namespace

absl::StatusOr<std::string> ExpandInspectTemplate(absl::string_view doc,
                                                  absl::string_view tmpl) {
  rapidjson::Document d;
  std::string text(doc);
  if (d.Parse(text.c_str()).HasParseError() || !d.IsArray() || d.Empty()) {
    return absl::InternalError("bad inspect document");
  }
  const rapidjson::Value& root = d[0];
  std::string out;
  while (!tmpl.empty()) {
    size_t open = tmpl.find("{{");
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, tmpl);
      break;
    }
    absl::StrAppend(&out, tmpl.substr(0, open));
    size_t close = tmpl.find("}}", open);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("template: unclosed action");
    }
    absl::string_view action = absl::StripAsciiWhitespace(tmpl.substr(open + 2, close - open - 2));
    bool json = absl::ConsumePrefix(&action, "json ");
    action = absl::StripAsciiWhitespace(action);
    if (!absl::StartsWith(action, ".")) {
      return absl::InvalidArgumentError(
          absl::StrCat("template: unsupported action {{", action, "}}"));
    }
    const rapidjson::Value* v = Lookup(root, action);
    if (v == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "template: :1: map has no entry for key \"", action.substr(1), "\""));
    }
    absl::StrAppend(&out, json ? CompactJson(*v) : GoValue(*v));
    tmpl.remove_prefix(close + 2);
  }
  return out;
}

std::string ContainerInspectJson(const std::vector<berth::v1::ContainerInfo>& containers) {
  std::vector<std::string> objects;
  for (const auto& c : containers) objects.push_back(sdk::DockerContainerJson(c));
  return sdk::PrettyJsonArray(objects);
}

}  // namespace cli
