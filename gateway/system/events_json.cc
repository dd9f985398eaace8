#include "gateway/system/events_json.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/http/json_body.h"
#include "gateway/system/json_writer.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace gateway {

using json::Int;
using json::Key;
using json::Str;
using json::StrMap;
using json::Writer;

std::string EventJson(const berth::v1::Event& event) {
  const bool container = event.type() == "container";
  const bool legacy = container || event.type() == "image";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  if (legacy) {
    Str(w, "status", event.action());
    Str(w, "id", event.actor_id());
    if (container) {
      auto image = event.attributes().find("image");
      Str(w, "from", image == event.attributes().end() ? "" : image->second);
    }
  }
  Str(w, "Type", event.type());
  Str(w, "Action", event.action());
  Key(w, "Actor");
  w.StartObject();
  Str(w, "ID", event.actor_id());
  StrMap(w, "Attributes", event.attributes());
  w.EndObject();
  Str(w, "scope", "local");
  int64_t seconds = event.time().seconds();
  Int(w, "time", seconds);
  Int(w, "timeNano", seconds * 1000000000 + event.time().nanos());
  w.EndObject();
  return buf.GetString();
}

absl::Status ParseFilters(absl::string_view json,
                          std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  if (json.empty()) return absl::OkStatus();
  absl::StatusOr<rapidjson::Document> parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid filter: \"", json, "\""));
  }
  const rapidjson::Document& doc = *parsed;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& v = it->value;
    if (v.IsObject()) {  // {"key":{"value":true}}
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        out->emplace_back(key, std::string(m->name.GetString(), m->name.GetStringLength()));
      }
    } else if (v.IsArray()) {  // the legacy list form
      for (const rapidjson::Value& e : v.GetArray()) {
        if (!e.IsString()) {
          return absl::InvalidArgumentError(
              absl::StrCat("invalid filter: \"", json, "\""));
        }
        out->emplace_back(key, std::string(e.GetString(), e.GetStringLength()));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter: \"", json, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> ParseUnixTime(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  int64_t seconds;
  if (parts.size() > 2 || !absl::SimpleAtoi(parts[0], &seconds) || parts[0].empty() ||
      parts[0][0] == '+') {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid timestamp \"", text, "\": expected Unix seconds[.nanoseconds]"));
  }
  int64_t nanos = 0;
  if (parts.size() == 2) {
    absl::string_view frac = parts[1];
    if (frac.empty() || frac.size() > 9 ||
        frac.find_first_not_of("0123456789") != absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid timestamp \"", text, "\": expected Unix seconds[.nanoseconds]"));
    }
    std::string padded(frac);
    padded.resize(9, '0');
    absl::SimpleAtoi(padded, &nanos);
  }
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

absl::StatusOr<EventsQuery> ParseEventsQuery(const Request& request) {
  EventsQuery query;
  berth::v1::EventsRequest* out = &query.request;
  auto set_time = [](absl::Time t, google::protobuf::Timestamp* ts) {
    int64_t ns = absl::ToUnixNanos(t);
    ts->set_seconds(ns / 1000000000);
    ts->set_nanos(static_cast<int32_t>(ns % 1000000000));
  };
  if (std::string since = request.Query("since"); !since.empty()) {
    absl::StatusOr<absl::Time> t = ParseUnixTime(since);
    if (!t.ok()) return t.status();
    set_time(*t, out->mutable_since());
  }
  if (std::string until = request.Query("until"); !until.empty()) {
    absl::StatusOr<absl::Time> t = ParseUnixTime(until);
    if (!t.ok()) return t.status();
    set_time(*t, out->mutable_until());
  }
  std::vector<std::pair<std::string, std::string>> filters;
  absl::Status parsed = ParseFilters(request.Query("filters"), &filters);
  if (!parsed.ok()) return parsed;
  bool any_type = false, emitted_type = false, any_scope = false, local_scope = false;
  for (const auto& [key, value] : filters) {
    if (key == "type") {
      any_type = true;
      if (value != "container" && value != "image") continue;  // never emitted
      emitted_type = true;
    } else if (key == "label") {
      query.labels.push_back(value);
      continue;
    } else if (key == "scope") {
      any_scope = true;
      local_scope |= value == "local";
      continue;
    } else if (key == "network" || key == "volume" || key == "plugin" ||
               key == "daemon" || key == "node" || key == "service" ||
               key == "secret" || key == "config") {
      query.matches_nothing = true;  // objects Berth has no events for
      continue;
    } else if (key != "event" && key != "image" && key != "container") {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
    }
    berth::v1::Filter* f = out->add_filters();
    f->set_key(key);
    f->set_value(value);
  }
  if ((any_type && !emitted_type) || (any_scope && !local_scope)) {
    query.matches_nothing = true;
  }
  return query;
}

bool MatchesLabels(const berth::v1::Event& event, const std::vector<std::string>& labels) {
  for (const std::string& label : labels) {
    size_t eq = label.find('=');
    auto it = event.attributes().find(label.substr(0, eq));
    if (it == event.attributes().end()) return false;
    if (eq != std::string::npos && it->second != label.substr(eq + 1)) return false;
  }
  return true;
}

}  // namespace gateway
