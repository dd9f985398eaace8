#include "engine/server/config.h"

#include <grp.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/types/optional.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace engine {
namespace server {
namespace {

enum class Kind { kString, kStringList, kInt, kBool, kAction };

// One option: its flag names and its daemon.json key (empty if none).
struct Option {
  const char* long_name;
  const char* short_name;  // without the dash; "" if none
  const char* json_key;
  Kind kind;
  const char* help;
};

constexpr Option kOptions[] = {
    {"host", "H", "hosts", Kind::kStringList,
     "Daemon socket to listen on (unix://PATH; repeatable)"},
    {"data-root", "", "data-root", Kind::kString,
     "Root directory of persistent state (default /var/lib/berth)"},
    {"exec-root", "", "exec-root", Kind::kString,
     "Root directory for execution state (default /run/berth)"},
    {"shim-binary", "", "shim-binary", Kind::kString,
     "Path of the berth-shim binary (default: next to berthd, then $PATH)"},
    {"group", "G", "group", Kind::kString,
     "Group owning the unix socket (default \"berth\", else root)"},
    {"pidfile", "p", "pidfile", Kind::kString,
     "Path to the daemon PID file (default /run/berth/berthd.pid)"},
    {"config-file", "", "", Kind::kString,
     "Daemon configuration file (default /etc/berth/daemon.json)"},
    {"insecure-registry", "", "insecure-registries", Kind::kStringList,
     "Registry (host[:port] or CIDR) reached over plain HTTP (repeatable)"},
    {"registry-mirror", "", "registry-mirrors", Kind::kStringList,
     "Preferred Docker Hub mirror URL (repeatable)"},
    {"max-concurrent-downloads", "", "max-concurrent-downloads", Kind::kInt,
     "Max concurrent layer downloads per pull (default 3)"},
    {"max-concurrent-uploads", "", "max-concurrent-uploads", Kind::kInt,
     "Max concurrent layer uploads per push (default 5)"},
    {"log-level", "l", "log-level", Kind::kString,
     "Logging level: debug, info, warn, error, fatal (default info)"},
    {"debug", "D", "debug", Kind::kBool, "Enable debug mode"},
    {"version", "v", "", Kind::kAction, "Print version information and quit"},
    {"help", "h", "", Kind::kAction, "Print usage and quit"},
};

const Option* FindOption(absl::string_view name, bool is_short) {
  for (const Option& opt : kOptions) {
    if (is_short ? name == opt.short_name : name == opt.long_name) return &opt;
  }
  return nullptr;
}

std::vector<std::string>* ListFor(const Option& opt, DaemonConfig* config) {
  absl::string_view name = opt.long_name;
  if (name == "host") return &config->hosts;
  if (name == "insecure-registry") return &config->insecure_registries;
  return &config->registry_mirrors;
}

// Applies one string value of `opt` to `config`. For list options,
// `first_of_list` replaces the default list instead of appending to it.
absl::Status Apply(const Option& opt, const std::string& value,
                   DaemonConfig* config, bool first_of_list) {
  const std::string name = opt.long_name;
  if (opt.kind == Kind::kStringList) {
    std::vector<std::string>* list = ListFor(opt, config);
    if (first_of_list) list->clear();
    absl::string_view v = value;
    if (name == "registry-mirror") {
      while (v.size() > 1 && v.back() == '/') v.remove_suffix(1);
    }
    list->emplace_back(v);
    return absl::OkStatus();
  }
  if (name == "data-root") {
    config->data_root = value;
  } else if (name == "exec-root") {
    config->exec_root = value;
  } else if (name == "shim-binary") {
    config->shim_binary = value;
  } else if (name == "group") {
    config->group = value;
    config->group_explicit = true;
  } else if (name == "pidfile") {
    config->pidfile = value;
  } else if (name == "config-file") {
    config->config_file = value;
  } else if (name == "max-concurrent-downloads" ||
             name == "max-concurrent-uploads") {
    int n;
    if (!absl::SimpleAtoi(value, &n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid value \"", value, "\" for --", name,
                       ": not an integer"));
    }
    (name == "max-concurrent-downloads" ? config->max_concurrent_downloads
                                        : config->max_concurrent_uploads) = n;
  } else if (name == "log-level") {
    config->log_level = value;
  } else if (name == "debug") {
    if (value == "true" || value == "1") {
      config->debug = true;
    } else if (value == "false" || value == "0") {
      config->debug = false;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid value \"", value, "\" for --debug"));
    }
  }
  return absl::OkStatus();
}

std::string JsonTypeName(const rapidjson::Value& v) {
  if (v.IsString()) return "string";
  if (v.IsBool()) return "bool";
  if (v.IsNumber()) return "number";
  if (v.IsArray()) return "array";
  if (v.IsObject()) return "object";
  return "null";
}

absl::Status JsonTypeError(absl::string_view key, Kind kind,
                           const rapidjson::Value& v) {
  const char* want = kind == Kind::kString       ? "a string"
                     : kind == Kind::kStringList ? "an array of strings"
                     : kind == Kind::kInt        ? "an integer"
                                                 : "a bool";
  return absl::InvalidArgumentError(
      absl::StrCat("daemon.json: \"", key, "\" must be ", want, ", not ",
                   JsonTypeName(v)));
}

