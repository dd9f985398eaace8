// -----------------------------------------------------------------------------
// File: container_options.h
// -----------------------------------------------------------------------------
//
// The flags of the container commands as parsed from the command line
// (cli/container_command_line.cc), before any conversion. Values stay the
// strings the user typed ("512m", "1.5", "/a:/b:ro"); cli/container_request.h
// turns them into a CreateContainerRequest and reports bad values as Docker.

#ifndef CLI_CONTAINER_OPTIONS_H_
#define CLI_CONTAINER_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace cli {

// `run` and `create`.
struct ContainerCreateOptions {
  bool detach = false;       // -d (run only)
  bool interactive = false;  // -i
  bool tty = false;          // -t
  bool rm = false;           // --rm
  bool privileged = false;
  bool read_only = false;
  bool init = false;
  bool sig_proxy = true;     // --sig-proxy (run only)
  std::string name;
  std::string workdir;       // -w
  std::string user;          // -u
  std::string entrypoint;
  bool entrypoint_set = false;  // --entrypoint given (even "")
  std::string hostname;         // -h
  std::string domainname;
  std::string memory;           // -m "512m"
  std::string memory_swap;
  std::string shm_size;
  std::string cpus;             // "1.5"
  int64_t cpu_shares = 0;       // -c
  std::string cpuset_cpus;
  int64_t pids_limit = 0;
  bool pids_limit_set = false;
  std::string network = "default";  // --network / --net
  std::string pull = "missing";     // --pull missing|always|never
  std::string platform;
  std::string stop_signal;
  int stop_timeout = 0;
  bool stop_timeout_set = false;
  std::string log_driver;
  std::string detach_keys;
  std::vector<std::string> attach;        // -a stdin|stdout|stderr
  std::vector<std::string> env;           // -e
  std::vector<std::string> env_file;
  std::vector<std::string> labels;        // -l
  std::vector<std::string> volumes;       // -v
  std::vector<std::string> tmpfs;
  std::vector<std::string> security_opt;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::vector<std::string> ulimits;       // "nofile=1024:2048"
  std::vector<std::string> log_opts;      // "max-size=10m"
  std::vector<std::string> dns;
  std::vector<std::string> add_hosts;     // "host:ip"
  std::vector<std::string> group_add;
};

struct StartOptions {
  bool attach = false;       // -a
  bool interactive = false;  // -i
  std::string detach_keys;
};

struct AttachOptions {
  bool no_stdin = false;
  bool sig_proxy = true;
  std::string detach_keys;
};

struct PsOptions {
  bool all = false;       // -a
  bool quiet = false;     // -q
  int last = -1;          // -n
  bool latest = false;    // -l
  bool no_trunc = false;
  bool size = false;      // -s
  std::vector<std::string> filters;
  std::string format;     // "", "table", "json", "table TEMPLATE", TEMPLATE
};

struct LogsOptions {
  bool follow = false;
  bool timestamps = false;
  bool details = false;
  std::string tail = "all";
  std::string since;
  std::string until;
};

// `stop` and `restart`.
struct StopOptions {
  int timeout = 0;
  bool timeout_set = false;  // -t given
  std::string signal;        // -s (stop only)
};

struct KillOptions {
  std::string signal = "KILL";
};

struct RmOptions {
  bool force = false;
  bool volumes = false;
};

struct ExecOptions {
  bool detach = false;
  bool interactive = false;
  bool tty = false;
  bool privileged = false;
  std::string user;
  std::string workdir;
  std::string detach_keys;
  std::vector<std::string> env;
  std::vector<std::string> env_file;
};

struct StatsOptions {
  bool all = false;
  bool no_stream = false;
  bool no_trunc = false;
  std::string format;
};

struct EventsOptions {
  std::string since;
  std::string until;
  std::vector<std::string> filters;
  std::string format;
};

struct ContainerPruneOptions {
  bool force = false;
  std::vector<std::string> filters;
};

}  // namespace cli

#endif  // CLI_CONTAINER_OPTIONS_H_
