#include "shim/oci/sealed_binary.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"

extern char** environ;

namespace shim::oci {
namespace {
constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
}  // namespace

bool RunningFromSealedBinary() {
  base::UniqueFd self(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!self.valid()) return false;
  int seals = fcntl(self.get(), F_GET_SEALS);
  return seals >= 0 && (seals & kSeals) == kSeals;
}

absl::StatusOr<base::UniqueFd> MakeSealedCopy(absl::string_view path) {
  const std::string p(path);
  base::UniqueFd src(open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!src.valid()) return base::ErrnoError(errno, absl::StrCat("open ", p));
  struct stat st;
  if (fstat(src.get(), &st) != 0) return base::ErrnoError(errno, absl::StrCat("stat ", p));
  base::UniqueFd mem(memfd_create("berth-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!mem.valid()) return base::ErrnoError(errno, "memfd_create");
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = sendfile(mem.get(), src.get(), &offset, st.st_size - offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return base::ErrnoError(n < 0 ? errno : EIO, absl::StrCat("copy ", p));
  }
  if (fcntl(mem.get(), F_ADD_SEALS, kSeals) != 0) {
    return base::ErrnoError(errno, "seal the binary copy");
  }
  return mem;
}

absl::Status ReexecFromSealedCopy(char** argv) {
  if (RunningFromSealedBinary()) return absl::OkStatus();
  auto copy = MakeSealedCopy("/proc/self/exe");
  if (!copy.ok()) return copy.status();
  fexecve(copy->get(), argv, environ);
  return base::ErrnoError(errno, "re-exec from the sealed copy");
}

}  // namespace shim::oci
