// -----------------------------------------------------------------------------
// File: container_commands.h
// -----------------------------------------------------------------------------
//
// The container commands. Each reads its options and arguments from the
// context, writes Docker's output, and either returns an error for main()
// to print (exit 1) or sets ctx->exit_code: the container's or exec's own
// status for run, start -a, attach and exec; 125 for an engine error of
// run/create (printed here as Docker's "berth: <error>.\nSee 'berth run
// --help'."), 126 when the command cannot be invoked, 127 when it is not
// found.

#ifndef CLI_CONTAINER_COMMANDS_H_
#define CLI_CONTAINER_COMMANDS_H_

#include "absl/status/status.h"
#include "cli/context.h"

namespace cli {

// container_run.cc
absl::Status RunRun(Context* ctx);
absl::Status RunCreate(Context* ctx);
absl::Status RunStart(Context* ctx);
absl::Status RunAttach(Context* ctx);
absl::Status RunExec(Context* ctx);

// container_commands.cc
absl::Status RunPs(Context* ctx);
absl::Status RunLogs(Context* ctx);
absl::Status RunStop(Context* ctx);
absl::Status RunKill(Context* ctx);
absl::Status RunRestart(Context* ctx);
absl::Status RunRm(Context* ctx);
absl::Status RunInspect(Context* ctx);  // kInspect and kContainerInspect
absl::Status RunWait(Context* ctx);
absl::Status RunTop(Context* ctx);
absl::Status RunStats(Context* ctx);
absl::Status RunPause(Context* ctx);
absl::Status RunUnpause(Context* ctx);
absl::Status RunRename(Context* ctx);
absl::Status RunContainerPrune(Context* ctx);
absl::Status RunEvents(Context* ctx);

// ExitCodeForStartError()
//
// Docker's exit code for a failed start of a container or exec: 127 when
// the command was not found (NotFound, or a message saying "executable file
// not found" / "no such file or directory"), 126 when it cannot be invoked
// (PermissionDenied, "permission denied", "is a directory"), else 125.
int ExitCodeForStartError(const absl::Status& status);

// DaemonErrorText()
//
// An error as main() prints it: "Error response from daemon: <msg>" for
// daemon errors, the message otherwise.
std::string DaemonErrorText(const absl::Status& status);

}  // namespace cli

#endif  // CLI_CONTAINER_COMMANDS_H_
