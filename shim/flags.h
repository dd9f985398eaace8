// -----------------------------------------------------------------------------
// File: flags.h
// -----------------------------------------------------------------------------
//
// berth-shim's command line (issue 3's agreed layout):
//
//   berth-shim --id ID --bundle DIR --state-dir DIR --socket PATH
//              --log-path FILE --log-max-size BYTES --log-max-file N
//              --ready-fd N [--no-log] [--stdin] [--seccomp-cache DIR]
//
// `--flag VALUE` and `--flag=VALUE` are both accepted. --stdin (an
// extension) gives the init a stdin pipe, as `docker run -i`; the
// config.json annotation "berth.stdin": "true" does the same.
// --log-max-size < 0 (default -1) never rotates; --log-max-file default 1.
// --seccomp-cache names a root-only directory of compiled seccomp programs
// shared by all shims (shim/oci/seccomp_cache.h).

#ifndef SHIM_FLAGS_H_
#define SHIM_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shim/shim_state.h"

namespace shim {

struct Flags {
  ShimOptions options;
  int ready_fd = -1;
  std::string seccomp_cache_dir;  // "" = compile every time
};

// InvalidArgument naming the flag for unknown flags, missing values or
// required flags, and bad numbers.
absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args);

// Whether config.json (its text) carries annotations."berth.stdin" == "true".
bool SpecWantsStdin(absl::string_view config_json);

}  // namespace shim

#endif  // SHIM_FLAGS_H_
