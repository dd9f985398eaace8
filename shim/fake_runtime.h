// -----------------------------------------------------------------------------
// File: fake_runtime.h
// -----------------------------------------------------------------------------
//
// A stand-in for the built-in runtime (shim/oci/runtime.h) in the shim's
// unit tests: no namespaces, cgroups or rootfs. FakeCreateInit reads
// process.args (and process.terminal is not supported) from
// `bundle`/config.json, forks a child that waits, and Start() makes it
// execvp the args. A missing executable is reported by Start() as NotFound
// with Docker's wording, and the child exits 127. KillAll signals the
// children's process groups. Test-only.

#ifndef SHIM_FAKE_RUNTIME_H_
#define SHIM_FAKE_RUNTIME_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shim/oci/runtime.h"

namespace shim {

absl::StatusOr<std::unique_ptr<oci::Container>> FakeCreateInit(
    absl::string_view bundle, const oci::Stdio& stdio, std::unique_ptr<oci::Process>* init);

}  // namespace shim

#endif  // SHIM_FAKE_RUNTIME_H_
