// Internal to //engine/containers:spec_builder: the mount half of the spec.

#ifndef ENGINE_CONTAINERS_SPEC_INTERNAL_H_
#define ENGINE_CONTAINERS_SPEC_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/containers/spec_builder.h"

namespace engine {
namespace containers {
namespace internal {

struct MountSpec {
  std::string destination, type, source;
  std::vector<std::string> options;
};

// Docker's default mounts (minus those a user mount replaces), then the
// user's mounts and the /etc file binds, parents before children.
absl::StatusOr<std::vector<MountSpec>> AllMounts(const ContainerRecord& record,
                                                 const SpecPaths& paths);

// Docker's masked paths plus every CPU's thermal_throttle directory.
std::vector<std::string> MaskedPaths();

}  // namespace internal
}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_SPEC_INTERNAL_H_
