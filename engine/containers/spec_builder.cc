#include "engine/containers/spec_builder.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/base/status_macros.h"
#include "engine/containers/rootfs_files.h"
#include "engine/containers/seccomp_profile.h"
#include "engine/containers/spec_internal.h"
#include "engine/containers/user_lookup.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace engine {
namespace containers {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kReadonlyPaths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
constexpr const char* kRlimits[] = {
    "as",     "core",   "cpu",    "data",       "fsize",  "locks",  "memlock", "msgqueue",
    "nice",   "nofile", "nproc",  "rss",        "rtprio", "rttime", "sigpending", "stack",
};
constexpr int64_t kMinMemory = 6 * 1024 * 1024;

void Str(Writer* w, absl::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void Key(Writer* w, absl::string_view s) {
  w->Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void Strings(Writer* w, const std::vector<std::string>& v) {
  w->StartArray();
  for (const std::string& s : v) Str(w, s);
  w->EndArray();
}

struct Rlimit {
  std::string type;
  uint64_t soft, hard;
};

absl::StatusOr<std::vector<Rlimit>> Rlimits(const berth::v1::Resources& r) {
  // Without --ulimit a container inherits its shim's limits, which are
  // berthd's (as Docker's inherit containerd's): raising them needs
  // CAP_SYS_RESOURCE, which a daemon in a restricted environment lacks.
  std::map<std::string, Rlimit> by_type;
  for (const berth::v1::Ulimit& u : r.ulimits()) {
    std::string name = absl::AsciiStrToLower(u.name());
    if (std::find(std::begin(kRlimits), std::end(kRlimits), name) == std::end(kRlimits)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid ulimit type: ", u.name()));
    }
    if (u.soft() > u.hard() && u.hard() >= 0) {
      return absl::InvalidArgumentError(absl::StrCat("ulimit soft limit must be less than or equal "
                                                     "to hard limit: ", u.soft(), " > ",
                                                     u.hard()));
    }
    // -1 is "unlimited" (RLIM_INFINITY).
    auto value = [](int64_t v) { return v < 0 ? ~uint64_t{0} : static_cast<uint64_t>(v); };
    std::string type = absl::StrCat("RLIMIT_", absl::AsciiStrToUpper(name));
    by_type[type] = Rlimit{type, value(u.soft()), value(u.hard())};
  }
  std::vector<Rlimit> out;
  for (auto& [type, limit] : by_type) out.push_back(std::move(limit));
  return out;
}

absl::Status WriteResources(const ContainerRecord& record, Writer* w) {
  const berth::v1::HostConfig& host = record.host_config();
  const berth::v1::Resources& r = host.resources();
  if (r.memory() != 0 && r.memory() < kMinMemory) {
    return absl::InvalidArgumentError("Minimum memory limit allowed is 6MB");
  }
  int64_t swap = r.memory_swap();
  if (r.memory() > 0 && swap == 0) swap = 2 * r.memory();  // Docker's default
  if (r.memory() > 0 && swap > 0 && swap < r.memory()) {
    return absl::InvalidArgumentError(
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (r.memory() == 0 && swap > 0) {
    return absl::InvalidArgumentError(
        "You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (r.nano_cpus() != 0 && (r.cpu_quota() != 0 || r.cpu_period() != 0)) {
    return absl::InvalidArgumentError(
        "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set");
  }
  if (r.nano_cpus() < 0) return absl::InvalidArgumentError("Range of CPUs must be positive");

  Key(w, "resources");
  w->StartObject();
  Key(w, "devices");
  w->StartArray();
  auto device = [&](bool allow, const char* type, int64_t major, int64_t minor,
                    const char* access) {
    w->StartObject();
    Key(w, "allow");
    w->Bool(allow);
    if (type != nullptr) {
      Key(w, "type");
      w->String(type);
    }
    if (major >= 0) {
      Key(w, "major");
      w->Int64(major);
    }
    if (minor >= 0) {
      Key(w, "minor");
      w->Int64(minor);
    }
    Key(w, "access");
    w->String(access);
    w->EndObject();
  };
  if (host.privileged()) {
    device(true, nullptr, -1, -1, "rwm");
  } else {
    device(false, nullptr, -1, -1, "rwm");
    device(true, "c", -1, -1, "m");   // mknod of anything, no read/write
    device(true, "b", -1, -1, "m");
    for (auto [major, minor] : {std::make_pair(1, 3), std::make_pair(1, 5), std::make_pair(1, 7),
                                std::make_pair(1, 8), std::make_pair(1, 9), std::make_pair(5, 0),
                                std::make_pair(5, 1), std::make_pair(5, 2),
                                std::make_pair(10, 200)}) {
      device(true, "c", major, minor, "rwm");
    }
    device(true, "c", 136, -1, "rwm");  // pts
  }
  w->EndArray();
  if (r.memory() > 0 || swap != 0 || r.oom_kill_disable()) {
    Key(w, "memory");
    w->StartObject();
    if (r.memory() > 0) {
      Key(w, "limit");
      w->Int64(r.memory());
    }
    if (swap != 0) {
      Key(w, "swap");
      w->Int64(swap);
    }
    if (r.oom_kill_disable()) {
      Key(w, "disableOOMKiller");
      w->Bool(true);
    }
    w->EndObject();
  }
  int64_t period = r.cpu_period(), quota = r.cpu_quota();
  if (r.nano_cpus() > 0) {
    period = 100000;
    quota = r.nano_cpus() * period / 1000000000;
  }
  if (r.cpu_shares() != 0 || period != 0 || quota != 0 || !r.cpuset_cpus().empty()) {
    Key(w, "cpu");
    w->StartObject();
    if (r.cpu_shares() != 0) {
      Key(w, "shares");
      w->Uint64(static_cast<uint64_t>(r.cpu_shares()));
    }
    if (quota != 0) {
      Key(w, "quota");
      w->Int64(quota);
    }
    if (period != 0) {
      Key(w, "period");
      w->Uint64(static_cast<uint64_t>(period));
    }
    if (!r.cpuset_cpus().empty()) {
      Key(w, "cpus");
      Str(w, r.cpuset_cpus());
    }
    w->EndObject();
  }
  if (r.pids_limit() > 0) {
    Key(w, "pids");
    w->StartObject();
    Key(w, "limit");
    w->Int64(r.pids_limit());
    w->EndObject();
  }
  w->EndObject();
  return absl::OkStatus();
}

// Everything the process object needs, resolved.
struct ProcessSpec {
  bool terminal = false;
  uint32_t console_height = 0, console_width = 0;  // 0 = unset
  ExecUser user;
  std::vector<std::string> args, env, caps;
  std::string cwd;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
};

void WriteProcess(const ProcessSpec& p, Writer* w) {
  w->StartObject();
  Key(w, "terminal");
  w->Bool(p.terminal);
  if (p.terminal && p.console_height > 0 && p.console_width > 0) {
    Key(w, "consoleSize");
    w->StartObject();
    Key(w, "height");
    w->Uint(p.console_height);
    Key(w, "width");
    w->Uint(p.console_width);
    w->EndObject();
  }
  Key(w, "user");
  w->StartObject();
  Key(w, "uid");
  w->Uint(p.user.uid);
  Key(w, "gid");
  w->Uint(p.user.gid);
  if (!p.user.additional_gids.empty()) {
    Key(w, "additionalGids");
    w->StartArray();
    for (uint32_t g : p.user.additional_gids) w->Uint(g);
    w->EndArray();
  }
  w->EndObject();
  Key(w, "args");
  Strings(w, p.args);
  Key(w, "env");
  Strings(w, p.env);
  Key(w, "cwd");
  Str(w, p.cwd);
  Key(w, "capabilities");
  w->StartObject();
  for (const char* set : {"bounding", "effective", "permitted"}) {
    Key(w, set);
    Strings(w, p.caps);
  }
  w->EndObject();
  Key(w, "rlimits");
  w->StartArray();
  for (const Rlimit& r : p.rlimits) {
    w->StartObject();
    Key(w, "type");
    Str(w, r.type);
    Key(w, "hard");
    w->Uint64(r.hard);
    Key(w, "soft");
    w->Uint64(r.soft);
    w->EndObject();
  }
  w->EndArray();
  Key(w, "noNewPrivileges");
  w->Bool(p.no_new_privileges);
  Key(w, "oomScoreAdj");
  w->Int(0);
  w->EndObject();
}

absl::StatusOr<SecurityOptions> RecordSecurity(const ContainerRecord& record) {
  const auto& opts = record.host_config().security_opt();
  return ParseSecurityOptions(std::vector<std::string>(opts.begin(), opts.end()));
}

std::vector<std::string> GroupAdd(const ContainerRecord& record) {
  const auto& g = record.host_config().group_add();
  return std::vector<std::string>(g.begin(), g.end());
}

}  // namespace

absl::StatusOr<std::string> BuildSpec(const ContainerRecord& record,
                                      const registry::ImageConfig& image,
                                      const SpecPaths& paths) {
  const berth::v1::ContainerConfig& config = record.config();
  const berth::v1::HostConfig& host = record.host_config();
  std::string hostname = EffectiveHostname(record);

  ProcessSpec process;
  process.terminal = config.tty();
  process.console_height = host.console_height();
  process.console_width = host.console_width();
  ASSIGN_OR_RETURN(process.args, MergedArgs(config, image));
  process.env = MergedEnv(config, image, hostname);
  ASSIGN_OR_RETURN(process.cwd, WorkingDir(config.working_dir(), image, paths.rootfs));
  std::string user = config.user().empty() ? image.config.user : config.user();
  ASSIGN_OR_RETURN(process.user, ResolveUser(paths.rootfs, user, GroupAdd(record)));
  AddDefaultHome(&process.env, process.user.home);
  ASSIGN_OR_RETURN(process.caps, ContainerCapabilities(host));
  ASSIGN_OR_RETURN(process.rlimits, Rlimits(host.resources()));
  ASSIGN_OR_RETURN(SecurityOptions security, RecordSecurity(record));
  process.no_new_privileges = security.no_new_privileges;

  // Seccomp: the default profile unless unconfined; privileged containers
  // only get one they asked for.
  std::string seccomp;
  if (!security.seccomp_unconfined &&
      (!host.privileged() || !security.seccomp_profile_json.empty())) {
    SeccompProfile custom;
    const SeccompProfile* profile = &DefaultSeccompProfile();
    if (!security.seccomp_profile_json.empty()) {
      ASSIGN_OR_RETURN(custom, ParseSeccompProfile(security.seccomp_profile_json));
      profile = &custom;
    }
    seccomp = ToOciSeccomp(*profile, HostSeccompContext(process.caps));
  }
  ASSIGN_OR_RETURN(std::vector<internal::MountSpec> mounts, internal::AllMounts(record, paths));

  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Key(&w, "ociVersion");
  w.String("1.0.2");
  Key(&w, "process");
  WriteProcess(process, &w);
  Key(&w, "root");
  w.StartObject();
  Key(&w, "path");
  Str(&w, paths.rootfs);
  Key(&w, "readonly");
  w.Bool(host.read_only());
  w.EndObject();
  Key(&w, "hostname");
  Str(&w, hostname);
  if (!config.domainname().empty()) {
    Key(&w, "domainname");
    Str(&w, config.domainname());
  }
  Key(&w, "mounts");
  w.StartArray();
  for (const internal::MountSpec& m : mounts) {
    w.StartObject();
    Key(&w, "destination");
    Str(&w, m.destination);
    Key(&w, "type");
    Str(&w, m.type);
    Key(&w, "source");
    Str(&w, m.source);
    Key(&w, "options");
    Strings(&w, m.options);
    w.EndObject();
  }
  w.EndArray();
  Key(&w, "annotations");
  w.StartObject();
  if (host.init()) {
    Key(&w, "berth.init");
    w.String("true");
  }
  w.EndObject();

  Key(&w, "linux");
  w.StartObject();
  RETURN_IF_ERROR(WriteResources(record, &w));
  Key(&w, "cgroupsPath");
  Str(&w, absl::StrCat("/berth/", record.id()));
  bool host_network = host.network_mode() == "host";
  Key(&w, "namespaces");
  w.StartArray();
  for (const char* ns : {"pid", "ipc", "uts", "mount", "cgroup", "network"}) {
    if (host_network && absl::string_view(ns) == "network") continue;
    w.StartObject();
    Key(&w, "type");
    w.String(ns);
    w.EndObject();
  }
  w.EndArray();
  if (!host_network) {
    Key(&w, "sysctl");
    w.StartObject();
    Key(&w, "net.ipv4.ping_group_range");
    w.String("0 2147483647");
    Key(&w, "net.ipv4.ip_unprivileged_port_start");
    w.String("0");
    w.EndObject();
  }
  if (!host.privileged()) {
    Key(&w, "maskedPaths");
    Strings(&w, internal::MaskedPaths());
    Key(&w, "readonlyPaths");
    Strings(&w, std::vector<std::string>(std::begin(kReadonlyPaths), std::end(kReadonlyPaths)));
  }
  if (!seccomp.empty()) {
    Key(&w, "seccomp");
    w.RawValue(seccomp.data(), seccomp.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<std::string> BuildExecProcess(const ContainerRecord& record,
                                             const registry::ImageConfig& image,
                                             const berth::v1::ExecCreateRequest& exec,
                                             absl::string_view rootfs) {
  if (exec.cmd().empty()) return absl::InvalidArgumentError("No exec command specified");
  const berth::v1::ContainerConfig& config = record.config();
  const berth::v1::HostConfig& host = record.host_config();
  ProcessSpec process;
  process.terminal = exec.tty();
  process.args.assign(exec.cmd().begin(), exec.cmd().end());
  // The container's environment (TERM follows the exec's tty), then the exec's.
  berth::v1::ContainerConfig env_config = config;
  env_config.set_tty(exec.tty());
  env_config.mutable_env()->Add(exec.env().begin(), exec.env().end());
  process.env = MergedEnv(env_config, image, EffectiveHostname(record));
  ASSIGN_OR_RETURN(process.cwd,
                   WorkingDir(exec.working_dir().empty() ? config.working_dir() : exec.working_dir(),
                              image, rootfs));
  std::string user = !exec.user().empty()    ? exec.user()
                     : !config.user().empty() ? config.user()
                                              : image.config.user;
  ASSIGN_OR_RETURN(process.user, ResolveUser(rootfs, user, GroupAdd(record)));
  AddDefaultHome(&process.env, process.user.home);
  berth::v1::HostConfig caps_host = host;
  if (exec.privileged()) caps_host.set_privileged(true);
  ASSIGN_OR_RETURN(process.caps, ContainerCapabilities(caps_host));
  ASSIGN_OR_RETURN(process.rlimits, Rlimits(host.resources()));
  ASSIGN_OR_RETURN(SecurityOptions security, RecordSecurity(record));
  process.no_new_privileges = security.no_new_privileges;

  rapidjson::StringBuffer buf;
  Writer w(buf);
  WriteProcess(process, &w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace containers
}  // namespace engine
