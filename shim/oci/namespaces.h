// -----------------------------------------------------------------------------
// File: namespaces.h
// -----------------------------------------------------------------------------
//
// Namespace kinds of the OCI spec and how a process enters them.

#ifndef SHIM_OCI_NAMESPACES_H_
#define SHIM_OCI_NAMESPACES_H_

#include <sys/types.h>

#include "absl/status/status.h"
#include "shim/oci/spec.h"

namespace shim::oci {

// CLONE_NEW* flags for the namespaces the spec wants created (those without
// a path), except CLONE_NEWCGROUP, which the init unshares only after it has
// been moved into its cgroup (so that the cgroup is its namespace's root).
int CloneFlags(const Spec& spec);

// In the new init: joins the namespaces the spec gives by path (network,
// ipc, uts, cgroup) and unshares the cgroup namespace when one is wanted.
absl::Status JoinSpecNamespaces(const Spec& spec);

// Sets the loopback interface of the caller's network namespace up (a new
// namespace starts with it down).
absl::Status BringUpLoopback();

// For exec: joins every namespace of the container whose init is `init_pid`
// (or the spec's path), mount last. The pid namespace applies to children
// of the caller only. Call with PR_SET_DUMPABLE 0 (CVE-2019-5736).
absl::Status JoinContainerNamespaces(const Spec& spec, pid_t init_pid);

}  // namespace shim::oci

#endif  // SHIM_OCI_NAMESPACES_H_
