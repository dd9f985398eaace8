#include "gateway/system/system_json.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/request.h"
#include "gateway/system/json_writer.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sdk/docker_json.h"

namespace gateway {
namespace {

using json::Bool;
using json::Int;
using json::Key;
using json::Str;
using json::StrArray;
using json::StrMap;
using json::Writer;

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
    StrMap(w, "Labels", image.config().labels());
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
    StrMap(w, "Labels", c.labels());
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
