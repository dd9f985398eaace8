// ContainerInspectJson(): the container `inspect` document (declared in
// container_format.h), in the shape of Docker's ContainerJSON.

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/container_format.h"
#include "cli/image_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rapidjson/document.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/writer.h"
#include "rapidjson/stringbuffer.h"

namespace cli {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

void Str(Writer* w, const std::string& s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Key(Writer* w, const char* key) { w->Key(key); }

template <typename Repeated>
void StrArrayOrNull(Writer* w, const Repeated& values) {
  if (values.empty()) {
    w->Null();
    return;
  }
  w->StartArray();
  for (const std::string& v : values) Str(w, v);
  w->EndArray();
}

template <typename Map>
void StrMapOrNull(Writer* w, const Map& map, bool null_if_empty) {
  if (map.empty() && null_if_empty) {
    w->Null();
    return;
  }
  std::map<std::string, std::string> sorted(map.begin(), map.end());
  w->StartObject();
  for (const auto& [k, v] : sorted) {
    Str(w, k);
    Str(w, v);
  }
  w->EndObject();
}

std::string Time(const google::protobuf::Timestamp& ts, bool has) {
  if (!has || (ts.seconds() == 0 && ts.nanos() == 0)) return kZeroTime;
  return Rfc3339Nano(ts);
}

void WriteState(Writer* w, const berth::v1::ContainerState& s) {
  w->StartObject();
  Key(w, "Status"); Str(w, s.status());
  Key(w, "Running"); w->Bool(s.running());
  Key(w, "Paused"); w->Bool(s.paused());
  Key(w, "Restarting"); w->Bool(s.restarting());
  Key(w, "OOMKilled"); w->Bool(s.oom_killed());
  Key(w, "Dead"); w->Bool(s.dead());
  Key(w, "Pid"); w->Int64(s.pid());
  Key(w, "ExitCode"); w->Int64(s.exit_code());
  Key(w, "Error"); Str(w, s.error());
  Key(w, "StartedAt"); Str(w, Time(s.started_at(), s.has_started_at()));
  Key(w, "FinishedAt"); Str(w, Time(s.finished_at(), s.has_finished_at()));
  w->EndObject();
}

void WriteHostConfig(Writer* w, const berth::v1::HostConfig& h) {
  const berth::v1::Resources& r = h.resources();
  std::vector<std::string> binds;
  for (const auto& m : h.mounts()) {
    if (m.type() != "bind") continue;
    std::string bind = absl::StrCat(m.source(), ":", m.target());
    std::vector<std::string> opts;
    if (m.read_only()) opts.push_back("ro");
    for (const auto& o : m.options()) opts.push_back(o);
    if (!opts.empty()) absl::StrAppend(&bind, ":", absl::StrJoin(opts, ","));
    binds.push_back(bind);
  }
  w->StartObject();
  Key(w, "Binds"); StrArrayOrNull(w, binds);
  Key(w, "ContainerIDFile"); w->String("");
  Key(w, "LogConfig");
  w->StartObject();
  Key(w, "Type");
  Str(w, h.log_config().type().empty() ? "json-file" : h.log_config().type());
  Key(w, "Config"); StrMapOrNull(w, h.log_config().config(), false);
  w->EndObject();
  Key(w, "NetworkMode"); Str(w, h.network_mode().empty() ? "default" : h.network_mode());
  Key(w, "PortBindings"); w->StartObject(); w->EndObject();
  Key(w, "RestartPolicy");
  w->StartObject();
  Key(w, "Name"); w->String("no");
  Key(w, "MaximumRetryCount"); w->Int(0);
  w->EndObject();
  Key(w, "AutoRemove"); w->Bool(h.auto_remove());
  Key(w, "VolumeDriver"); w->String("");
  Key(w, "VolumesFrom"); w->Null();
  Key(w, "CapAdd"); StrArrayOrNull(w, h.cap_add());
  Key(w, "CapDrop"); StrArrayOrNull(w, h.cap_drop());
  Key(w, "Dns"); w->StartArray(); for (const auto& d : h.dns()) Str(w, d); w->EndArray();
  Key(w, "ExtraHosts"); StrArrayOrNull(w, h.extra_hosts());
  Key(w, "GroupAdd"); StrArrayOrNull(w, h.group_add());
  Key(w, "IpcMode"); w->String("private");
  Key(w, "Privileged"); w->Bool(h.privileged());
  Key(w, "ReadonlyRootfs"); w->Bool(h.read_only());
  Key(w, "SecurityOpt"); StrArrayOrNull(w, h.security_opt());
  Key(w, "ShmSize"); w->Int64(h.shm_size() > 0 ? h.shm_size() : 64 << 20);
  Key(w, "Runtime"); w->String("berth");
  Key(w, "CpuShares"); w->Int64(r.cpu_shares());
  Key(w, "Memory"); w->Int64(r.memory());
  Key(w, "NanoCpus"); w->Int64(r.nano_cpus());
  Key(w, "CpuPeriod"); w->Int64(r.cpu_period());
  Key(w, "CpuQuota"); w->Int64(r.cpu_quota());
  Key(w, "CpusetCpus"); Str(w, r.cpuset_cpus());
  Key(w, "MemorySwap"); w->Int64(r.memory_swap());
  Key(w, "OomKillDisable"); w->Bool(r.oom_kill_disable());
  Key(w, "PidsLimit");
  if (r.pids_limit() == 0) {
    w->Null();
  } else {
    w->Int64(r.pids_limit());
  }
  Key(w, "Ulimits");
  if (r.ulimits().empty()) {
    w->Null();
  } else {
    w->StartArray();
    for (const auto& u : r.ulimits()) {
      w->StartObject();
      Key(w, "Name"); Str(w, u.name());
      Key(w, "Hard"); w->Int64(u.hard());
      Key(w, "Soft"); w->Int64(u.soft());
      w->EndObject();
    }
    w->EndArray();
  }
  Key(w, "Tmpfs");
  bool any_tmpfs = false;
  for (const auto& m : h.mounts()) any_tmpfs = any_tmpfs || m.type() == "tmpfs";
  if (!any_tmpfs) {
    w->Null();
  } else {
    w->StartObject();
    for (const auto& m : h.mounts()) {
      if (m.type() != "tmpfs") continue;
      Str(w, m.target());
      Str(w, absl::StrJoin(m.options(), ","));
    }
    w->EndObject();
  }
  Key(w, "Init"); w->Bool(h.init());
  w->EndObject();
}

void WriteConfig(Writer* w, const berth::v1::ContainerConfig& c) {
  w->StartObject();
  Key(w, "Hostname"); Str(w, c.hostname());
  Key(w, "Domainname"); Str(w, c.domainname());
  Key(w, "User"); Str(w, c.user());
  Key(w, "AttachStdin"); w->Bool(c.attach_stdin());
  Key(w, "AttachStdout"); w->Bool(c.attach_stdout());
  Key(w, "AttachStderr"); w->Bool(c.attach_stderr());
  Key(w, "Tty"); w->Bool(c.tty());
  Key(w, "OpenStdin"); w->Bool(c.open_stdin());
  Key(w, "StdinOnce"); w->Bool(c.stdin_once());
  Key(w, "Env"); StrArrayOrNull(w, c.env());
  Key(w, "Cmd"); StrArrayOrNull(w, c.cmd());
  Key(w, "Image"); Str(w, c.image());
  Key(w, "Volumes");
  if (c.volumes().empty()) {
    w->Null();
  } else {
    w->StartObject();
    for (const auto& v : c.volumes()) {
      Str(w, v);
      w->StartObject();
      w->EndObject();
    }
    w->EndObject();
  }
  Key(w, "WorkingDir"); Str(w, c.working_dir());
  Key(w, "Entrypoint"); StrArrayOrNull(w, c.entrypoint().values());
  Key(w, "OnBuild"); w->Null();
  Key(w, "Labels"); StrMapOrNull(w, c.labels(), false);
  if (!c.stop_signal().empty()) {
    Key(w, "StopSignal"); Str(w, c.stop_signal());
  }
  if (c.has_stop_timeout()) {
    Key(w, "StopTimeout"); w->Int(c.stop_timeout());
  }
  w->EndObject();
}

void WriteMounts(Writer* w, const berth::v1::ContainerInfo& info) {
  w->StartArray();
  for (const auto& m : info.mounts()) {
    w->StartObject();
    Key(w, "Type"); Str(w, m.type());
    if (!m.name().empty()) {
      Key(w, "Name"); Str(w, m.name());
    }
    Key(w, "Source"); Str(w, m.source());
    Key(w, "Destination"); Str(w, m.destination());
    if (m.type() == "volume") {
      Key(w, "Driver"); w->String("local");
    }
    Key(w, "Mode"); Str(w, m.mode());
    Key(w, "RW"); w->Bool(m.rw());
    Key(w, "Propagation"); Str(w, m.propagation());
    w->EndObject();
  }
  w->EndArray();
}

void WriteContainer(Writer* w, const berth::v1::ContainerInfo& c) {
  w->StartObject();
  Key(w, "Id"); Str(w, c.id());
  Key(w, "Created"); Str(w, Time(c.created(), c.has_created()));
  Key(w, "Path"); Str(w, c.path());
  Key(w, "Args");
  w->StartArray();
  for (const auto& a : c.args()) Str(w, a);
  w->EndArray();
  Key(w, "State"); WriteState(w, c.state());
  Key(w, "Image"); Str(w, c.image());
  Key(w, "ResolvConfPath"); Str(w, c.resolv_conf_path());
  Key(w, "HostnamePath"); Str(w, c.hostname_path());
  Key(w, "HostsPath"); Str(w, c.hosts_path());
  Key(w, "LogPath"); Str(w, c.log_path());
  Key(w, "Name"); Str(w, c.name());
  Key(w, "RestartCount"); w->Int64(c.restart_count());
  Key(w, "Driver"); Str(w, c.driver().empty() ? "overlayfs" : c.driver());
  Key(w, "Platform"); Str(w, c.platform().empty() ? "linux" : c.platform());
  Key(w, "MountLabel"); w->String("");
  Key(w, "ProcessLabel"); w->String("");
  Key(w, "AppArmorProfile"); w->String("");
  Key(w, "ExecIDs"); StrArrayOrNull(w, c.exec_ids());
  Key(w, "HostConfig"); WriteHostConfig(w, c.host_config());
  Key(w, "GraphDriver");
  w->StartObject();
  Key(w, "Data"); StrMapOrNull(w, c.graph_driver_data(), true);
  Key(w, "Name"); Str(w, c.driver().empty() ? "overlayfs" : c.driver());
  w->EndObject();
  if (c.size_rw() > 0 || c.size_root_fs() > 0) {
    Key(w, "SizeRw"); w->Int64(c.size_rw());
    Key(w, "SizeRootFs"); w->Int64(c.size_root_fs());
  }
  Key(w, "Mounts"); WriteMounts(w, c);
  Key(w, "Config"); WriteConfig(w, c.config());
  Key(w, "NetworkSettings");
  w->StartObject();
  Key(w, "Networks");
  w->StartObject();
  std::string mode = c.host_config().network_mode();
  if (mode == "host" || mode == "none") {
    Str(w, mode);
    w->StartObject();
    w->EndObject();
  }
  w->EndObject();
  w->EndObject();
  w->EndObject();
}

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
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 4);
  w.StartArray();
  for (const auto& c : containers) WriteContainer(&w, c);
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace cli
