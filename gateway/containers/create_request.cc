#include "gateway/containers/create_request.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/containers/json_fields.h"
#include "sdk/volume_spec.h"

namespace gateway {
namespace {

absl::Status InvalidMount(absl::string_view type, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid mount config for type \"", type, "\": ", why));
}

// Copies `list` into `out` (a repeated string field).
template <typename Repeated>
void AddAll(const std::optional<std::vector<std::string>>& list, Repeated* out) {
  if (!list) return;
  for (const std::string& s : *list) out->Add()->assign(s);
}

// HostConfig.Mounts: [{Type, Source, Target, ReadOnly, BindOptions,
// TmpfsOptions, VolumeOptions}].
absl::Status AddApiMounts(JsonFields* host, berth::v1::HostConfig* h) {
  for (JsonFields& m : host->Objects("Mounts")) {
    std::string type = m.String("Type");
    berth::v1::Mount out;
    out.set_type(type);
    out.set_source(m.String("Source"));
    out.set_target(m.String("Target"));
    out.set_read_only(m.Bool("ReadOnly"));
    if (!m.status().ok()) return m.status();
    if (type != "bind" && type != "volume" && type != "tmpfs") {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid mount config: mount type unknown: \"", type, "\""));
    }
    if (out.target().empty()) return InvalidMount(type, "field Target must not be empty");
    if (out.target()[0] != '/') {
      return InvalidMount(type, absl::StrCat("invalid mount path: '", out.target(),
                                             "' mount path must be absolute"));
    }
    if (type == "bind") {
      if (out.source().empty()) return InvalidMount(type, "field Source must not be empty");
      if (out.source()[0] != '/') {
        return InvalidMount(type, absl::StrCat("invalid mount path: '", out.source(),
                                               "' mount path must be absolute"));
      }
      std::string propagation = m.Object("BindOptions").String("Propagation");
      if (!propagation.empty()) out.add_options(propagation);
    } else if (type == "tmpfs") {
      if (!out.source().empty()) return InvalidMount(type, "field Source must be empty");
      JsonFields tmpfs = m.Object("TmpfsOptions");
      int64_t size = tmpfs.Int("SizeBytes");
      int64_t mode = tmpfs.Int("Mode");
      if (size < 0) return InvalidMount(type, "tmpfs size must not be negative");
      if (size > 0) out.add_options(absl::StrCat("size=", size));
      if (mode != 0) out.add_options(absl::StrFormat("mode=%o", mode));
    } else if (m.Object("VolumeOptions").Bool("NoCopy")) {
      out.add_options("nocopy");
    }
    if (!m.status().ok()) return m.status();
    *h->add_mounts() = std::move(out);
  }
  return absl::OkStatus();
}

// HostConfig.Resources (flattened into HostConfig by Docker).
void ReadResources(JsonFields* host, berth::v1::Resources* r) {
  r->set_memory(host->Int("Memory"));
  r->set_memory_swap(host->Int("MemorySwap"));
  r->set_nano_cpus(host->Int("NanoCpus"));
  r->set_cpu_shares(host->Int("CpuShares"));
  r->set_cpu_period(host->Int("CpuPeriod"));
  r->set_cpu_quota(host->Int("CpuQuota"));
  r->set_cpuset_cpus(host->String("CpusetCpus"));
  if (std::optional<int64_t> pids = host->OptionalInt("PidsLimit")) r->set_pids_limit(*pids);
  r->set_oom_kill_disable(host->Bool("OomKillDisable"));
  for (JsonFields& u : host->Objects("Ulimits")) {
    berth::v1::Ulimit* out = r->add_ulimits();
    out->set_name(u.String("Name"));
    out->set_soft(u.Int("Soft"));
    out->set_hard(u.Int("Hard"));
  }
}

