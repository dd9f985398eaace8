#include "gateway/streams/routes.h"

#include <memory>

#include "gateway/streams/handlers.h"

namespace gateway {

void RegisterStreamsRoutes(const sdk::Client* client, Router* router) {
  router->Add("POST", "/containers/{id}/attach", [client](const Request& r, ResponseWriter* w) {
    return HandleAttach(*client, r, w);
  });
  router->Add("GET", "/containers/{id}/logs", [client](const Request& r, ResponseWriter* w) {
    return HandleLogs(*client, r, w);
  });
  auto exec = std::make_shared<ExecHandlers>(client);
  router->Add("POST", "/containers/{id}/exec",
              [exec](const Request& r, ResponseWriter* w) { return exec->Create(r, w); });
  router->Add("POST", "/exec/{id}/start",
              [exec](const Request& r, ResponseWriter* w) { return exec->Start(r, w); });
  router->Add("POST", "/exec/{id}/resize",
              [exec](const Request& r, ResponseWriter* w) { return exec->Resize(r, w); });
  router->Add("GET", "/exec/{id}/json",
              [exec](const Request& r, ResponseWriter* w) { return exec->Inspect(r, w); });
}

}  // namespace gateway
