// -----------------------------------------------------------------------------
// File: process_setup.h
// -----------------------------------------------------------------------------
//
// The small per-process steps between clone and execve, one .cc file per
// kernel concern: rlimits.cc, user.cc, terminal.cc, init.cc. All run in the
// container's (single-threaded) process; none is thread-safe.

#ifndef SHIM_OCI_PROCESS_SETUP_H_
#define SHIM_OCI_PROCESS_SETUP_H_

#include <sys/types.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/base/unique_fd.h"
#include "shim/oci/spec.h"

namespace shim::oci {

// rlimits.cc: sets each limit with prlimit(2).
absl::Status ApplyRlimits(const std::vector<Rlimit>& rlimits);

// user.cc: setgroups (the spec's additional gids, else none), setresgid,
// then setresuid with PR_SET_KEEPCAPS so that the permitted set survives for
// ApplyCapabilities(); sets the umask when given. Uses raw syscalls (no NSS:
// names were resolved by the engine from the image's own files).
absl::Status ApplyUser(const ProcessSpec& process);

// terminal.cc: opens a new pty master in the container's devpts
// (/dev/pts/ptmx, after pivot_root) and unlocks it.
absl::StatusOr<base::UniqueFd> OpenPtyMaster();
// Opens the slave of `master` by descriptor (TIOCGPTPEER), makes it the
// controlling terminal of the calling session leader and its stdio.
absl::Status AttachPtySlave(int master);
// Binds the pty slave on stdin (checked: a pts device, major 136-143) onto
// /dev/console of the container's root, as Docker does for a terminal.
// Call after pivot_root, when /dev is the runtime's tmpfs.
absl::Status BindConsole();
// Sends one descriptor with a one-byte tag over a SOCK_SEQPACKET socket
// (SCM_RIGHTS); process.cc reads it.
absl::Status SendFd(int sock, char tag, int fd);

// init.cc: the reaping init ("berth.init" annotation). ForkUnderInit() blocks
// every signal, forks, and returns 0 in the child (with the signal mask
// restored) and the child's pid in the parent, which then calls
// RunInitReaper(): it forwards every signal it gets to the child, reaps
// every zombie of the pid namespace and exits with the child's status
// (128+N when killed by signal N).
absl::StatusOr<pid_t> ForkUnderInit();
[[noreturn]] void RunInitReaper(pid_t child);

}  // namespace shim::oci

#endif  // SHIM_OCI_PROCESS_SETUP_H_
