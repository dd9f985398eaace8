#include "engine/archive/archive_library.h"

#include "engine/base/status_macros.h"

namespace engine::archive {
namespace {

absl::StatusOr<std::unique_ptr<ArchiveApi>> Load() {
  auto api = std::make_unique<ArchiveApi>();
  ASSIGN_OR_RETURN(api->library, base::DlLibrary::Open("libarchive.so.13"));
#define BERTH_ARCHIVE_RESOLVE(name) RETURN_IF_ERROR(api->library->Resolve(#name, &api->name));
  BERTH_ARCHIVE_FUNCTIONS(BERTH_ARCHIVE_RESOLVE)
#undef BERTH_ARCHIVE_RESOLVE
  return api;
}

base::SharedLoader<ArchiveApi>& Loader() {
  static auto* loader = new base::SharedLoader<ArchiveApi>(Load);
  return *loader;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ArchiveApi>> AcquireArchive() {
  return Loader().Acquire();
}

bool ArchiveLoaded() { return Loader().loaded(); }

}  // namespace engine::archive
