// -----------------------------------------------------------------------------
// File: routes.h
// -----------------------------------------------------------------------------
//
// The Docker Engine API's images routes, translated to Berth's SDK.

#ifndef GATEWAY_IMAGES_ROUTES_H_
#define GATEWAY_IMAGES_ROUTES_H_

#include "gateway/http/router.h"
#include "sdk/client.h"

namespace gateway {

// Adds the routes to `router`. `client` is not owned and must outlive the
// router; it is used from many connection threads at once (sdk::Client is
// thread-safe).
void RegisterImagesRoutes(const sdk::Client* client, Router* router);

}  // namespace gateway

#endif  // GATEWAY_IMAGES_ROUTES_H_
