// The process half of spec_builder.h: command, environment, working
// directory, hostname, capabilities, security options, and the /etc files.

#include <unistd.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "engine/base/file_util.h"
#include "engine/containers/capabilities.h"
#include "engine/containers/etc_files.h"
#include "engine/containers/rootfs_files.h"
#include "engine/containers/spec_builder.h"

namespace engine {
namespace containers {
namespace {

absl::string_view EnvKey(absl::string_view entry) {
  return entry.substr(0, entry.find('='));
}

// Docker's ReplaceOrAppendEnvValues for one entry: replaces the value of
// the same key in place, appends a new key, and unsets a bare "KEY".
void SetEnv(std::vector<std::string>* env, const std::string& entry) {
  absl::string_view key = EnvKey(entry);
  bool bare = entry.find('=') == std::string::npos;
  for (auto it = env->begin(); it != env->end(); ++it) {
    if (EnvKey(*it) != key) continue;
    if (bare) {
      env->erase(it);
    } else {
      *it = entry;
    }
    return;
  }
  if (!bare) env->push_back(entry);
}

bool UnderProc(absl::string_view path) { return path == "/proc" || absl::StartsWith(path, "/proc/"); }

}  // namespace

absl::StatusOr<std::vector<std::string>> MergedArgs(const berth::v1::ContainerConfig& config,
                                                    const registry::ImageConfig& image) {
  std::vector<std::string> args;
  if (config.has_entrypoint()) {
    // A present entrypoint (even an empty one, `--entrypoint ""`) replaces
    // the image's and drops the image's Cmd.
    // Docker's CLI sends [""] for `--entrypoint ""`: the same as [].
    const auto& values = config.entrypoint().values();
    if (!(values.size() == 1 && values[0].empty())) args.assign(values.begin(), values.end());
    args.insert(args.end(), config.cmd().begin(), config.cmd().end());
  } else {
    args = image.config.entrypoint;
    if (!config.cmd().empty()) {
      args.insert(args.end(), config.cmd().begin(), config.cmd().end());
    } else {
      args.insert(args.end(), image.config.cmd.begin(), image.config.cmd.end());
    }
  }
  if (args.empty()) return absl::InvalidArgumentError("No command specified");
  return args;
}

std::vector<std::string> MergedEnv(const berth::v1::ContainerConfig& config,
                                   const registry::ImageConfig& image,
                                   absl::string_view hostname) {
  std::vector<std::string> env = {kDefaultPathEnv, absl::StrCat("HOSTNAME=", hostname)};
  if (config.tty()) env.push_back("TERM=xterm");
  for (const std::string& e : image.config.env) SetEnv(&env, e);
  for (const std::string& e : config.env()) SetEnv(&env, e);
  return env;
}

void AddDefaultHome(std::vector<std::string>* env, absl::string_view home) {
  for (const std::string& e : *env) {
    if (EnvKey(e) == "HOME") return;
  }
  env->push_back(absl::StrCat("HOME=", home));
}

std::string EffectiveHostname(const ContainerRecord& record) {
  if (!record.config().hostname().empty()) return record.config().hostname();
  if (record.host_config().network_mode() == "host") {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0') return name;
  }
  return ShortId(record.id());
}

absl::StatusOr<EtcFilesContent> BuildEtcFiles(const ContainerRecord& record,
                                              std::vector<std::string>* warnings) {
  const berth::v1::HostConfig& host = record.host_config();
  bool host_network = host.network_mode() == "host";
  EtcFilesContent out;
  std::string hostname = EffectiveHostname(record);
  out.hostname = HostnameFileContent(hostname);

  std::vector<std::string> extra(host.extra_hosts().begin(), host.extra_hosts().end());
  if (host_network) {
    absl::StatusOr<std::string> hosts = base::ReadFile("/etc/hosts", 1 << 20);
    if (hosts.ok()) out.hosts = *hosts;
    if (!out.hosts.empty() && out.hosts.back() != '\n') out.hosts.push_back('\n');
    HostsOptions only_extra;
    only_extra.extra_hosts = extra;
    ASSIGN_OR_RETURN(std::string lines, HostsFileContent(only_extra));
    // HostsFileContent starts with the localhost block; keep only the extras.
    ASSIGN_OR_RETURN(std::string base_block, HostsFileContent(HostsOptions()));
    out.hosts += lines.substr(base_block.size());
  } else {
    HostsOptions options;
    options.hostname = hostname;
    options.domainname = record.config().domainname();
    options.extra_hosts = extra;
    ASSIGN_OR_RETURN(out.hosts, HostsFileContent(options));
  }

  std::string host_resolv;
  absl::StatusOr<std::string> read = base::ReadFile(HostResolvConfPath(), 1 << 20);
  if (read.ok()) host_resolv = *std::move(read);
  ResolvConf resolv = ResolvConfContent(
      host_resolv, host_network, std::vector<std::string>(host.dns().begin(), host.dns().end()));
  out.resolv_conf = std::move(resolv.content);
  if (resolv.used_fallback && warnings != nullptr) {
    warnings->push_back(
        "No non-localhost DNS nameservers are left in resolv.conf. Using default external "
        "servers: [nameserver 8.8.8.8 nameserver 8.8.4.4]");
  }
  return out;
}

absl::StatusOr<std::string> WorkingDir(absl::string_view configured,
                                       const registry::ImageConfig& image,
                                       absl::string_view rootfs) {
  std::string dir(configured.empty() ? absl::string_view(image.config.working_dir) : configured);
  if (dir.empty()) return std::string("/");
  if (dir[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "the working directory '", dir, "' is invalid, it needs to be an absolute path"));
  }
  std::string clean = CleanPath(dir);
  std::string resolved = clean;
  if (!rootfs.empty()) {
    ASSIGN_OR_RETURN(resolved, ResolvePathInRoot(rootfs, clean));
  }
  // /proc inside the container holds magic links to the runtime's own
  // descriptors (CVE-2024-21626): never start a process there.
  if (UnderProc(clean) || UnderProc(resolved)) {
    return absl::InvalidArgumentError(absl::StrCat("the working directory '", dir,
                                                   "' is invalid: it is inside /proc"));
  }
  return clean;
}

absl::StatusOr<std::vector<std::string>> ContainerCapabilities(const berth::v1::HostConfig& host) {
  return TweakCapabilities(DefaultCapabilities(),
                           std::vector<std::string>(host.cap_add().begin(), host.cap_add().end()),
                           std::vector<std::string>(host.cap_drop().begin(), host.cap_drop().end()),
                           host.privileged());
}

absl::StatusOr<SecurityOptions> ParseSecurityOptions(const std::vector<std::string>& opts) {
  SecurityOptions out;
  for (const std::string& opt : opts) {
    auto bad = [&] {
      return absl::InvalidArgumentError(absl::StrCat("invalid --security-opt 2: \"", opt, "\""));
    };
    if (opt == "no-new-privileges") {
      out.no_new_privileges = true;
      continue;
    }
    // "key=value", or the legacy "key:value".
    size_t sep = opt.find_first_of("=:");
    if (sep == std::string::npos) return bad();
    absl::string_view key = absl::string_view(opt).substr(0, sep);
    absl::string_view value = absl::string_view(opt).substr(sep + 1);
    if (key == "no-new-privileges") {
      if (value == "true" || value == "1") {
        out.no_new_privileges = true;
      } else if (value == "false" || value == "0") {
        out.no_new_privileges = false;
      } else {
        return bad();
      }
    } else if (key == "seccomp") {
      if (value == "unconfined") {
        out.seccomp_unconfined = true;
        out.seccomp_profile_json.clear();
      } else if (!value.empty()) {
        out.seccomp_unconfined = false;
        out.seccomp_profile_json = std::string(value);
      } else {
        return bad();
      }
    } else if (key == "apparmor" || key == "label") {
      // Accepted for compatibility; this engine does not apply LSM labels yet.
    } else {
      return bad();
    }
  }
  return out;
}

}  // namespace containers
}  // namespace engine
