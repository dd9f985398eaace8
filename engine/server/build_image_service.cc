// The image side of berthd's wiring: Server::BuildImageService and what it
// owns. Kept apart from server.cc so that the image service can be wired in
// without touching the daemon's process plumbing.

#include "engine/server/server.h"

namespace engine {
namespace server {

// Everything the image service needs kept alive for the daemon's lifetime
// (stores, registry client, image service). Destroyed after the gRPC server
// has stopped.
struct ImageWiring {};

void ImageWiringDeleter::operator()(ImageWiring* wiring) const { delete wiring; }

absl::Status Server::BuildImageService() {
  // Not wired yet: the Images service, the image count and registry login
  // come with engine/images and engine/registry. Until then Info reports 0
  // images and Login answers UNIMPLEMENTED.
  images_.reset(new ImageWiring());
  return absl::OkStatus();
}

}  // namespace server
}  // namespace engine
