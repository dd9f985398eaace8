// berth: the command-line client of the Berth container engine.
//
// main() is the process boundary: CLI11's parse exceptions are caught here
// and turned into Docker-style usage errors; every command returns an
// absl::Status that is printed here ("Error response from daemon: ..." for
// errors the daemon returned) with exit code 1.

#include <CLI/CLI.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/status/status.h"
#include "cli/command_line.h"
#include "cli/container_commands.h"
#include "cli/context.h"
#include "cli/image_commands.h"
#include "cli/registry_commands.h"
#include "cli/system_commands.h"
#include "sdk/status.h"

namespace cli {
namespace {

absl::Status Dispatch(Context* ctx) {
  switch (ctx->inv().command) {
    case CommandId::kPull: return RunPull(ctx);
    case CommandId::kPush: return RunPush(ctx);
    case CommandId::kImages: return RunImages(ctx);
    case CommandId::kImageInspect: return RunImageInspect(ctx);
    case CommandId::kTag: return RunTag(ctx);
    case CommandId::kRmi: return RunRmi(ctx);
    case CommandId::kImagePrune: return RunImagePrune(ctx);
    case CommandId::kImageHistory: return RunImageHistory(ctx);
    case CommandId::kLogin: return RunLogin(ctx);
    case CommandId::kLogout: return RunLogout(ctx);
    case CommandId::kVersion: return RunVersion(ctx);
    case CommandId::kInfo: return RunInfo(ctx);
    case CommandId::kRun: return RunRun(ctx);
    case CommandId::kCreate: return RunCreate(ctx);
    case CommandId::kStart: return RunStart(ctx);
    case CommandId::kAttach: return RunAttach(ctx);
    case CommandId::kPs: return RunPs(ctx);
    case CommandId::kLogs: return RunLogs(ctx);
    case CommandId::kStop: return RunStop(ctx);
    case CommandId::kKill: return RunKill(ctx);
    case CommandId::kRestart: return RunRestart(ctx);
    case CommandId::kRm: return RunRm(ctx);
    case CommandId::kExec: return RunExec(ctx);
    case CommandId::kInspect:
    case CommandId::kContainerInspect: return RunInspect(ctx);
    case CommandId::kWait: return RunWait(ctx);
    case CommandId::kTop: return RunTop(ctx);
    case CommandId::kStats: return RunStats(ctx);
    case CommandId::kPause: return RunPause(ctx);
    case CommandId::kUnpause: return RunUnpause(ctx);
    case CommandId::kRename: return RunRename(ctx);
    case CommandId::kContainerPrune: return RunContainerPrune(ctx);
    case CommandId::kEvents: return RunEvents(ctx);
    case CommandId::kNone: break;
  }
  return absl::OkStatus();
}

int TerminalWidth(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 200;
}

}  // namespace
}  // namespace cli

int main(int argc, char** argv) {
  cli::CommandLine command_line;
  try {
    command_line.Parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << command_line.Help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << command_line.Help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << command_line.FlagError(e.what()) << "\n";
    return 125;
  } catch (const CLI::Error& e) {
    std::cerr << e.what() << "\n";
    return 125;
  }

  const cli::Invocation& inv = command_line.invocation();
  if (inv.global.version) {
    std::cout << cli::VersionLine() << "\n";
    return 0;
  }
  if (absl::Status s = command_line.Validate(); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  if (inv.command == cli::CommandId::kNone) {
    std::cout << command_line.Help();
    return 0;
  }

  cli::Context ctx(&inv, &std::cout, &std::cerr, &std::cin);
  ctx.out_is_tty = ::isatty(STDOUT_FILENO) == 1;
  ctx.in_is_tty = ::isatty(STDIN_FILENO) == 1;
  ctx.err_is_tty = ::isatty(STDERR_FILENO) == 1;
  ctx.out_width = cli::TerminalWidth(STDOUT_FILENO);

  absl::Status status = cli::Dispatch(&ctx);
  int code = ctx.exit_code >= 0 ? ctx.exit_code : 0;
  if (!status.ok()) {
    if (sdk::IsDaemonError(status)) {
      std::cerr << "Error response from daemon: " << status.message() << "\n";
    } else {
      std::cerr << status.message() << "\n";
    }
    if (ctx.exit_code < 0) code = 1;
  }
  // Everything the command had to say is written; tearing down gRPC's
  // channel and threads would only delay the exit (about a millisecond of
  // every `berth run`), so leave without destructors.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}
