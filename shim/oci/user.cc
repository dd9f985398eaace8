#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "shim/oci/process_setup.h"

namespace shim::oci {

absl::Status ApplyUser(const ProcessSpec& p) {
  if (syscall(SYS_setgroups, p.additional_gids.size(),
              p.additional_gids.empty() ? nullptr : p.additional_gids.data()) != 0) {
    return base::ErrnoError(errno, "setgroups");
  }
  if (syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0) {
    return base::ErrnoError(errno, absl::StrCat("setresgid ", p.gid));
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return base::ErrnoError(errno, "prctl(PR_SET_KEEPCAPS)");
  }
  if (syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) {
    return base::ErrnoError(errno, absl::StrCat("setresuid ", p.uid));
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return base::ErrnoError(errno, "prctl(PR_SET_KEEPCAPS)");
  }
  if (p.umask) umask(*p.umask);
  return absl::OkStatus();
}

}  // namespace shim::oci
