// Internal to berthd's wiring: what Server::BuildImageService keeps alive,
// shared with the container wiring (which uses the same stores).

#ifndef ENGINE_SERVER_IMAGE_WIRING_H_
#define ENGINE_SERVER_IMAGE_WIRING_H_

#include <memory>

#include "engine/content/content_store.h"
#include "engine/images/image_service.h"
#include "engine/metadata/metadata_store.h"
#include "engine/registry/registry_client.h"
#include "engine/snapshots/overlay_snapshotter.h"

namespace engine {
namespace server {

// Everything the image service needs kept alive for the daemon's lifetime.
// Destroyed after the gRPC server has stopped, in reverse order.
struct ImageWiring {
  std::unique_ptr<content::ContentStore> content;
  std::unique_ptr<metadata::MetadataStore> metadata;
  std::unique_ptr<snapshots::OverlaySnapshotter> snapshotter;
  std::unique_ptr<registry::RegistryClient> registry;
  std::unique_ptr<images::ImageService> images;
};

}  // namespace server
}  // namespace engine

#endif  // ENGINE_SERVER_IMAGE_WIRING_H_
