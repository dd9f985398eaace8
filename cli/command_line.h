// -----------------------------------------------------------------------------
// File: command_line.h
// -----------------------------------------------------------------------------
//
// The `berth` command tree: global flags, every command's flags, and the
// positional-argument rules, parsed with CLI11 into an Invocation.
//
//   berth [-H HOST] [--config DIR] [-D] [-v] COMMAND [OPTIONS] [ARGS...]
//
// CLI11 reports bad flags and --help by throwing; Parse() lets those
// exceptions through so that only main() (the process boundary) catches
// them. Argument-count errors are returned as absl::Status by Validate(),
// worded as Docker's (`"berth pull" requires exactly 1 argument.`).

#ifndef CLI_COMMAND_LINE_H_
#define CLI_COMMAND_LINE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cli/container_options.h"

namespace CLI {
class App;
}  // namespace CLI

namespace cli {

struct GlobalOptions {
  std::string host;        // -H/--host, $BERTH_HOST, default the sdk's socket
  std::string config_dir;  // --config, $BERTH_CONFIG, default ~/.berth
  bool debug = false;      // -D/--debug
  bool version = false;    // -v/--version
};

enum class CommandId {
  kNone,
  kPull,
  kPush,
  kImages,
  kImageInspect,
  kTag,
  kRmi,
  kImagePrune,
  kImageHistory,
  kLogin,
  kLogout,
  kVersion,
  kInfo,
  // Containers.
  kRun,
  kCreate,
  kStart,
  kAttach,
  kPs,
  kLogs,
  kStop,
  kKill,
  kRestart,
  kRm,
  kExec,
  kInspect,           // `berth inspect`: a container, else an image
  kContainerInspect,  // `berth container inspect`
  kWait,
  kTop,
  kStats,
  kPause,
  kUnpause,
  kRename,
  kContainerPrune,
  kEvents,
};

struct PullOptions {
  bool quiet = false;
  std::string platform;  // "os/arch[/variant]"
};

struct PushOptions {
  bool quiet = false;
};

struct ImagesOptions {
  bool all = false;
  bool quiet = false;
  bool digests = false;
  bool no_trunc = false;
  std::vector<std::string> filters;  // "key=value"
  std::string format;                // "", "table", "json", or a template
};

struct InspectOptions {
  std::string format;  // "" or "json"
  std::string type;    // --type: "", "container" or "image"
  bool size = false;   // -s
};

struct RmiOptions {
  bool force = false;
  bool no_prune = false;
};

struct PruneOptions {
  bool all = false;
  bool force = false;
  std::vector<std::string> filters;
};

struct HistoryOptions {
  bool no_trunc = false;
  bool quiet = false;
  bool human = true;
  std::string format;
};

struct LoginOptions {
  std::string username;
  std::string password;
  bool password_stdin = false;
};

// What the user asked for.
struct Invocation {
  GlobalOptions global;
  CommandId command = CommandId::kNone;
  // "berth image ls" (the path actually typed, for messages).
  std::string command_path;
  std::vector<std::string> args;
  PullOptions pull;
  PushOptions push;
  ImagesOptions images;
  InspectOptions inspect;
  RmiOptions rmi;
  PruneOptions prune;
  HistoryOptions history;
  LoginOptions login;
  // Containers.
  ContainerCreateOptions create;  // run, create
  StartOptions start;
  AttachOptions attach;
  PsOptions ps;
  LogsOptions logs;
  StopOptions stop;  // stop, restart
  KillOptions kill;
  RmOptions rm;
  ExecOptions exec;
  StatsOptions stats;
  EventsOptions events;
  ContainerPruneOptions container_prune;
};

class CommandLine {
 public:
  CommandLine();
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // Parse()
  //
  // Parses argv (argv[0] is the program name). Throws CLI::ParseError for
  // unknown flags or bad values and CLI::CallForHelp for --help.
  void Parse(int argc, const char* const* argv);

  // Validate()
  //
  // After Parse(): InvalidArgument with Docker's full usage message when
  // the command got the wrong number of arguments.
  absl::Status Validate() const;

  const Invocation& invocation() const { return inv_; }

  // Help()
  //
  // Help for the command selected so far (or the top level).
  std::string Help() const;

  // FlagError()
  //
  // The message for a CLI11 parse error `what` on the selected command:
  // "<what>\nSee 'berth pull --help'."
  std::string FlagError(absl::string_view what) const;

 private:
  struct Spec;
  // With `prefix`, parsing stops at the first argument that is not a flag
  // of the command: it and everything after it are the arguments
  // (`run IMAGE CMD -x`, `exec C CMD -x`, `top C -ef`).
  void AddCommand(CLI::App* app, CommandId id, absl::string_view path,
                  absl::string_view usage, int min_args, int max_args,
                  bool prefix = false);
  // A command group such as `berth image` (no command of its own).
  void AddGroup(CLI::App* app, absl::string_view path,
                absl::string_view description);
  // The container commands (container_command_line.cc).
  void AddContainerCommands();
  const Spec* Selected() const;

  std::unique_ptr<CLI::App> app_;
  std::vector<Spec> specs_;
  // Run after a successful parse (to note which flags were given).
  std::vector<std::function<void()>> post_parse_;
  Invocation inv_;
};

}  // namespace cli

#endif  // CLI_COMMAND_LINE_H_
