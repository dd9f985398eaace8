// -----------------------------------------------------------------------------
// File: seccomp.h
// -----------------------------------------------------------------------------
//
// Compiles an OCI linux.seccomp section into a classic BPF program with
// libseccomp, in the parent (so a bad profile is an InvalidArgument from
// CreateInit), and loads it in the container's process just before execve.
//
// The program is libseccomp's, preceded by an ENOSYS stub (as runc's
// patchbpf): on each architecture of the filter, a syscall number above the
// highest one the profile names returns ENOSYS instead of the default errno,
// so that libc falls back from syscalls newer than the profile (clone3 ->
// clone, ...). The stub is left out when the default action is ALLOW or the
// annotation/flag "berth.seccomp.enosys"="false" asks so.
//
// Thread-compatible.

#ifndef SHIM_OCI_SECCOMP_H_
#define SHIM_OCI_SECCOMP_H_

#include <linux/filter.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shim/oci/spec.h"

namespace shim::oci {

struct SeccompProgram {
  std::vector<sock_filter> insns;
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_* from linux.seccomp.flags
};

// Compiles `spec`. Unknown syscall names are skipped (as runc and crun do);
// an unknown action, architecture, operator or flag is InvalidArgument.
absl::StatusOr<SeccompProgram> CompileSeccomp(const SeccompSpec& spec, bool enosys_stub);

// Loads `program` into the calling thread (seccomp(2)). Needs
// no_new_privs or CAP_SYS_ADMIN.
absl::Status LoadSeccomp(const SeccompProgram& program);

}  // namespace shim::oci

#endif  // SHIM_OCI_SECCOMP_H_
