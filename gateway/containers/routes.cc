#include "gateway/containers/routes.h"

namespace gateway {

void RegisterContainersRoutes(const sdk::Client* client, Router* router) {
  (void)client;
  (void)router;
}

}  // namespace gateway
