#include "cli/command_line.h"

#include <CLI/CLI.hpp>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sdk/auth_config.h"
#include "sdk/client.h"

namespace cli {

struct CommandLine::Spec {
  CLI::App* app;
  CommandId id;
  std::string path;  // "berth image ls"
  std::string usage;
  std::string description;
  int min_args;
  int max_args;  // -1: unbounded
  bool prefix;
};

namespace {

std::string Plural(int n, absl::string_view word) {
  return absl::StrCat(n, " ", word, n == 1 ? "" : "s");
}

int Depth(const std::string& path) {
  return static_cast<int>(std::count(path.begin(), path.end(), ' '));
}

}  // namespace

CommandLine::CommandLine() : app_(std::make_unique<CLI::App>("A self-sufficient runtime for containers", "berth")) {
  CLI::App& app = *app_;
  app.require_subcommand(0, 1);
  app.fallthrough();
  inv_.global.host = sdk::kDefaultHost;
  inv_.global.config_dir = sdk::DefaultConfigDir();
  app.add_option("-H,--host", inv_.global.host, "Daemon socket to connect to")
      ->envname("BERTH_HOST");
  app.add_option("--config", inv_.global.config_dir,
                 "Location of client config files")
      ->envname("BERTH_CONFIG");
  app.add_flag("-D,--debug", inv_.global.debug, "Enable debug mode");
  app.add_flag("-v,--version", inv_.global.version,
               "Print version information and quit");

  // Images.
  auto add_pull = [this](CLI::App* sub, const std::string& path) {
    sub->add_flag("-q,--quiet", inv_.pull.quiet, "Suppress verbose output");
    sub->add_option("--platform", inv_.pull.platform,
                    "Set platform if server is multi-platform capable");
    AddCommand(sub, CommandId::kPull, path, "[OPTIONS] NAME[:TAG|@DIGEST]", 1, 1);
  };
  auto add_push = [this](CLI::App* sub, const std::string& path) {
    sub->add_flag("-q,--quiet", inv_.push.quiet, "Suppress verbose output");
    AddCommand(sub, CommandId::kPush, path, "[OPTIONS] NAME[:TAG]", 1, 1);
  };
  auto add_images = [this](CLI::App* sub, const std::string& path) {
    auto& o = inv_.images;
    sub->add_flag("-a,--all", o.all, "Show all images");
    sub->add_flag("-q,--quiet", o.quiet, "Only show image IDs");
    sub->add_flag("--digests", o.digests, "Show digests");
    sub->add_flag("--no-trunc", o.no_trunc, "Don't truncate output");
    sub->add_option("-f,--filter", o.filters,
                    "Filter output based on conditions provided")
        ->allow_extra_args(false);
    sub->add_option("--format", o.format,
                    "Format output: 'table', 'json' or a template");
    AddCommand(sub, CommandId::kImages, path, "[OPTIONS] [REPOSITORY[:TAG]]", 0, 1);
  };
  auto add_inspect = [this](CLI::App* sub, const std::string& path) {
    sub->add_option("-f,--format", inv_.inspect.format, "Format output: 'json'");
    AddCommand(sub, CommandId::kImageInspect, path, "[OPTIONS] IMAGE [IMAGE...]",
               1, -1);
  };
  auto add_tag = [this](CLI::App* sub, const std::string& path) {
    AddCommand(sub, CommandId::kTag, path,
               "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", 2, 2);
  };
  auto add_rmi = [this](CLI::App* sub, const std::string& path) {
    sub->add_flag("-f,--force", inv_.rmi.force, "Force removal of the image");
    sub->add_flag("--no-prune", inv_.rmi.no_prune,
                  "Do not delete untagged parents");
    AddCommand(sub, CommandId::kRmi, path, "[OPTIONS] IMAGE [IMAGE...]", 1, -1);
  };
  auto add_history = [this](CLI::App* sub, const std::string& path) {
    sub->add_flag("--no-trunc", inv_.history.no_trunc, "Don't truncate output");
    sub->add_flag("-q,--quiet", inv_.history.quiet, "Only show image IDs");
    sub->add_option("--human", inv_.history.human,
                    "Print sizes and dates in human readable format");
    sub->add_option("--format", inv_.history.format,
                    "Format output: 'table', 'json' or a template");
    AddCommand(sub, CommandId::kImageHistory, path, "[OPTIONS] IMAGE", 1, 1);
  };

  add_pull(app.add_subcommand("pull", "Download an image from a registry"),
           "berth pull");
  add_push(app.add_subcommand("push", "Upload an image to a registry"),
           "berth push");
  add_images(app.add_subcommand("images", "List images"), "berth images");
  add_tag(app.add_subcommand(
              "tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"),
          "berth tag");
  add_rmi(app.add_subcommand("rmi", "Remove one or more images"), "berth rmi");
  add_history(app.add_subcommand("history", "Show the history of an image"),
              "berth history");

  CLI::App* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(0, 1);
  image->fallthrough();
  specs_.push_back({image, CommandId::kNone, "berth image", "berth image COMMAND",
                    "Manage images", 0, 0, false});
  add_pull(image->add_subcommand("pull", "Download an image from a registry"),
           "berth image pull");
  add_push(image->add_subcommand("push", "Upload an image to a registry"),
           "berth image push");
  CLI::App* ls = image->add_subcommand("ls", "List images");
  ls->alias("list");
  add_images(ls, "berth image ls");
  add_inspect(image->add_subcommand(
                  "inspect", "Display detailed information on one or more images"),
              "berth image inspect");
  add_tag(image->add_subcommand(
              "tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"),
          "berth image tag");
  CLI::App* rm = image->add_subcommand("rm", "Remove one or more images");
  rm->alias("remove");
  add_rmi(rm, "berth image rm");
  add_history(image->add_subcommand("history", "Show the history of an image"),
              "berth image history");
  CLI::App* prune = image->add_subcommand("prune", "Remove unused images");
  prune->add_flag("-a,--all", inv_.prune.all,
                  "Remove all unused images, not just dangling ones");
  prune->add_flag("-f,--force", inv_.prune.force,
                  "Do not prompt for confirmation");
  prune->add_option("--filter", inv_.prune.filters,
                    "Provide filter values (e.g. \"until=<timestamp>\")")
      ->allow_extra_args(false);
  AddCommand(prune, CommandId::kImagePrune, "berth image prune", "[OPTIONS]", 0, 0);

  // Registries.
  CLI::App* login = app.add_subcommand("login", "Log in to a registry");
  login->add_option("-u,--username", inv_.login.username, "Username");
  login->add_option("-p,--password", inv_.login.password, "Password");
  login->add_flag("--password-stdin", inv_.login.password_stdin,
                  "Take the password from stdin");
  AddCommand(login, CommandId::kLogin, "berth login", "[OPTIONS] [SERVER]", 0, 1);
  AddCommand(app.add_subcommand("logout", "Log out from a registry"),
             CommandId::kLogout, "berth logout", "[SERVER]", 0, 1);

  // System.
  AddCommand(app.add_subcommand("version", "Show the Berth version information"),
             CommandId::kVersion, "berth version", "[OPTIONS]", 0, 0);
  AddCommand(app.add_subcommand("info", "Display system-wide information"),
             CommandId::kInfo, "berth info", "[OPTIONS]", 0, 0);

  AddContainerCommands();
}

CommandLine::~CommandLine() = default;

void CommandLine::AddCommand(CLI::App* app, CommandId id, absl::string_view path,
                             absl::string_view usage, int min_args,
                             int max_args, bool prefix) {
  if (prefix) {
    // Everything from the first non-flag argument on is left in
    // remaining(); never handed to the parent command.
    app->prefix_command();
    app->fallthrough(false);
  } else if (max_args != 0) {
    app->add_option("args", inv_.args, "Arguments")->take_all();
  }
  specs_.push_back({app, id, std::string(path),
                    absl::StrCat(path, " ", usage), app->get_description(),
                    min_args, max_args, prefix});
}

void CommandLine::AddGroup(CLI::App* app, absl::string_view path,
                           absl::string_view description) {
  specs_.push_back({app, CommandId::kNone, std::string(path),
                    absl::StrCat(path, " COMMAND"), std::string(description), 0,
                    0, false});
}

const CommandLine::Spec* CommandLine::Selected() const {
  const Spec* best = nullptr;
  for (const Spec& s : specs_) {
    if (!s.app->parsed()) continue;
    if (best == nullptr || Depth(s.path) > Depth(best->path)) best = &s;
  }
  return best;
}

void CommandLine::Parse(int argc, const char* const* argv) {
  app_->parse(argc, argv);
  const Spec* s = Selected();
  if (s != nullptr) {
    inv_.command = s->id;
    inv_.command_path = s->path;
    if (s->prefix) {
      inv_.args = s->app->remaining();
      // An unknown flag before the first argument also lands in
      // remaining(): report it as CLI11 reports other unknown flags.
      if (!inv_.args.empty() && inv_.args[0].size() > 1 &&
          inv_.args[0][0] == '-') {
        throw CLI::ExtrasError(s->app->get_name(),
                               std::vector<std::string>{inv_.args[0]});
      }
    }
  }
  for (const auto& hook : post_parse_) hook();
}

absl::Status CommandLine::Validate() const {
  const Spec* s = Selected();
  if (s == nullptr || s->id == CommandId::kNone) return absl::OkStatus();
  int n = static_cast<int>(inv_.args.size());
  std::string problem;
  if (s->max_args == 0 && n > 0) {
    problem = "accepts no arguments";
  } else if (s->min_args == s->max_args && n != s->min_args) {
    problem = absl::StrCat("requires exactly ", Plural(s->min_args, "argument"));
  } else if (n < s->min_args) {
    problem = absl::StrCat("requires at least ", Plural(s->min_args, "argument"));
  } else if (s->max_args >= 0 && n > s->max_args) {
    problem = absl::StrCat("requires at most ", Plural(s->max_args, "argument"));
  }
  if (problem.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", s->path, "\" ", problem, ".\nSee '", s->path, " --help'.\n\nUsage:  ",
      s->usage, "\n\n", s->description));
}

std::string CommandLine::Help() const {
  const Spec* s = Selected();
  if (s == nullptr) return app_->help();
  // CLI11's help repeats the description and its own usage line; keep only
  // the option and subcommand lists under Docker's usage header.
  std::string lists = s->app->help();
  size_t options = lists.find("Options:");
  if (options != std::string::npos) lists = lists.substr(options);
  return absl::StrCat("\nUsage:  ", s->usage, "\n\n", s->description, "\n\n",
                      lists);
}

std::string CommandLine::FlagError(absl::string_view what) const {
  const Spec* s = Selected();
  std::string path = s == nullptr ? "berth" : s->path;
  // CLI11: "The following argument was not expected: --bogus" -> Docker's
  // "unknown flag: --bogus".
  std::string message(what);
  size_t colon = message.find(" not expected: ");
  if (colon != std::string::npos) {
    std::string extra = message.substr(colon + 15);
    if (!extra.empty() && extra[0] == '-') {
      message = absl::StrCat("unknown flag: ", extra);
    }
  }
  return absl::StrCat(message, "\nSee '", path, " --help'.");
}

}  // namespace cli
