// -----------------------------------------------------------------------------
// File: sealed_binary.h
// -----------------------------------------------------------------------------
//
// Defence against CVE-2019-5736: a container whose program is
// `#!/proc/self/exe` (or an ELF with that interpreter) makes the runtime's
// own binary run inside the container, where it can be reopened for writing
// through /proc/<pid>/exe. If the runtime's process image comes from a
// sealed memfd (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
// that write fails and the host binary is out of reach.
//
// Cheapest for many shims: the launcher (berthd) makes one sealed copy and
// starts every shim with fexecve() of it, so the copy's pages are shared.
// ReexecFromSealedCopy() is the self-contained fallback (one copy per
// process: costs about the binary's size in RAM).
//
// Thread-compatible; call ReexecFromSealedCopy() early in main().

#ifndef SHIM_OCI_SEALED_BINARY_H_
#define SHIM_OCI_SEALED_BINARY_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"

namespace shim::oci {

// Whether /proc/self/exe is a memfd with the write seals.
bool RunningFromSealedBinary();

// Copies the file at `path` into a new memfd and seals it (O_CLOEXEC).
absl::StatusOr<base::UniqueFd> MakeSealedCopy(absl::string_view path);

// Unless already running from a sealed binary, re-executes the process from
// a sealed copy of /proc/self/exe with the same argv and environment. Only
// returns on error (or OK when already sealed).
absl::Status ReexecFromSealedCopy(char** argv);

}  // namespace shim::oci

#endif  // SHIM_OCI_SEALED_BINARY_H_
