#include "gateway/images/routes.h"

namespace gateway {

void RegisterImagesRoutes(const sdk::Client* client, Router* router) {
  (void)client;
  (void)router;
}

}  // namespace gateway
