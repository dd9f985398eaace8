#include "engine/runtime/container_filters.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace engine::runtime {
namespace {

absl::Status BadFilter(absl::string_view key, absl::string_view value = "") {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
  return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "=", value, "'"));
}

bool ValidStatus(absl::string_view s) {
  return s == "created" || s == "restarting" || s == "running" || s == "removing" ||
         s == "paused" || s == "exited" || s == "dead";
}

absl::StatusOr<absl::Time> ParseUntil(absl::string_view value) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(value), &t, &err)) return t;
  double secs;
  if (absl::SimpleAtod(value, &secs)) return absl::FromUnixNanos(static_cast<int64_t>(secs * 1e9));
  return BadFilter("until", value);
}

}  // namespace

absl::StatusOr<ContainerFilter> ContainerFilter::Parse(
    const google::protobuf::RepeatedPtrField<berth::v1::Filter>& filters,
    const FilterResolvers& resolvers) {
  ContainerFilter f;
  for (const berth::v1::Filter& term : filters) {
    const std::string& key = term.key();
    const std::string& value = term.value();
    if (key == "id" || key == "name" || key == "label" || key == "volume" ||
        key == "network" || key == "health" || key == "is-task") {
      f.terms_[key].push_back(value);
    } else if (key == "status") {
      if (!ValidStatus(value)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid filter 'status=", value,
            "'"));
      }
      f.terms_[key].push_back(value);
    } else if (key == "exited") {
      int64_t code;
      if (!absl::SimpleAtoi(value, &code)) return BadFilter(key, value);
      f.terms_[key].push_back(absl::StrCat(code));
    } else if (key == "ancestor") {
      f.terms_[key].push_back(value);
      if (resolvers.image_id) {
        absl::StatusOr<std::string> id = resolvers.image_id(value);
        if (id.ok()) f.ancestor_ids_.push_back(*id);
      }
    } else if (key == "before" || key == "since") {
      if (!resolvers.container_created) return BadFilter(key, value);
      absl::StatusOr<absl::Time> t = resolvers.container_created(value);
      if (!t.ok()) return t.status();
      if (key == "before") {
        f.before_ = std::min(f.before_, *t);
      } else {
        f.since_ = std::max(f.since_, *t);
      }
    } else if (key == "until") {
      absl::StatusOr<absl::Time> t = ParseUntil(value);
      if (!t.ok()) return t.status();
      f.until_ = std::min(f.until_, *t);
    } else {
      return BadFilter(key);
    }
  }
  return f;
}

bool ContainerFilter::Matches(const FilterSubject& subject) const {
  const berth::v1::ContainerSummary& c = *subject.summary;
  absl::Time created = absl::FromUnixSeconds(c.created().seconds()) +
                       absl::Nanoseconds(c.created().nanos());
  if (created >= before_ || created <= since_ || created >= until_) return false;
  for (const auto& [key, values] : terms_) {
    bool any = false;
    for (const std::string& v : values) {
      if (key == "id") {
        any = absl::StartsWith(c.id(), v);
      } else if (key == "name") {
        absl::string_view want = v;
        absl::ConsumePrefix(&want, "/");
        for (const std::string& n : c.names()) {
          absl::string_view name = n;
          absl::ConsumePrefix(&name, "/");
          if (absl::StrContains(name, want)) any = true;
        }
      } else if (key == "label") {
        std::pair<std::string, std::string> kv =
            absl::StrSplit(v, absl::MaxSplits('=', 1));
        auto it = c.labels().find(kv.first);
        any = it != c.labels().end() &&
              (v.find('=') == std::string::npos || it->second == kv.second);
      } else if (key == "status") {
        any = c.state() == v;
      } else if (key == "exited") {
        any = c.state() == "exited" && absl::StrCat(subject.exit_code) == v;
      } else if (key == "ancestor") {
        any = c.image() == v || c.image_id() == v ||
              absl::StartsWith(c.image_id(), absl::StrCat("sha256:", v));
        for (const std::string& id : ancestor_ids_) any = any || c.image_id() == id;
      } else if (key == "network") {
        any = c.network_mode() == v || (v == "default" && c.network_mode().empty());
      } else if (key == "is-task") {
        any = v == "false";
      } else {
        any = false;  // volume, health: nothing has them yet
      }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

std::string HumanDuration(absl::Duration d) {
  int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return absl::StrCat(seconds, " seconds");
  int64_t minutes = absl::ToInt64Minutes(d);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return absl::StrCat(minutes, " minutes");
  int64_t hours = static_cast<int64_t>(std::round(absl::ToDoubleHours(d)));
  if (hours == 1) return "About an hour";
  if (hours < 48) return absl::StrCat(hours, " hours");
  if (hours < 24 * 7 * 2) return absl::StrCat(hours / 24, " days");
  if (hours < 24 * 30 * 2) return absl::StrCat(hours / 24 / 7, " weeks");
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24 / 30, " months");
  return absl::StrCat(hours / 24 / 365, " years");
}

std::string StatusText(absl::string_view state, int64_t exit_code, absl::Time started_at,
                       absl::Time finished_at, absl::Time now) {
  if (state == "running") return absl::StrCat("Up ", HumanDuration(now - started_at));
  if (state == "paused") {
    return absl::StrCat("Up ", HumanDuration(now - started_at), " (Paused)");
  }
  if (state == "restarting") {
    return absl::StrCat("Restarting (", exit_code, ") ", HumanDuration(now - finished_at),
                        " ago");
  }
  if (state == "removing") return "Removal In Progress";
  if (state == "dead") return "Dead";
  if (state == "exited") {
    if (finished_at == absl::UnixEpoch() || finished_at == absl::InfinitePast()) {
      return absl::StrCat("Exited (", exit_code, ")");
    }
    return absl::StrCat("Exited (", exit_code, ") ", HumanDuration(now - finished_at), " ago");
  }
  return "Created";
}

std::string CommandText(const std::vector<std::string>& args) {
  return absl::StrCat("\"", absl::StrJoin(args, " "), "\"");
}

}  // namespace engine::runtime
