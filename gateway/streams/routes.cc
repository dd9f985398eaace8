#include "gateway/streams/routes.h"

namespace gateway {

void RegisterStreamsRoutes(const sdk::Client* client, Router* router) {
  (void)client;
  (void)router;
}

}  // namespace gateway
