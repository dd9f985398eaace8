// The container commands of the `berth` command tree (CommandLine's
// AddContainerCommands, declared in command_line.h): Docker's names, flags
// and usage lines, and the `container <cmd>` aliases.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/command_line.h"

namespace cli {
namespace {

// A repeatable flag taking one value per occurrence (-e A -e B).
CLI::Option* Multi(CLI::App* app, const std::string& name,
                   std::vector<std::string>& values, const std::string& help) {
  return app->add_option(name, values, help)->allow_extra_args(false);
}

}  // namespace

void CommandLine::AddContainerCommands() {
  CLI::App& app = *app_;
  auto& c = inv_.create;

  // run / create share every flag but -d and --sig-proxy.
  auto add_create_flags = [this, &c](CLI::App* sub, bool run) {
    // Docker's -h is --hostname; help is --help only.
    sub->set_help_flag("--help", "Print usage");
    if (run) {
      sub->add_flag("-d,--detach", c.detach,
                    "Run container in background and print container ID");
      sub->add_flag("--sig-proxy", c.sig_proxy,
                    "Proxy received signals to the process");
      sub->add_option("--detach-keys", c.detach_keys,
                      "Override the key sequence for detaching a container");
    }
    sub->add_flag("-i,--interactive", c.interactive,
                  "Keep STDIN open even if not attached");
    sub->add_flag("-t,--tty", c.tty, "Allocate a pseudo-TTY");
    sub->add_flag("--rm", c.rm,
                  "Automatically remove the container when it exits");
    sub->add_flag("--privileged", c.privileged,
                  "Give extended privileges to this container");
    sub->add_flag("--read-only", c.read_only,
                  "Mount the container's root filesystem as read only");
    sub->add_flag("--init", c.init,
                  "Run an init inside the container that forwards signals and reaps processes");
    sub->add_option("--name", c.name, "Assign a name to the container");
    sub->add_option("-w,--workdir", c.workdir,
                    "Working directory inside the container");
    sub->add_option("-u,--user", c.user,
                    "Username or UID (format: <name|uid>[:<group|gid>])");
    CLI::Option* entrypoint = sub->add_option(
        "--entrypoint", c.entrypoint, "Overwrite the default ENTRYPOINT of the image");
    sub->add_option("-h,--hostname", c.hostname, "Container host name");
    sub->add_option("--domainname", c.domainname, "Container NIS domain name");
    sub->add_option("-m,--memory", c.memory, "Memory limit");
    sub->add_option("--memory-swap", c.memory_swap,
                    "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
    sub->add_option("--shm-size", c.shm_size, "Size of /dev/shm");
    sub->add_option("--cpus", c.cpus, "Number of CPUs");
    sub->add_option("-c,--cpu-shares", c.cpu_shares, "CPU shares (relative weight)");
    sub->add_option("--cpuset-cpus", c.cpuset_cpus,
                    "CPUs in which to allow execution (0-3, 0,1)");
    CLI::Option* pids = sub->add_option("--pids-limit", c.pids_limit,
                                        "Tune container pids limit (set -1 for unlimited)");
    sub->add_option("--network,--net", c.network,
                    "Connect a container to a network (none, host)");
    sub->add_option("--pull", c.pull,
                    "Pull image before running (\"always\", \"missing\", \"never\")");
    sub->add_option("--platform", c.platform,
                    "Set platform if server is multi-platform capable");
    sub->add_option("--stop-signal", c.stop_signal, "Signal to stop the container");
    CLI::Option* stop_timeout = sub->add_option(
        "--stop-timeout", c.stop_timeout, "Timeout (in seconds) to stop a container");
    sub->add_option("--log-driver", c.log_driver, "Logging driver for the container");
    Multi(sub, "-a,--attach", c.attach, "Attach to STDIN, STDOUT or STDERR");
    Multi(sub, "-e,--env", c.env, "Set environment variables");
    Multi(sub, "--env-file", c.env_file, "Read in a file of environment variables");
    Multi(sub, "-l,--label", c.labels, "Set meta data on a container");
    Multi(sub, "-v,--volume", c.volumes, "Bind mount a volume");
    Multi(sub, "--tmpfs", c.tmpfs, "Mount a tmpfs directory");
    Multi(sub, "--security-opt", c.security_opt, "Security Options");
    Multi(sub, "--cap-add", c.cap_add, "Add Linux capabilities");
    Multi(sub, "--cap-drop", c.cap_drop, "Drop Linux capabilities");
    Multi(sub, "--ulimit", c.ulimits, "Ulimit options");
    Multi(sub, "--log-opt", c.log_opts, "Log driver options");
    Multi(sub, "--dns", c.dns, "Set custom DNS servers");
    Multi(sub, "--add-host", c.add_hosts, "Add a custom host-to-IP mapping (host:ip)");
    Multi(sub, "--group-add", c.group_add, "Add additional groups to join");
    post_parse_.push_back([&c, entrypoint, pids, stop_timeout] {
      if (entrypoint->count() > 0) c.entrypoint_set = true;
      if (pids->count() > 0) c.pids_limit_set = true;
      if (stop_timeout->count() > 0) c.stop_timeout_set = true;
    });
  };
  auto add_run = [this, add_create_flags](CLI::App* sub, const std::string& path) {
    add_create_flags(sub, true);
    AddCommand(sub, CommandId::kRun, path, "[OPTIONS] IMAGE [COMMAND] [ARG...]",
               1, -1, /*prefix=*/true);
  };
  auto add_create = [this, add_create_flags](CLI::App* sub, const std::string& path) {
    add_create_flags(sub, false);
    AddCommand(sub, CommandId::kCreate, path,
               "[OPTIONS] IMAGE [COMMAND] [ARG...]", 1, -1, /*prefix=*/true);
  };
  auto add_start = [this](CLI::App* sub, const std::string& path) {
    sub->add_flag("-a,--attach", inv_.start.attach,
                  "Attach STDOUT/STDERR and forward signals");
    sub->add_flag("-i,--interactive", inv_.start.interactive,
                  "Attach container's STDIN");
    sub->add_option("--detach-keys", inv_.start.detach_keys,
                    "Override the key sequence for detaching a container");
    AddCommand(sub, CommandId::kStart, path, "[OPTIONS] CONTAINER [CONTAINER...]", 1, -1);
  };
  auto add_attach = [this](CLI::App* sub, const std::string& path) {
    sub->add_flag("--no-stdin", inv_.attach.no_stdin, "Do not attach STDIN");
    sub->add_flag("--sig-proxy", inv_.attach.sig_proxy,
                  "Proxy all received signals to the process");
    sub->add_option("--detach-keys", inv_.attach.detach_keys,
                    "Override the key sequence for detaching a container");
    AddCommand(sub, CommandId::kAttach, path, "[OPTIONS] CONTAINER", 1, 1);
  };
  auto add_ps = [this](CLI::App* sub, const std::string& path) {
    auto& o = inv_.ps;
    sub->add_flag("-a,--all", o.all, "Show all containers (default shows just running)");
    sub->add_flag("-q,--quiet", o.quiet, "Only display container IDs");
    sub->add_option("-n,--last", o.last,
                    "Show n last created containers (includes all states)");
    sub->add_flag("-l,--latest", o.latest, "Show the latest created container (includes all states)");
    sub->add_flag("--no-trunc", o.no_trunc, "Don't truncate output");
    sub->add_flag("-s,--size", o.size, "Display total file sizes");
    Multi(sub, "-f,--filter", o.filters, "Filter output based on conditions provided");
    sub->add_option("--format", o.format, "Format output: 'table', 'json' or a template");
    AddCommand(sub, CommandId::kPs, path, "[OPTIONS]", 0, 0);
  };
  auto add_logs = [this](CLI::App* sub, const std::string& path) {
    auto& o = inv_.logs;
    sub->add_flag("-f,--follow", o.follow, "Follow log output");
    sub->add_flag("-t,--timestamps", o.timestamps, "Show timestamps");
    sub->add_flag("--details", o.details, "Show extra details provided to logs");
    sub->add_option("-n,--tail", o.tail, "Number of lines to show from the end of the logs");
    sub->add_option("--since", o.since,
                    "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)");
    sub->add_option("--until", o.until, "Show logs before a timestamp or relative");
    AddCommand(sub, CommandId::kLogs, path, "[OPTIONS] CONTAINER", 1, 1);
  };
  auto add_stop = [this](CLI::App* sub, const std::string& path, CommandId id,
                         const std::string& usage) {
    auto& o = inv_.stop;
    CLI::Option* t = sub->add_option("-t,--time", o.timeout,
                                     "Seconds to wait before killing the container");
    sub->add_option("-s,--signal", o.signal, "Signal to send to the container");
    post_parse_.push_back([&o, t] {
      if (t->count() > 0) o.timeout_set = true;
    });
    AddCommand(sub, id, path, usage, 1, -1);
  };
  auto add_kill = [this](CLI::App* sub, const std::string& path) {
    sub->add_option("-s,--signal", inv_.kill.signal, "Signal to send to the container");
    AddCommand(sub, CommandId::kKill, path, "[OPTIONS] CONTAINER [CONTAINER...]", 1, -1);
  };
  auto add_rm = [this](CLI::App* sub, const std::string& path) {
    sub->add_flag("-f,--force", inv_.rm.force,
                  "Force the removal of a running container (uses SIGKILL)");
    sub->add_flag("-v,--volumes", inv_.rm.volumes,
                  "Remove anonymous volumes associated with the container");
    AddCommand(sub, CommandId::kRm, path, "[OPTIONS] CONTAINER [CONTAINER...]", 1, -1);
  };
  auto add_exec = [this](CLI::App* sub, const std::string& path) {
    auto& o = inv_.exec;
    sub->add_flag("-d,--detach", o.detach, "Detached mode: run command in the background");
    sub->add_flag("-i,--interactive", o.interactive, "Keep STDIN open even if not attached");
    sub->add_flag("-t,--tty", o.tty, "Allocate a pseudo-TTY");
    sub->add_flag("--privileged", o.privileged, "Give extended privileges to the command");
    sub->add_option("-u,--user", o.user, "Username or UID (format: <name|uid>[:<group|gid>])");
    sub->add_option("-w,--workdir", o.workdir, "Working directory inside the container");
    sub->add_option("--detach-keys", o.detach_keys,
                    "Override the key sequence for detaching a container");
    Multi(sub, "-e,--env", o.env, "Set environment variables");
    Multi(sub, "--env-file", o.env_file, "Read in a file of environment variables");
    AddCommand(sub, CommandId::kExec, path, "[OPTIONS] CONTAINER COMMAND [ARG...]", 2,
               -1, /*prefix=*/true);
  };
  auto add_inspect = [this](CLI::App* sub, const std::string& path, CommandId id) {
    sub->add_option("-f,--format", inv_.inspect.format, "Format output: 'json'");
    sub->add_flag("-s,--size", inv_.inspect.size, "Display total file sizes");
    if (id == CommandId::kInspect) {
      sub->add_option("--type", inv_.inspect.type, "Return JSON for specified type");
    }
    AddCommand(sub, id, path, "[OPTIONS] NAME|ID [NAME|ID...]", 1, -1);
  };
  auto add_simple = [this](CLI::App* sub, const std::string& path, CommandId id,
                           const std::string& usage, int min_args, int max_args) {
    AddCommand(sub, id, path, usage, min_args, max_args);
  };
  auto add_top = [this](CLI::App* sub, const std::string& path) {
    AddCommand(sub, CommandId::kTop, path, "CONTAINER [ps OPTIONS]", 1, -1,
               /*prefix=*/true);
  };
  auto add_stats = [this](CLI::App* sub, const std::string& path) {
    auto& o = inv_.stats;
    sub->add_flag("-a,--all", o.all, "Show all containers (default shows just running)");
    sub->add_flag("--no-stream", o.no_stream,
                  "Disable streaming stats and only pull the first result");
    sub->add_flag("--no-trunc", o.no_trunc, "Do not truncate output");
    sub->add_option("--format", o.format, "Format output: 'table' or 'json'");
    AddCommand(sub, CommandId::kStats, path, "[OPTIONS] [CONTAINER...]", 0, -1);
  };

  const std::string kRunHelp = "Create and run a new container from an image";
  const std::string kCreateHelp = "Create a new container";
  const std::string kStartHelp = "Start one or more stopped containers";
  const std::string kAttachHelp =
      "Attach local standard input, output, and error streams to a running container";
  const std::string kLogsHelp = "Fetch the logs of a container";
  const std::string kStopHelp = "Stop one or more running containers";
  const std::string kKillHelp = "Kill one or more running containers";
  const std::string kRestartHelp = "Restart one or more containers";
  const std::string kRmHelp = "Remove one or more containers";
  const std::string kExecHelp = "Execute a command in a running container";
  const std::string kWaitHelp =
      "Block until one or more containers stop, then print their exit codes";
  const std::string kTopHelp = "Display the running processes of a container";
  const std::string kStatsHelp =
      "Display a live stream of container(s) resource usage statistics";
  const std::string kPauseHelp = "Pause all processes within one or more containers";
  const std::string kUnpauseHelp = "Unpause all processes within one or more containers";
  const std::string kRenameHelp = "Rename a container";
  const std::string kMany = "CONTAINER [CONTAINER...]";
  const std::string kManyOpts = "[OPTIONS] CONTAINER [CONTAINER...]";

  // Top-level forms.
  add_run(app.add_subcommand("run", kRunHelp), "berth run");
  add_create(app.add_subcommand("create", kCreateHelp), "berth create");
  add_start(app.add_subcommand("start", kStartHelp), "berth start");
  add_attach(app.add_subcommand("attach", kAttachHelp), "berth attach");
  add_ps(app.add_subcommand("ps", "List containers"), "berth ps");
  add_logs(app.add_subcommand("logs", kLogsHelp), "berth logs");
  add_stop(app.add_subcommand("stop", kStopHelp), "berth stop", CommandId::kStop, kManyOpts);
  add_kill(app.add_subcommand("kill", kKillHelp), "berth kill");
  add_stop(app.add_subcommand("restart", kRestartHelp), "berth restart",
           CommandId::kRestart, kManyOpts);
  add_rm(app.add_subcommand("rm", kRmHelp), "berth rm");
  add_exec(app.add_subcommand("exec", kExecHelp), "berth exec");
  add_inspect(app.add_subcommand("inspect", "Return low-level information on Berth objects"),
              "berth inspect", CommandId::kInspect);
  add_simple(app.add_subcommand("wait", kWaitHelp), "berth wait", CommandId::kWait, kMany, 1, -1);
  add_top(app.add_subcommand("top", kTopHelp), "berth top");
  add_stats(app.add_subcommand("stats", kStatsHelp), "berth stats");
  add_simple(app.add_subcommand("pause", kPauseHelp), "berth pause", CommandId::kPause, kMany,
             1, -1);
  add_simple(app.add_subcommand("unpause", kUnpauseHelp), "berth unpause",
             CommandId::kUnpause, kMany, 1, -1);
  add_simple(app.add_subcommand("rename", kRenameHelp), "berth rename", CommandId::kRename,
             "CONTAINER NEW_NAME", 2, 2);
  CLI::App* events = app.add_subcommand("events", "Get real time events from the server");
  events->add_option("--since", inv_.events.since, "Show all events created since timestamp");
  events->add_option("--until", inv_.events.until, "Stream events until this timestamp");
  Multi(events, "-f,--filter", inv_.events.filters, "Filter output based on conditions provided");
  events->add_option("--format", inv_.events.format, "Format output: 'json' or a template");
  AddCommand(events, CommandId::kEvents, "berth events", "[OPTIONS]", 0, 0);

  // `berth container <cmd>`.
  CLI::App* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(0, 1);
  container->fallthrough();
  AddGroup(container, "berth container", "Manage containers");
  const std::string p = "berth container ";
  add_run(container->add_subcommand("run", kRunHelp), p + "run");
  add_create(container->add_subcommand("create", kCreateHelp), p + "create");
  add_start(container->add_subcommand("start", kStartHelp), p + "start");
  add_attach(container->add_subcommand("attach", kAttachHelp), p + "attach");
  CLI::App* ls = container->add_subcommand("ls", "List containers");
  ls->alias("list");
  ls->alias("ps");
  add_ps(ls, p + "ls");
  add_logs(container->add_subcommand("logs", kLogsHelp), p + "logs");
  add_stop(container->add_subcommand("stop", kStopHelp), p + "stop", CommandId::kStop,
           kManyOpts);
  add_kill(container->add_subcommand("kill", kKillHelp), p + "kill");
  add_stop(container->add_subcommand("restart", kRestartHelp), p + "restart",
           CommandId::kRestart, kManyOpts);
  CLI::App* rm = container->add_subcommand("rm", kRmHelp);
  rm->alias("remove");
  add_rm(rm, p + "rm");
  add_exec(container->add_subcommand("exec", kExecHelp), p + "exec");
  add_inspect(container->add_subcommand(
                  "inspect", "Display detailed information on one or more containers"),
              p + "inspect", CommandId::kContainerInspect);
  add_simple(container->add_subcommand("wait", kWaitHelp), p + "wait", CommandId::kWait,
             kMany, 1, -1);
  add_top(container->add_subcommand("top", kTopHelp), p + "top");
  add_stats(container->add_subcommand("stats", kStatsHelp), p + "stats");
  add_simple(container->add_subcommand("pause", kPauseHelp), p + "pause", CommandId::kPause,
             kMany, 1, -1);
  add_simple(container->add_subcommand("unpause", kUnpauseHelp), p + "unpause",
             CommandId::kUnpause, kMany, 1, -1);
  add_simple(container->add_subcommand("rename", kRenameHelp), p + "rename",
             CommandId::kRename, "CONTAINER NEW_NAME", 2, 2);
  CLI::App* prune = container->add_subcommand("prune", "Remove all stopped containers");
  prune->add_flag("-f,--force", inv_.container_prune.force, "Do not prompt for confirmation");
  Multi(prune, "--filter", inv_.container_prune.filters,
        "Provide filter values (e.g. \"until=<timestamp>\")");
  AddCommand(prune, CommandId::kContainerPrune, p + "prune", "[OPTIONS]", 0, 0);
}

}  // namespace cli
