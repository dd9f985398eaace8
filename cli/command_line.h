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

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

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
  void AddCommand(CLI::App* app, CommandId id, absl::string_view path,
                  absl::string_view usage, int min_args, int max_args);
  const Spec* Selected() const;

  std::unique_ptr<CLI::App> app_;
  std::vector<Spec> specs_;
  Invocation inv_;
};

}  // namespace cli

#endif  // CLI_COMMAND_LINE_H_
