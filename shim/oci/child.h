// -----------------------------------------------------------------------------
// File: child.h
// -----------------------------------------------------------------------------
//
// The container side of process creation (internal to the runtime): what a
// new init or exec process does between clone and execve, and the child's
// half of the sync protocol described in process.cc. Runs in a
// single-threaded child; never returns to the caller's code.

#ifndef SHIM_OCI_CHILD_H_
#define SHIM_OCI_CHILD_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "shim/oci/mounts.h"
#include "shim/oci/seccomp.h"
#include "shim/oci/spec.h"

namespace shim::oci {

struct ChildArgs {
  const Spec* spec = nullptr;
  const ProcessSpec* process = nullptr;
  const SeccompProgram* seccomp = nullptr;
  const MountContext* mounts = nullptr;  // init only
  // Init only: the files the init writes "0" to first, joining its cgroup
  // (the seccomp program then arrives with the 'G' message).
  const std::vector<std::string>* cgroup_procs = nullptr;
  bool init = false;
  int sock = -1;
  int stdio[3] = {-1, -1, -1};
  pid_t parent = 0;
};

// Everything from the go-ahead to execve; reports errors over `a.sock`.
[[noreturn]] void RunChild(const ChildArgs& a);

// Sends one packet; false on error.
bool SendBytes(int sock, absl::string_view data);
// Waits for the byte `expected`; exits quietly on EOF (the parent gave up).
void Await(int sock, char expected);
// Reports `status` as an 'E' message and exits with `code`.
[[noreturn]] void Fail(int sock, const absl::Status& status, int code = 1);
// Writes `value` to a file that must be on procfs (checked by fstatfs).
absl::Status WriteProcFile(const std::string& path, absl::string_view value);

}  // namespace shim::oci

#endif  // SHIM_OCI_CHILD_H_
