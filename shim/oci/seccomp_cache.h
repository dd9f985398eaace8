// -----------------------------------------------------------------------------
// File: seccomp_cache.h
// -----------------------------------------------------------------------------
//
// Compiled seccomp programs kept on disk, so that containers with the same
// profile skip libseccomp's compile (about 9 ms for Docker's default profile,
// the largest single cost of a container start once cgroups are joined
// cheaply). Every shim is a new process, so an in-memory cache would not help.
//
// An entry is a file named by a 64-bit FNV-1a hash of its key and holding
// the whole key: the profile, the ENOSYS-stub choice, libseccomp's version
// and the entry format. A hash collision or a stale entry therefore misses;
// it can never load the wrong program. The directory must be root-only
// (berthd's exec root); entries are written to a temporary name and renamed
// into place, so concurrent shims see either nothing or a whole entry.
//
// Thread-compatible.

#ifndef SHIM_OCI_SECCOMP_CACHE_H_
#define SHIM_OCI_SECCOMP_CACHE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shim/oci/seccomp.h"
#include "shim/oci/spec.h"

namespace shim::oci {

// The cache key of `spec` compiled with or without the ENOSYS stub.
std::string SeccompCacheKey(const SeccompSpec& spec, bool enosys_stub);

// CompileSeccomp(spec, enosys_stub) through the cache in `dir`; with an
// empty `dir`, a plain compile. A cache that cannot be read or written is
// only a miss (the program is compiled); compile errors are returned as
// CompileSeccomp returns them.
absl::StatusOr<SeccompProgram> CompileSeccompCached(const SeccompSpec& spec,
                                                    bool enosys_stub,
                                                    absl::string_view dir);

}  // namespace shim::oci

#endif  // SHIM_OCI_SECCOMP_CACHE_H_
