#include <sys/resource.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "shim/oci/process_setup.h"

namespace shim::oci {

absl::Status ApplyRlimits(const std::vector<Rlimit>& rlimits) {
  for (const Rlimit& r : rlimits) {
    struct rlimit64 value {};
    value.rlim_cur = r.soft;
    value.rlim_max = r.hard;
    if (prlimit64(0, static_cast<__rlimit_resource>(r.resource), &value, nullptr) != 0) {
      return base::ErrnoError(errno, absl::StrCat("setrlimit ", r.resource));
    }
  }
  return absl::OkStatus();
}

}  // namespace shim::oci
