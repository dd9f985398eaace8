#include "gateway/system/system_json.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/http/json_body.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sdk/docker_json.h"

namespace gateway {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, absl::string_view key, absl::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Int(Writer& w, absl::string_view key, int64_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Int64(value);
}
void Bool(Writer& w, absl::string_view key, bool value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Bool(value);
}
void Key(Writer& w, absl::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
template <typename Container>
void StrArray(Writer& w, absl::string_view key, const Container& values) {
  Key(w, key);
  w.StartArray();
  for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

// moby's Attributes map marshals with sorted keys.
std::map<std::string, std::string> Sorted(
    const google::protobuf::Map<std::string, std::string>& m) {
  return std::map<std::string, std::string>(m.begin(), m.end());
}

// "127.0.0.0/8" or "::1/128" (what Docker's InsecureRegistryCIDRs holds);
// host names and host:port entries are not CIDRs.
bool IsCidr(absl::string_view text) {
  size_t slash = text.find('/');
  if (slash == absl::string_view::npos) return false;
  int bits;
  if (!absl::SimpleAtoi(text.substr(slash + 1), &bits)) return false;
  absl::string_view ip = text.substr(0, slash);
  return !ip.empty() && ip.find_first_not_of("0123456789abcdefABCDEF.:") ==
                            absl::string_view::npos;
}

}  // namespace

std::string VersionJson(const berth::v1::VersionResponse& v) {
  const std::string api = kMaxApiVersion.ToString();
  const std::string min_api = kMinApiVersion.ToString();
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Key(w, "Platform");
  w.StartObject();
  Str(w, "Name", "Berth Engine");
  w.EndObject();
  Key(w, "Components");
  w.StartArray();
  w.StartObject();
  Str(w, "Name", "Engine");
  Str(w, "Version", v.version());
  Key(w, "Details");
  w.StartObject();
  Str(w, "ApiVersion", api);
  Str(w, "Arch", v.arch());
  Str(w, "BuildTime", v.build_time());
  Str(w, "Experimental", "false");
  Str(w, "GitCommit", v.git_commit());
  Str(w, "GoVersion", v.compiler());
  Str(w, "KernelVersion", v.kernel_version());
  Str(w, "MinAPIVersion", min_api);
  Str(w, "Os", v.os());
  w.EndObject();
  w.EndObject();
  w.EndArray();
  Str(w, "Version", v.version());
  Str(w, "ApiVersion", api);
  Str(w, "MinAPIVersion", min_api);
  Str(w, "GitCommit", v.git_commit());
  Str(w, "GoVersion", v.compiler());
  Str(w, "Os", v.os());
  Str(w, "Arch", v.arch());
  Str(w, "KernelVersion", v.kernel_version());
  if (!v.build_time().empty()) Str(w, "BuildTime", v.build_time());
  w.EndObject();
  return buf.GetString();
}

ContainerCounts CountContainers(const berth::v1::ListContainersResponse& list) {
  ContainerCounts c;
  for (const berth::v1::ContainerSummary& s : list.containers()) {
    ++c.total;
    if (s.state() == "running" || s.state() == "restarting") {
      ++c.running;
    } else if (s.state() == "paused") {
      ++c.paused;
    } else {
      ++c.stopped;
    }
  }
  return c;
}

std::string InfoJson(const berth::v1::InfoResponse& info,
                     const ContainerCounts* counts) {
  ContainerCounts c;
  if (counts != nullptr) {
    c = *counts;
  } else {
    c = {info.containers(), info.containers_running(), info.containers_paused(),
         info.containers_stopped()};
  }
  std::vector<std::string> cidrs, insecure_hosts;
  for (const std::string& r : info.insecure_registries()) {
    (IsCidr(r) ? cidrs : insecure_hosts).push_back(r);
  }
  const std::string runtime =
      info.default_runtime().empty() ? "berth" : info.default_runtime();

  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "ID", info.id());
  Int(w, "Containers", c.total);
  Int(w, "ContainersRunning", c.running);
  Int(w, "ContainersPaused", c.paused);
  Int(w, "ContainersStopped", c.stopped);
  Int(w, "Images", info.images());
  Str(w, "Driver", info.storage_driver());
  Key(w, "DriverStatus");
  w.StartArray();
  w.EndArray();
  Key(w, "Plugins");
  w.StartObject();
  StrArray(w, "Volume", std::vector<std::string>{});
  StrArray(w, "Network", std::vector<std::string>{});
  Key(w, "Authorization");
  w.Null();
  StrArray(w, "Log", std::vector<std::string>{info.logging_driver()});
  w.EndObject();
  Bool(w, "MemoryLimit", true);
  Bool(w, "SwapLimit", true);
  Bool(w, "CpuCfsPeriod", true);
  Bool(w, "CpuCfsQuota", true);
  Bool(w, "CPUShares", true);
  Bool(w, "CPUSet", true);
  Bool(w, "PidsLimit", true);
  Bool(w, "IPv4Forwarding", true);
  Bool(w, "Debug", info.debug());
  Int(w, "NFd", 0);
  Bool(w, "OomKillDisable", false);
  Int(w, "NGoroutines", 0);
  Str(w, "SystemTime",
      info.has_system_time() ? sdk::Rfc3339Nano(info.system_time()) : "");
  Str(w, "LoggingDriver", info.logging_driver());
  Str(w, "CgroupDriver", info.cgroup_driver());
  Str(w, "CgroupVersion", info.cgroup_version());
  Int(w, "NEventsListener", 0);
  Str(w, "KernelVersion", info.kernel_version());
  Str(w, "OperatingSystem", info.operating_system());
  Str(w, "OSVersion", "");
  Str(w, "OSType", info.os_type().empty() ? "linux" : info.os_type());
  Str(w, "Architecture", info.architecture());
  Str(w, "IndexServerAddress", "https://index.docker.io/v1/");
  Key(w, "RegistryConfig");
  w.StartObject();
  StrArray(w, "InsecureRegistryCIDRs", cidrs);
  Key(w, "IndexConfigs");
  w.StartObject();
  Key(w, "docker.io");
  w.StartObject();
  Str(w, "Name", "docker.io");
  StrArray(w, "Mirrors", info.registry_mirrors());
  Bool(w, "Secure", true);
  Bool(w, "Official", true);
  w.EndObject();
  for (const std::string& host : insecure_hosts) {
    Key(w, host);
    w.StartObject();
    Str(w, "Name", host);
    StrArray(w, "Mirrors", std::vector<std::string>{});
    Bool(w, "Secure", false);
    Bool(w, "Official", false);
    w.EndObject();
  }
  w.EndObject();
  StrArray(w, "Mirrors", info.registry_mirrors());
  w.EndObject();
  Int(w, "NCPU", info.ncpu());
  Int(w, "MemTotal", info.mem_total());
  Str(w, "DockerRootDir", info.data_root());
  Str(w, "HttpProxy", "");
  Str(w, "HttpsProxy", "");
  Str(w, "NoProxy", "");
  Str(w, "Name", info.name());
  StrArray(w, "Labels", std::vector<std::string>{});
  Bool(w, "ExperimentalBuild", false);
  Str(w, "ServerVersion", info.server_version());
  Key(w, "Runtimes");
  w.StartObject();
  Key(w, runtime);
  w.StartObject();
  Str(w, "path", "berth-shim");
  w.EndObject();
  w.EndObject();
  Str(w, "DefaultRuntime", runtime);
  Key(w, "Swarm");
  w.StartObject();
  Str(w, "NodeID", "");
  Str(w, "NodeAddr", "");
  Str(w, "LocalNodeState", "inactive");
  Bool(w, "ControlAvailable", false);
  Str(w, "Error", "");
  Key(w, "RemoteManagers");
  w.Null();
  w.EndObject();
  Bool(w, "LiveRestoreEnabled", false);
  Str(w, "Isolation", "");
  Str(w, "InitBinary", "");
  for (absl::string_view commit : {"ContainerdCommit", "RuncCommit", "InitCommit"}) {
    Key(w, commit);
    w.StartObject();
    Str(w, "ID", "");
    w.EndObject();
  }
  StrArray(w, "SecurityOptions", info.security_options());
  Key(w, "Warnings");
  w.Null();
  w.EndObject();
  return buf.GetString();
}

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
  Key(w, "Attributes");
  w.StartObject();
  for (const auto& [k, v] : Sorted(event.attributes())) Str(w, k, v);
  w.EndObject();
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

absl::Status EventsRequestFromQuery(const Request& request,
                                    berth::v1::EventsRequest* out,
                                    bool* matches_nothing) {
  *matches_nothing = false;
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
  bool any_type = false, emitted_type = false;
  for (const auto& [key, value] : filters) {
    if (key == "type") {
      any_type = true;
      if (value != "container" && value != "image") continue;  // never emitted
      emitted_type = true;
    } else if (key != "event" && key != "image" && key != "container") {
      return absl::InvalidArgumentError(absl::StrCat(
          "the events filter \"", key, "\" is not supported by Berth"));
    }
    berth::v1::Filter* f = out->add_filters();
    f->set_key(key);
    f->set_value(value);
  }
  *matches_nothing = any_type && !emitted_type;
  return absl::OkStatus();
}

std::string DiskUsageJson(const berth::v1::ListImagesResponse& images,
                          const berth::v1::ListContainersResponse& containers) {
  int64_t layers_size = 0;
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Key(w, "Images");
  w.StartArray();
  for (const berth::v1::Image& image : images.images()) {
    layers_size += image.size();
    int64_t users = 0;
    for (const berth::v1::ContainerSummary& c : containers.containers()) {
      if (c.image_id() == image.id()) ++users;
    }
    w.StartObject();
    Int(w, "Containers", users);
    Int(w, "Created", image.created().seconds());
    Str(w, "Id", image.id());
    Key(w, "Labels");
    w.StartObject();
    for (const auto& [k, v] : Sorted(image.config().labels())) Str(w, k, v);
    w.EndObject();
    Str(w, "ParentId", "");
    StrArray(w, "RepoDigests", image.repo_digests());
    StrArray(w, "RepoTags", image.repo_tags());
    Int(w, "SharedSize", 0);
    Int(w, "Size", image.size());
    w.EndObject();
  }
  w.EndArray();
  Int(w, "LayersSize", layers_size);
  Key(w, "Containers");
  w.StartArray();
  for (const berth::v1::ContainerSummary& c : containers.containers()) {
    w.StartObject();
    Str(w, "Id", c.id());
    StrArray(w, "Names", c.names());
    Str(w, "Image", c.image());
    Str(w, "ImageID", c.image_id());
    Str(w, "Command", c.command());
    Int(w, "Created", c.created().seconds());
    Key(w, "Ports");
    w.StartArray();
    w.EndArray();
    Int(w, "SizeRw", c.size_rw());
    Int(w, "SizeRootFs", c.size_root_fs());
    Key(w, "Labels");
    w.StartObject();
    for (const auto& [k, v] : Sorted(c.labels())) Str(w, k, v);
    w.EndObject();
    Str(w, "State", c.state());
    Str(w, "Status", c.status());
    Key(w, "HostConfig");
    w.StartObject();
    Str(w, "NetworkMode", c.network_mode().empty() ? "default" : c.network_mode());
    w.EndObject();
    Key(w, "Mounts");
    w.StartArray();
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  Key(w, "Volumes");
  w.StartArray();
  w.EndArray();
  Key(w, "BuildCache");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace gateway
