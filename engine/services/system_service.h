// -----------------------------------------------------------------------------
// File: system_service.h
// -----------------------------------------------------------------------------
//
// The berth.v1.System gRPC service: Version, Info and the Events stream. A
// thin adapter: host facts come from engine/server/host_info, events from
// engine/events/event_bus, the image count from a callback.
//
// Thread-safe; the event bus must outlive the service.

#ifndef ENGINE_SERVICES_SYSTEM_SERVICE_H_
#define ENGINE_SERVICES_SYSTEM_SERVICE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/events/event_bus.h"
#include "proto/berth/v1/system.grpc.pb.h"

namespace engine::services {

struct SystemServiceOptions {
  std::string engine_id;
  std::string data_root;
  std::string exec_root;
  std::vector<std::string> insecure_registries;
  std::vector<std::string> registry_mirrors;
  int64_t max_concurrent_downloads = 3;
  bool debug = false;
  // Number of local images; empty (or failing) reports 0.
  std::function<absl::StatusOr<int64_t>()> image_count;
  // How often an idle Events stream checks whether its client went away.
  absl::Duration events_poll = absl::Milliseconds(250);
};

class SystemService final : public berth::v1::System::Service {
 public:
  SystemService(SystemServiceOptions options, events::EventBus* bus);

  // Version 0.1.0, api_version "berth.v1", os/arch, kernel, compiler, commit.
  grpc::Status Version(grpc::ServerContext* context,
                       const berth::v1::VersionRequest* request,
                       berth::v1::VersionResponse* response) override;

  // `docker info`'s facts about the host, the engine and its configuration.
  grpc::Status Info(grpc::ServerContext* context,
                    const berth::v1::InfoRequest* request,
                    berth::v1::InfoResponse* response) override;

  // Streams events matching the filters: buffered ones since `since` first,
  // then live ones, until the client cancels, `until` passes, or the daemon
  // shuts down (all three end the stream with OK). INVALID_ARGUMENT for an
  // unknown filter.
  grpc::Status Events(grpc::ServerContext* context,
                      const berth::v1::EventsRequest* request,
                      grpc::ServerWriter<berth::v1::Event>* writer) override;

 private:
  const SystemServiceOptions options_;
  events::EventBus* const bus_;
};

}  // namespace engine::services

#endif  // ENGINE_SERVICES_SYSTEM_SERVICE_H_
