// The image side of berthd's wiring: Server::BuildImageService and what it
// owns. Kept apart from server.cc so that the image service can be wired in
// without touching the daemon's process plumbing.

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/content/content_store.h"
#include "engine/images/image_service.h"
#include "engine/metadata/metadata_store.h"
#include "engine/registry/registry_client.h"
#include "engine/server/image_wiring.h"
#include "engine/server/server.h"
#include "engine/services/images_service.h"
#include "engine/snapshots/overlay_snapshotter.h"

namespace engine {
namespace server {

void ImageWiringDeleter::operator()(ImageWiring* wiring) const { delete wiring; }

absl::Status Server::BuildImageService() {
  auto wiring = std::unique_ptr<ImageWiring, ImageWiringDeleter>(new ImageWiring());
  const std::string& root = config_.data_root;
  ASSIGN_OR_RETURN(wiring->content,
                   content::ContentStore::Open(base::JoinPath(root, "content")));
  ASSIGN_OR_RETURN(wiring->metadata, metadata::MetadataStore::Open(root));
  ASSIGN_OR_RETURN(wiring->snapshotter, snapshots::OverlaySnapshotter::Open(
                                            base::JoinPath(root, "snapshots")));
  registry::RegistryOptions registry_options;
  registry_options.insecure_registries = config_.insecure_registries;
  registry_options.mirrors = config_.registry_mirrors;
  wiring->registry = std::make_unique<registry::RegistryClient>(registry_options);

  images::ImageServiceDeps deps;
  deps.registry = wiring->registry.get();
  deps.content = wiring->content.get();
  deps.metadata = wiring->metadata.get();
  deps.snapshotter = wiring->snapshotter.get();
  events::EventBus* bus = &bus_;
  deps.events = [bus](absl::string_view action, absl::string_view actor,
                      const std::map<std::string, std::string>& attributes) {
    events::Event event;
    event.type = "image";
    event.action = std::string(action);
    event.actor_id = std::string(actor);
    event.attributes = attributes;
    bus->Publish(std::move(event));
  };
  images::PullOptions pull_options;
  pull_options.max_concurrent_downloads = config_.max_concurrent_downloads;
  wiring->images = std::make_unique<images::ImageService>(deps, pull_options,
                                                          images::PushOptions());

  // No pull survives a restart: release what crashed pulls held and reclaim
  // whatever nothing references.
  RETURN_IF_ERROR(wiring->metadata->DeleteAllLeases());
  RETURN_IF_ERROR(wiring->snapshotter->Cleanup());
  auto gc = wiring->images->CollectGarbage();
  if (!gc.ok()) LOG_WARN("startup garbage collection failed", {{"error", gc.status().ToString()}});

  images::ImageService* images = wiring->images.get();
  image_count_ = [images]() { return images->Count(); };
  registry::RegistryClient* client = wiring->registry.get();
  registry_auth_.check_login = [client](absl::string_view domain,
                                        const services::LoginCredentials& creds) {
    return client->CheckLogin(
        domain, registry::Credentials{creds.username, creds.password, creds.identity_token});
  };
  registry_auth_.forget_tokens = [client](absl::string_view domain) {
    client->ForgetTokens(domain);
  };
  AddService(std::make_unique<services::ImagesService>(images));
  images_ = std::move(wiring);
  return absl::OkStatus();
}

}  // namespace server
}  // namespace engine
