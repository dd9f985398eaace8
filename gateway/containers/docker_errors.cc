#include "gateway/containers/docker_errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gateway {

absl::Status KillError(const absl::Status& status, absl::string_view ref) {
  if (!absl::IsFailedPrecondition(status)) return status;
  absl::string_view msg = status.message();
  if (!absl::EndsWith(msg, " is not running")) return status;
  absl::string_view id = msg;
  if (!absl::ConsumePrefix(&id, "Container ") && !absl::ConsumePrefix(&id, "container ")) {
    return status;
  }
  absl::ConsumeSuffix(&id, " is not running");
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot kill container: ", ref, ": container ", id, " is not running"));
}

absl::Status RemoveError(const absl::Status& status, absl::string_view name) {
  if (!absl::IsFailedPrecondition(status)) return status;
  absl::string_view msg = status.message();
  absl::string_view state;
  if (absl::StartsWith(msg, "You cannot remove a running container")) {
    state = "running";
  } else if (absl::StartsWith(msg, "You cannot remove a paused container")) {
    state = "paused";
  } else {
    return status;
  }
  std::string slashed =
      absl::StartsWith(name, "/") ? std::string(name) : absl::StrCat("/", name);
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot remove container \"", slashed, "\": container is ", state,
      ": stop the container before removing or force remove"));
}

absl::Status CreateError(const absl::Status& status) {
  if (!absl::IsNotFound(status)) return status;
  absl::string_view ref = status.message();
  if (!absl::ConsumePrefix(&ref, "No such image: ") || ref.empty()) return status;
  absl::string_view last = ref.substr(ref.rfind('/') == absl::string_view::npos
                                          ? 0
                                          : ref.rfind('/') + 1);
  if (absl::StrContains(last, ':') || absl::StrContains(ref, '@')) return status;
  return absl::NotFoundError(absl::StrCat("No such image: ", ref, ":latest"));
}

bool IsAlreadyRunning(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) &&
         absl::EndsWith(status.message(), "is already running");
}

}  // namespace gateway