std::string JsonValueText(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt()) return absl::StrCat(v.GetInt());
  if (v.IsArray()) {
    std::vector<std::string> parts;
    for (const auto& e : v.GetArray()) parts.push_back(JsonValueText(e));
    return absl::StrCat("[", absl::StrJoin(parts, " "), "]");
  }
  return JsonTypeName(v);
}

}  // namespace

const char* GitCommit() {
#ifdef BERTH_GIT_COMMIT
  return BERTH_GIT_COMMIT;
#else
  return "unknown";
#endif
}

absl::Status MergeDaemonJson(absl::string_view json,
                             const std::map<std::string, std::string>& flags_set,
                             DaemonConfig* config) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "daemon.json: invalid JSON at offset ", doc.GetErrorOffset(), ": ",
        rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError("daemon.json: not a JSON object");
  }
  std::vector<std::string> unknown;
  std::vector<std::string> conflicts;
  for (const auto& member : doc.GetObject()) {
    std::string key(member.name.GetString(), member.name.GetStringLength());
    const Option* opt = nullptr;
    for (const Option& o : kOptions) {
      if (key == o.json_key && *o.json_key != '\0') opt = &o;
    }
    if (opt == nullptr) {
      unknown.push_back(key);
      continue;
    }
    auto flag = flags_set.find(key);
    if (flag != flags_set.end()) {
      conflicts.push_back(absl::StrCat(key, ": (from flag: ", flag->second,
                                       ", from file: ",
                                       JsonValueText(member.value), ")"));
    }
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    return absl::InvalidArgumentError(absl::StrCat(
        "the following directives don't match any configuration option: ",
        absl::StrJoin(unknown, ", ")));
  }
  if (!conflicts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the following directives are specified both as a flag and in the "
        "configuration file: ",
        absl::StrJoin(conflicts, ", ")));
  }
  for (const auto& member : doc.GetObject()) {
    std::string key = member.name.GetString();
    const Option* opt = nullptr;
    for (const Option& o : kOptions) {
      if (key == o.json_key) opt = &o;
    }
    const rapidjson::Value& v = member.value;
    switch (opt->kind) {
      case Kind::kString:
        if (!v.IsString()) return JsonTypeError(key, opt->kind, v);
        RETURN_IF_ERROR(Apply(*opt, v.GetString(), config, false));
        break;
      case Kind::kStringList: {
        if (!v.IsArray()) return JsonTypeError(key, opt->kind, v);
        bool first = true;
        for (const auto& e : v.GetArray()) {
          if (!e.IsString()) return JsonTypeError(key, opt->kind, v);
          RETURN_IF_ERROR(Apply(*opt, e.GetString(), config, first));
          first = false;
        }
        if (first) ListFor(*opt, config)->clear();  // an empty list
        break;
      }
      case Kind::kInt:
        if (!v.IsInt()) return JsonTypeError(key, opt->kind, v);
        RETURN_IF_ERROR(Apply(*opt, absl::StrCat(v.GetInt()), config, false));
        break;
      case Kind::kBool:
        if (!v.IsBool()) return JsonTypeError(key, opt->kind, v);
        config->debug = v.GetBool();
        break;
      case Kind::kAction:
        break;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args) {
  CommandLine cl;
  DaemonConfig& config = cl.config;
  std::map<std::string, std::string> flags_set;  // json key -> values
  bool config_file_explicit = false;
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          "berthd takes no positional arguments (got \"", arg, "\")"));
    }
    bool is_short = arg[1] != '-';
    absl::string_view name = arg.substr(is_short ? 1 : 2);
    absl::optional<std::string> inline_value;
    size_t eq = name.find('=');
    if (eq != absl::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    } else if (is_short && name.size() > 1) {
      // -Hunix:///x as well as -H unix:///x.
      inline_value = std::string(name.substr(1));
      name = name.substr(0, 1);
    }
    const Option* opt = FindOption(name, is_short);
    if (opt == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag: ", is_short ? "-" : "--", name));
    }
    std::string value;
    if (opt->kind == Kind::kAction) {
      cl.action = std::string(opt->long_name) == "help"
                      ? CommandLine::Action::kHelp
                      : CommandLine::Action::kVersion;
      continue;
    } else if (opt->kind == Kind::kBool) {
      value = inline_value.value_or("true");
    } else if (inline_value.has_value()) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("flag needs an argument: --", opt->long_name));
    }
    std::string key = *opt->json_key ? opt->json_key : opt->long_name;
    bool first = flags_set.find(key) == flags_set.end();
    RETURN_IF_ERROR(Apply(*opt, value, &config, first));
    if (first) {
      flags_set[key] = value;
    } else {
      absl::StrAppend(&flags_set[key], " ", value);
    }
    if (key == "config-file") config_file_explicit = true;
  }
  if (cl.action != CommandLine::Action::kRun) return cl;

  flags_set.erase("config-file");
  for (auto& [key, value] : flags_set) {
    // Lists print as dockerd does: [a b].
    for (const Option& o : kOptions) {
      if (key == o.json_key && o.kind == Kind::kStringList) {
        value = absl::StrCat("[", value, "]");
      }
    }
  }
  absl::StatusOr<std::string> json = base::ReadFile(config.config_file, 1 << 20);
  if (json.ok()) {
    absl::Status merged = MergeDaemonJson(*json, flags_set, &config);
    if (!merged.ok()) {
      return base::Annotate(merged, absl::StrCat("unable to configure the "
                                                 "daemon with file ",
                                                 config.config_file));
    }
  } else if (!absl::IsNotFound(json.status()) || config_file_explicit) {
    return base::Annotate(json.status(), "read daemon configuration");
  }
  RETURN_IF_ERROR(ValidateConfig(config));
  return cl;
}