// NetworkMode and the other network settings. Berth has a container's own
// network namespace (Docker's "bridge" and "default" map to it), "host" and
// "none".
absl::Status ReadNetwork(JsonFields* config, JsonFields* host, berth::v1::HostConfig* h) {
  std::string mode = host->String("NetworkMode");
  if (config->Bool("NetworkDisabled")) mode = "none";
  if (mode.empty() || mode == "default" || mode == "bridge") {
    h->set_network_mode("");
  } else if (mode == "host" || mode == "none") {
    h->set_network_mode(mode);
  } else if (absl::StartsWith(mode, "container:")) {
    return absl::UnimplementedError(absl::StrCat(
        "network mode \"", mode, "\" is not supported by Berth yet: use the default, "
        "\"host\" or \"none\""));
  } else {
    return absl::UnimplementedError(absl::StrCat(
        "network ", mode, " is not available: Berth has no user-defined networks yet "
        "(use the default, \"host\" or \"none\")"));
  }
  AddAll(host->Strings("Dns"), h->mutable_dns());
  AddAll(host->Strings("ExtraHosts"), h->mutable_extra_hosts());

  const rapidjson::Value* ports = host->Find("PortBindings");
  if (ports != nullptr && ports->IsObject()) {
    std::vector<std::string> published;
    for (auto it = ports->MemberBegin(); it != ports->MemberEnd(); ++it) {
      if (it->value.IsArray() && !it->value.Empty()) published.push_back(it->name.GetString());
    }
    if (!published.empty()) {
      return absl::UnimplementedError(
          absl::StrCat("port publishing is not supported by Berth yet (ports ",
                       absl::StrJoin(published, ", "), ")"));
    }
  } else if (ports != nullptr) {
    host->Fail(absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON: json: cannot unmarshal ", JsonTypeName(*ports),
        " into Go struct field HostConfig.PortBindings of type nat.PortMap")));
  }
  if (host->Bool("PublishAllPorts") && !config->Keys("ExposedPorts").empty()) {
    return absl::UnimplementedError("port publishing is not supported by Berth yet (-P)");
  }
  return absl::OkStatus();
}

absl::Status ReadRestartAndLogs(JsonFields* host, berth::v1::HostConfig* h) {
  std::string policy = host->Object("RestartPolicy").String("Name");
  if (policy == "always" || policy == "unless-stopped" || policy == "on-failure") {
    return absl::UnimplementedError(absl::StrCat(
        "restart policy \"", policy, "\" is not supported by Berth yet: only \"no\""));
  }
  if (!policy.empty() && policy != "no") {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid restart policy: unknown policy '", policy,
        "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"));
  }
  JsonFields log = host->Object("LogConfig");
  std::string type = log.String("Type");
  std::map<std::string, std::string> options = log.StringMap("Config");
  if (!type.empty() && type != "json-file" && type != "none") {
    return absl::InvalidArgumentError(
        absl::StrCat("logger: no log driver named '", type, "' is registered"));
  }
  if (!type.empty() || !options.empty()) {
    berth::v1::LogConfig* lc = h->mutable_log_config();
    lc->set_type(type);
    for (auto& [k, v] : options) (*lc->mutable_config())[k] = v;
  }
  return absl::OkStatus();
}

void CollectWarnings(JsonFields* config, JsonFields* host, std::vector<std::string>* out) {
  std::optional<std::vector<std::string>> test = config->Object("Healthcheck").Strings("Test");
  if (test && !test->empty() && (*test)[0] != "NONE") {
    out->push_back("Berth does not run health checks yet: the Healthcheck is ignored");
  }
  for (const char* field : {"Devices", "Links", "VolumesFrom", "DeviceRequests"}) {
    const rapidjson::Value* v = host->Find(field);
    if (v != nullptr && v->IsArray() && !v->Empty()) {
      out->push_back(absl::StrCat("Berth does not support HostConfig.", field,
                                  " yet: the setting is ignored"));
    }
  }
  if (!host->StringMap("Sysctls").empty()) {
    out->push_back("Berth does not support HostConfig.Sysctls yet: the setting is ignored");
  }
}

absl::Status ReadPlatform(absl::string_view platform, berth::v1::CreateContainerRequest* req) {
  if (platform.empty()) return absl::OkStatus();
  std::vector<std::string> parts = absl::StrSplit(platform, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", platform, "\": unknown operating system or architecture: invalid argument"));
  }
  req->mutable_platform()->set_os(absl::AsciiStrToLower(parts[0]));
  req->mutable_platform()->set_architecture(absl::AsciiStrToLower(parts[1]));
  if (parts.size() == 3) req->mutable_platform()->set_variant(parts[2]);
  return absl::OkStatus();
}

}  // namespace


absl::Status CheckJsonContentType(absl::string_view content_type, bool has_body) {
  absl::string_view ct = absl::StripAsciiWhitespace(content_type);
  if (ct.empty() && !has_body) return absl::OkStatus();
  absl::string_view media = absl::StripAsciiWhitespace(ct.substr(0, ct.find(';')));
  if (absl::EqualsIgnoreCase(media, "application/json")) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported Content-Type header (", content_type, "): must be 'application/json'"));
}

