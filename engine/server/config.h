// -----------------------------------------------------------------------------
// File: config.h
// -----------------------------------------------------------------------------
//
// berthd's configuration: dockerd's flag names on the command line and
// dockerd's key names in daemon.json (`--config-file`, default
// /etc/berth/daemon.json). As in dockerd, a setting given both as a flag and
// in the file is an error, and so is a daemon.json key that names no option.
//
//   flag                          daemon.json key            default
//   -H, --host unix://PATH        hosts (list)               unix:///run/berth/berth.sock
//   --data-root DIR               data-root                  /var/lib/berth
//   --exec-root DIR               exec-root                  /run/berth
//   --shim-binary PATH            shim-binary                berth-shim next to berthd,
//                                                            ../shim/berth-shim, $PATH
//   -G, --group NAME|GID          group                      "berth" if it exists, else gid 0
//   -p, --pidfile FILE            pidfile                    /run/berth/berthd.pid
//   --config-file FILE            (none)                     /etc/berth/daemon.json
//   --insecure-registry R         insecure-registries        (none; repeatable flag)
//   --registry-mirror URL         registry-mirrors           (none; repeatable flag)
//   --max-concurrent-downloads N  max-concurrent-downloads   3
//   --max-concurrent-uploads N    max-concurrent-uploads     5
//   -l, --log-level LEVEL         log-level                  info
//   -D, --debug                   debug                      false
//   -v, --version / -h, --help
//
// Thread-compatible: parse once at startup.

#ifndef ENGINE_SERVER_CONFIG_H_
#define ENGINE_SERVER_CONFIG_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace server {

inline constexpr char kBerthVersion[] = "0.1.0";
inline constexpr char kApiVersion[] = "berth.v1";
inline constexpr char kDefaultHost[] = "unix:///run/berth/berth.sock";
inline constexpr char kDefaultConfigFile[] = "/etc/berth/daemon.json";
inline constexpr char kDefaultGroup[] = "berth";

// The git commit berthd was built from, or "unknown" when the build was not
// stamped.
const char* GitCommit();

struct DaemonConfig {
  std::vector<std::string> hosts = {kDefaultHost};
  std::string data_root = "/var/lib/berth";
  std::string exec_root = "/run/berth";
  // The berth-shim to run; "" = look next to berthd, then in $PATH.
  std::string shim_binary;
  std::string group = kDefaultGroup;
  // True when `group` came from a flag or daemon.json: then a missing group
  // is an error. The default group silently falls back to gid 0.
  bool group_explicit = false;
  std::string pidfile = "/run/berth/berthd.pid";
  std::string config_file = kDefaultConfigFile;
  // Registries (host[:port]) or CIDRs reached over plain HTTP.
  std::vector<std::string> insecure_registries;
  // Mirror URLs for docker.io, "http(s)://host[:port][/path]", stored
  // without a trailing slash.
  std::vector<std::string> registry_mirrors;
  int max_concurrent_downloads = 3;
  int max_concurrent_uploads = 5;
  std::string log_level = "info";
  bool debug = false;
};

// What the command line asked for.
struct CommandLine {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  DaemonConfig config;
};

// Parses argv (argv[0] is skipped) and, for Action::kRun, reads the
// daemon.json named by --config-file (or the default one, if it exists) and
// validates the result. Flags take `--name value` or `--name=value`; short
// flags `-H value`. InvalidArgument for an unknown flag, a missing or bad
// value, a flag/file conflict, an unknown daemon.json key or a value of the
// wrong JSON type; NotFound when an explicit --config-file does not exist.
absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

// Parses daemon.json text into `config`. `flags_set` maps the daemon.json
// key of every setting given on the command line (e.g. "data-root", "hosts")
// to the flag value(s) as typed; such keys in the file are a conflict.
// Exposed for tests.
absl::Status MergeDaemonJson(absl::string_view json,
                             const std::map<std::string, std::string>& flags_set,
                             DaemonConfig* config);

// Checks ranges and formats (hosts, mirrors, insecure registries, log level,
// concurrency limits). InvalidArgument names the bad setting.
absl::Status ValidateConfig(const DaemonConfig& config);

// The socket path of a "unix:///path" host. InvalidArgument for other
// schemes (only unix sockets are served).
absl::StatusOr<std::string> UnixSocketPath(absl::string_view host);

// The group the API socket belongs to: `config.group` by name or number;
// for the default group, gid 0 when no "berth" group exists. NotFound for an
// explicit group that does not exist.
absl::StatusOr<gid_t> ResolveSocketGroup(const DaemonConfig& config);

// The --help text.
std::string UsageText();

// "Berth version 0.1.0, build <commit>".
std::string VersionText();

}  // namespace server
}  // namespace engine

#endif  // ENGINE_SERVER_CONFIG_H_
