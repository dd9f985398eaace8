// -----------------------------------------------------------------------------
// File: user_lookup.h
// -----------------------------------------------------------------------------
//
// Resolves a container's user ("name|uid[:group|gid]") to numeric IDs with
// the image's own /etc/passwd and /etc/group, as Docker (moby/sys/user
// GetExecUser) does. The files are read from the rootfs with
// ReadFileInRoot (rootfs_files.h): confined to the rootfs, capped at 1 MiB,
// never through NSS.
//
// Rules:
//   - "" is uid 0 (gid 0 unless passwd says otherwise).
//   - A user matches a passwd entry by name or by numeric uid; an unknown
//     numeric user is used as is; an unknown name is an error.
//   - Without a group, the gid is the passwd entry's and the supplementary
//     groups are every group listing the user's name. With a group, it
//     matches by name or gid (an unknown number is used as is) and there are
//     no supplementary groups from /etc/group.
//   - `group_add` entries (names or numbers) are appended.
//   - Every id must be in 0..2^31-1.
//
// Errors (InvalidArgument, Docker's wording):
//   "unable to find user x: no matching entries in passwd file"
//   "unable to find group x: no matching entries in group file"
//   "uids and gids must be in range 0-2147483647"
// plus the read errors of ReadFileInRoot.

#ifndef ENGINE_CONTAINERS_USER_LOOKUP_H_
#define ENGINE_CONTAINERS_USER_LOOKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace containers {

struct ExecUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";  // from passwd; "/" when unknown
  std::string name;        // passwd name, empty when unknown
};

absl::StatusOr<ExecUser> ResolveUser(absl::string_view rootfs, absl::string_view user,
                                     const std::vector<std::string>& group_add);

// The same over file contents (for tests and fuzzing). A missing file is
// passed as "".
absl::StatusOr<ExecUser> ResolveUserFromFiles(absl::string_view passwd, absl::string_view group,
                                              absl::string_view user,
                                              const std::vector<std::string>& group_add);

}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_USER_LOOKUP_H_
