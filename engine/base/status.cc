#include "engine/base/status.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace base {

absl::Status ErrnoError(int errno_value, absl::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(errno_value),
                      absl::StrCat(what, ": ", std::strerror(errno_value)));
}

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(context, ": ", status.message()));
}

}  // namespace base