absl::StatusOr<DockerCreate> TranslateCreate(const rapidjson::Value& body,
                                             absl::string_view name,
                                             absl::string_view platform) {
  DockerCreate out;
  berth::v1::CreateContainerRequest& req = out.request;
  req.set_name(std::string(absl::StripPrefix(name, "/")));
  if (absl::Status s = ReadPlatform(platform, &req); !s.ok()) return s;

  JsonFields config(&body, "");
  JsonFields host = config.Object("HostConfig");
  berth::v1::ContainerConfig& c = *req.mutable_config();
  berth::v1::HostConfig& h = *req.mutable_host_config();

  c.set_image(config.String("Image"));
  std::optional<std::vector<std::string>> cmd = config.Strings("Cmd", true);
  AddAll(cmd, c.mutable_cmd());
  if (std::optional<std::vector<std::string>> ep = config.Strings("Entrypoint", true)) {
    berth::v1::StringList* list = c.mutable_entrypoint();
    // [""] resets the image's entrypoint; [] does too, but then Docker still
    // takes the image's Cmd when the request has none.
    if (!(ep->size() == 1 && (*ep)[0].empty())) AddAll(ep, list->mutable_values());
    out.use_image_cmd = ep->empty() && c.cmd().empty();
  }
  AddAll(config.Strings("Env"), c.mutable_env());
  c.set_working_dir(config.String("WorkingDir"));
  c.set_user(config.String("User"));
  c.set_tty(config.Bool("Tty"));
  c.set_open_stdin(config.Bool("OpenStdin"));
  c.set_stdin_once(config.Bool("StdinOnce"));
  c.set_attach_stdin(config.Bool("AttachStdin"));
  c.set_attach_stdout(config.Bool("AttachStdout"));
  c.set_attach_stderr(config.Bool("AttachStderr"));
  for (auto& [k, v] : config.StringMap("Labels")) (*c.mutable_labels())[k] = v;
  c.set_hostname(config.String("Hostname"));
  c.set_domainname(config.String("Domainname"));
  c.set_stop_signal(config.String("StopSignal"));
  if (std::optional<int64_t> t = config.OptionalInt("StopTimeout")) {
    c.set_stop_timeout(static_cast<int32_t>(*t));
    c.set_has_stop_timeout(true);
  }
  for (const std::string& v : config.Keys("Volumes")) c.add_volumes(v);

  if (std::optional<std::vector<std::string>> binds = host.Strings("Binds")) {
    for (const std::string& b : *binds) {
      absl::StatusOr<berth::v1::Mount> m = sdk::ParseVolumeSpec(b);
      if (!m.ok()) return m.status();
      if (m->type() == "volume" && m->source().empty()) {
        c.add_volumes(m->target());
      } else {
        *h.add_mounts() = *std::move(m);
      }
    }
  }
  if (absl::Status s = AddApiMounts(&host, &h); !s.ok()) return s;
  for (auto& [target, options] : host.StringMap("Tmpfs")) {
    berth::v1::Mount* m = h.add_mounts();
    m->set_type("tmpfs");
    m->set_target(target);
    for (absl::string_view opt : absl::StrSplit(options, ',', absl::SkipEmpty())) {
      if (opt == "ro") m->set_read_only(true);
      m->add_options(std::string(opt));
    }
  }

  ReadResources(&host, h.mutable_resources());
  h.set_privileged(host.Bool("Privileged"));
  h.set_read_only(host.Bool("ReadonlyRootfs"));
  h.set_init(host.Bool("Init"));
  h.set_auto_remove(host.Bool("AutoRemove"));
  AddAll(host.Strings("CapAdd"), h.mutable_cap_add());
  AddAll(host.Strings("CapDrop"), h.mutable_cap_drop());
  AddAll(host.Strings("SecurityOpt"), h.mutable_security_opt());
  AddAll(host.Strings("GroupAdd"), h.mutable_group_add());
  h.set_shm_size(host.Int("ShmSize"));
  // ConsoleSize: [height, width] (API 1.42), the TTY's size from the start.
  if (const rapidjson::Value* size = host.Find("ConsoleSize")) {
    if (!size->IsArray() || size->Size() != 2 || !(*size)[0].IsUint() || !(*size)[1].IsUint()) {
      host.Fail(absl::InvalidArgumentError(
          "invalid JSON: HostConfig.ConsoleSize must be [height, width]"));
    } else {
      h.set_console_height((*size)[0].GetUint());
      h.set_console_width((*size)[1].GetUint());
    }
  }
  if (!config.status().ok()) return config.status();

  if (absl::Status s = ReadNetwork(&config, &host, &h); !s.ok()) return s;
  if (absl::Status s = ReadRestartAndLogs(&host, &h); !s.ok()) return s;
  CollectWarnings(&config, &host, &out.warnings);
  if (!config.status().ok()) return config.status();
  return out;
}

}  // namespace gateway
