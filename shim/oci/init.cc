#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "engine/base/status.h"
#include "shim/oci/process_setup.h"

namespace shim::oci {
namespace {
sigset_t g_saved_mask;
}  // namespace

absl::StatusOr<pid_t> ForkUnderInit() {
  sigset_t all;
  sigfillset(&all);
  if (sigprocmask(SIG_SETMASK, &all, &g_saved_mask) != 0) {
    return base::ErrnoError(errno, "block signals");
  }
  pid_t pid = fork();
  if (pid < 0) return base::ErrnoError(errno, "fork the container's program");
  if (pid == 0) sigprocmask(SIG_SETMASK, &g_saved_mask, nullptr);
  return pid;
}

void RunInitReaper(pid_t child) {
  sigset_t all;
  sigfillset(&all);
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid != child) continue;
      if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
      if (WIFSIGNALED(status)) _exit(128 + WTERMSIG(status));
    }
  }
}

}  // namespace shim::oci
