// The container side of berthd's wiring: Server::BuildContainerService and
// what it owns. Kept apart from server.cc like the image side.

#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/containers/container_store.h"
#include "engine/containers/spec_builder.h"
#include "engine/runtime/container_manager.h"
#include "engine/runtime/shim_launcher.h"
#include "engine/server/image_wiring.h"
#include "engine/server/server.h"
#include "engine/services/containers_service.h"

namespace engine {
namespace server {

struct ContainerWiring {
  std::unique_ptr<containers::ContainerStore> store;
  std::unique_ptr<runtime::ContainerManager> manager;
};

void ContainerWiringDeleter::operator()(ContainerWiring* wiring) const { delete wiring; }

namespace {

runtime::SpecFunctions RealSpecFunctions() {
  runtime::SpecFunctions specs;
  specs.build_spec = [](const containers::ContainerRecord& record,
                        const registry::ImageConfig& image, const runtime::SpecFiles& files) {
    containers::SpecPaths paths;
    paths.rootfs = files.rootfs;
    paths.hostname_file = files.hostname_file;
    paths.hosts_file = files.hosts_file;
    paths.resolv_conf_file = files.resolv_conf_file;
    return containers::BuildSpec(record, image, paths);
  };
  specs.build_exec_process = [](const containers::ContainerRecord& record,
                                const registry::ImageConfig& image,
                                const berth::v1::ExecCreateRequest& exec,
                                absl::string_view rootfs) {
    return containers::BuildExecProcess(record, image, exec, rootfs);
  };
  specs.etc_files = [](const containers::ContainerRecord& record,
                       std::vector<std::string>* warnings)
      -> absl::StatusOr<runtime::SpecFunctions::EtcFiles> {
    ASSIGN_OR_RETURN(containers::EtcFilesContent content,
                     containers::BuildEtcFiles(record, warnings));
    runtime::SpecFunctions::EtcFiles files;
    files.hostname = std::move(content.hostname);
    files.hosts = std::move(content.hosts);
    files.resolv_conf = std::move(content.resolv_conf);
    return files;
  };
  return specs;
}

}  // namespace

absl::Status Server::BuildContainerService() {
  auto wiring = std::unique_ptr<ContainerWiring, ContainerWiringDeleter>(new ContainerWiring());
  wiring->store = std::make_unique<containers::ContainerStore>(images_->metadata.get());
  runtime::ManagerOptions options;
  options.data_root = config_.data_root;
  options.exec_root = config_.exec_root;
  absl::StatusOr<std::string> shim = runtime::FindShimBinary(config_.shim_binary);
  if (shim.ok()) {
    options.shim_binary = *shim;
  } else if (!config_.shim_binary.empty()) {
    return shim.status();
  } else {
    // Containers cannot start, but the daemon still serves images.
    LOG_WARN("berth-shim not found; containers cannot start",
             {{"error", shim.status().ToString()}});
    options.shim_binary = "berth-shim";
  }
  options.store = wiring->store.get();
  options.metadata = images_->metadata.get();
  options.content = images_->content.get();
  options.snapshotter = images_->snapshotter.get();
  options.bus = &bus_;
  options.specs = RealSpecFunctions();
  ASSIGN_OR_RETURN(wiring->manager, runtime::ContainerManager::Create(std::move(options)));
  absl::Status restored = wiring->manager->Restore();
  if (!restored.ok()) {
    LOG_WARN("restoring containers failed", {{"error", restored.ToString()}});
  }
  runtime::ContainerManager* manager = wiring->manager.get();
  images_->images->SetImageUseChecker(
      [manager](const std::string& image_id) -> std::optional<images::ImageUse> {
        std::optional<runtime::ContainerManager::ImageUser> user =
            manager->FindImageUser(image_id);
        if (!user.has_value()) return std::nullopt;
        return images::ImageUse{user->short_id, user->running};
      });
  AddService(std::make_unique<services::ContainersService>(manager));
  containers_ = std::move(wiring);
  return absl::OkStatus();
}

}  // namespace server
}  // namespace engine
