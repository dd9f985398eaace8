#include "gateway/system/routes.h"

namespace gateway {

void RegisterSystemRoutes(const sdk::Client* client, Router* router) {
  (void)client;
  (void)router;
}

}  // namespace gateway