absl::StatusOr<std::string> UnixSocketPath(absl::string_view host) {
  absl::string_view path = host;
  if (!absl::ConsumePrefix(&path, "unix://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid host \"", host, "\": only unix://PATH sockets are supported"));
  }
  if (path.empty()) {
    path = absl::string_view(kDefaultHost).substr(strlen("unix://"));
  }
  if (path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid host \"", host, "\": socket path must be absolute"));
  }
  return std::string(path);
}

absl::Status ValidateConfig(const DaemonConfig& config) {
  if (config.hosts.empty()) {
    return absl::InvalidArgumentError("no host to listen on (--host)");
  }
  for (const std::string& host : config.hosts) {
    RETURN_IF_ERROR(UnixSocketPath(host).status());
  }
  for (const std::string* dir : {&config.data_root, &config.exec_root}) {
    if (dir->empty() || (*dir)[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("directory \"", *dir, "\" must be an absolute path"));
    }
  }
  if (config.max_concurrent_downloads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid max concurrent downloads: ",
                     config.max_concurrent_downloads));
  }
  if (config.max_concurrent_uploads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid max concurrent uploads: ", config.max_concurrent_uploads));
  }
  base::LogLevel level;
  if (!base::ParseLogLevel(config.log_level, &level)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to parse logging level: ", config.log_level));
  }
  for (const std::string& reg : config.insecure_registries) {
    if (reg.empty() || absl::StrContains(reg, "://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "insecure registry ", reg, " should not contain '://'"));
    }
  }
  for (const std::string& mirror : config.registry_mirrors) {
    if (!absl::StartsWith(mirror, "http://") &&
        !absl::StartsWith(mirror, "https://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid mirror: unsupported scheme \"", mirror, "\"; use https://"));
    }
    absl::string_view rest = mirror;
    rest = rest.substr(rest.find("://") + 3);
    if (rest.empty() || rest[0] == '/' || absl::StrContains(rest, '?') ||
        absl::StrContains(rest, '#')) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid mirror: \"", mirror, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<gid_t> ResolveSocketGroup(const DaemonConfig& config) {
  unsigned int gid;
  if (absl::SimpleAtoi(config.group, &gid)) return static_cast<gid_t>(gid);
  // /etc/group first: it answers for local groups without loading NSS
  // modules into the daemon for its lifetime (a third of a megabyte).
  if (auto groups = base::ReadFile("/etc/group", 4 << 20); groups.ok()) {
    for (absl::string_view line : absl::StrSplit(*groups, '\n')) {
      std::vector<absl::string_view> f = absl::StrSplit(line, ':');
      if (f.size() >= 3 && f[0] == config.group && absl::SimpleAtoi(f[2], &gid)) {
        return static_cast<gid_t>(gid);
      }
    }
  }
  if (!config.group_explicit) return static_cast<gid_t>(0);
  // An explicit group may live in a directory service.
  struct group gr;
  struct group* result = nullptr;
  std::vector<char> buf(16384);
  int rc = getgrnam_r(config.group.c_str(), &gr, buf.data(), buf.size(), &result);
  if (rc == 0 && result != nullptr) return result->gr_gid;
  return absl::NotFoundError(
      absl::StrCat("group ", config.group, " not found"));
}

std::string UsageText() {
  std::string out =
      "Usage:\tberthd [OPTIONS]\n\nA self-sufficient runtime for containers.\n\n"
      "Options:\n";
  for (const Option& opt : kOptions) {
    std::string names =
        *opt.short_name ? absl::StrCat("-", opt.short_name, ", --", opt.long_name)
                        : absl::StrCat("    --", opt.long_name);
    if (opt.kind == Kind::kString || opt.kind == Kind::kStringList ||
        opt.kind == Kind::kInt) {
      absl::StrAppend(&names, opt.kind == Kind::kInt ? " int" : " string");
    }
    names.resize(std::max<size_t>(names.size() + 2, 36), ' ');
    absl::StrAppend(&out, "  ", names, opt.help, "\n");
  }
  return out;
}

std::string VersionText() {
  return absl::StrCat("Berth version ", kBerthVersion, ", build ", GitCommit());
}

}  // namespace server
}  // namespace engine
