// -----------------------------------------------------------------------------
// File: routes.h
// -----------------------------------------------------------------------------
//
// The Docker Engine API's system routes, translated to Berth's SDK.

#ifndef GATEWAY_SYSTEM_ROUTES_H_
#define GATEWAY_SYSTEM_ROUTES_H_

#include "gateway/http/router.h"
#include "sdk/client.h"

namespace gateway {

// Adds the routes to `router`. `client` is not owned and must outlive the
// router; it is used from many connection threads at once (sdk::Client is
// thread-safe).
void RegisterSystemRoutes(const sdk::Client* client, Router* router);

}  // namespace gateway

#endif  // GATEWAY_SYSTEM_ROUTES_H_
