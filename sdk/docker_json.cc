// Docker-shaped JSON documents for engine objects (see docker_json.h).

#include "sdk/docker_json.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "rapidjson/document.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sdk {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
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
  Key(w, "ConsoleSize");
  w->StartArray();
  w->Uint(h.console_height());
  w->Uint(h.console_width());
  w->EndArray();
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


template <typename Repeated>
void StrArray(Writer* w, const Repeated& values) {
  w->StartArray();
  for (const std::string& v : values) Str(w, v);
  w->EndArray();
}

// {"80/tcp": {}, ...} or null.
template <typename Repeated>
void SetObjectOrNull(Writer* w, const Repeated& keys) {
  if (keys.empty()) {
    w->Null();
    return;
  }
  w->StartObject();
  for (const std::string& k : keys) {
    Str(w, k);
    w->StartObject();
    w->EndObject();
  }
  w->EndObject();
}

void WriteImageConfig(Writer* w, const berth::v1::ImageConfig& c) {
  w->StartObject();
  Key(w, "Hostname"); w->String("");
  Key(w, "Domainname"); w->String("");
  Key(w, "User"); Str(w, c.user());
  Key(w, "AttachStdin"); w->Bool(false);
  Key(w, "AttachStdout"); w->Bool(false);
  Key(w, "AttachStderr"); w->Bool(false);
  if (!c.exposed_ports().empty()) {
    Key(w, "ExposedPorts");
    SetObjectOrNull(w, c.exposed_ports());
  }
  Key(w, "Tty"); w->Bool(false);
  Key(w, "OpenStdin"); w->Bool(false);
  Key(w, "StdinOnce"); w->Bool(false);
  Key(w, "Env"); StrArrayOrNull(w, c.env());
  Key(w, "Cmd"); StrArrayOrNull(w, c.cmd());
  if (c.args_escaped()) {
    Key(w, "ArgsEscaped"); w->Bool(true);
  }
  Key(w, "Image"); w->String("");
  Key(w, "Volumes"); SetObjectOrNull(w, c.volumes());
  Key(w, "WorkingDir"); Str(w, c.working_dir());
  Key(w, "Entrypoint"); StrArrayOrNull(w, c.entrypoint());
  Key(w, "OnBuild"); w->Null();
  Key(w, "Labels");
  if (c.labels().empty()) {
    w->Null();
  } else {
    // Sorted, as Go marshals maps.
    std::map<std::string, std::string> sorted(c.labels().begin(), c.labels().end());
    w->StartObject();
    for (const auto& [k, v] : sorted) {
      Str(w, k);
      Str(w, v);
    }
    w->EndObject();
  }
  if (!c.stop_signal().empty()) {
    Key(w, "StopSignal"); Str(w, c.stop_signal());
  }
  if (!c.shell().empty()) {
    Key(w, "Shell"); StrArray(w, c.shell());
  }
  w->EndObject();
}


}  // namespace

std::string Rfc3339Nano(const google::protobuf::Timestamp& ts) {
  absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string DockerContainerJson(const berth::v1::ContainerInfo& info) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  WriteContainer(&w, info);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string DockerImageJson(const berth::v1::Image& image) {
  rapidjson::StringBuffer buf;
  Writer writer(buf);
  Writer* w = &writer;
  const berth::v1::Image& img = image;
  w->StartObject();
  Key(w, "Id"); Str(w, img.id());
  Key(w, "RepoTags"); StrArray(w, img.repo_tags());
  Key(w, "RepoDigests"); StrArray(w, img.repo_digests());
  Key(w, "Parent"); w->String("");
  Key(w, "Comment"); Str(w, img.comment());
  Key(w, "Created");
  Str(w, img.has_created() ? Rfc3339Nano(img.created()) : "");
  Key(w, "DockerVersion"); w->String("");
  Key(w, "Author"); Str(w, img.author());
  Key(w, "Config"); WriteImageConfig(w, img.config());
  Key(w, "Architecture"); Str(w, img.architecture());
  if (!img.variant().empty()) {
    Key(w, "Variant"); Str(w, img.variant());
  }
  Key(w, "Os"); Str(w, img.os());
  Key(w, "Size"); w->Int64(img.size());
  Key(w, "GraphDriver");
  w->StartObject();
  Key(w, "Data"); w->Null();
  Key(w, "Name"); w->String("overlayfs");
  w->EndObject();
  Key(w, "RootFS");
  w->StartObject();
  Key(w, "Type"); w->String("layers");
  Key(w, "Layers"); StrArray(w, img.layers());
  w->EndObject();
  Key(w, "Metadata");
  w->StartObject();
  Key(w, "LastTagTime");
  Str(w, img.has_last_tag_time() ? Rfc3339Nano(img.last_tag_time())
                                     : "0001-01-01T00:00:00Z");
  w->EndObject();
  w->EndObject();

  return std::string(buf.GetString(), buf.GetSize());
}

std::string PrettyJsonArray(const std::vector<std::string>& objects) {
  if (objects.empty()) return "[]";
  std::string joined = absl::StrCat("[", absl::StrJoin(objects, ","), "]");
  rapidjson::Document doc;
  doc.Parse(joined.c_str(), joined.size());
  if (doc.HasParseError()) return joined;
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 4);
  doc.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sdk
