// -----------------------------------------------------------------------------
// File: containers_service.h
// -----------------------------------------------------------------------------
//
// The berth.v1.Containers gRPC service: a thin adapter over
// engine::runtime::ContainerManager. Unary calls and the Logs/Stats/Wait
// streams use the synchronous API (cancellation is polled from the
// ServerContext). Attach and ExecStart use the callback API: a reactor owns
// the call, reads client input as it comes (stdin, resizes, close_stdin) and
// a pump thread forwards the container's output; the call can then end when
// the output ends, while a read is still pending, which the synchronous API
// does not allow.

#ifndef ENGINE_SERVICES_CONTAINERS_SERVICE_H_
#define ENGINE_SERVICES_CONTAINERS_SERVICE_H_

#include "engine/runtime/container_manager.h"
#include "proto/berth/v1/containers.grpc.pb.h"

namespace engine::services {

using ContainersBase = berth::v1::Containers::WithCallbackMethod_Attach<
    berth::v1::Containers::WithCallbackMethod_ExecStart<berth::v1::Containers::Service>>;

class ContainersService final : public ContainersBase {
 public:
  // Does not take ownership; `manager` must outlive the service.
  explicit ContainersService(runtime::ContainerManager* manager) : manager_(manager) {}

  grpc::Status Create(grpc::ServerContext*, const berth::v1::CreateContainerRequest*,
                      berth::v1::CreateContainerResponse*) override;
  grpc::Status Start(grpc::ServerContext*, const berth::v1::StartContainerRequest*,
                     berth::v1::StartContainerResponse*) override;
  grpc::ServerBidiReactor<berth::v1::AttachInput, berth::v1::AttachOutput>* Attach(
      grpc::CallbackServerContext*) override;
  grpc::Status Wait(grpc::ServerContext*, const berth::v1::WaitContainerRequest*,
                    berth::v1::WaitContainerResponse*) override;
  grpc::Status Kill(grpc::ServerContext*, const berth::v1::KillContainerRequest*,
                    berth::v1::KillContainerResponse*) override;
  grpc::Status Stop(grpc::ServerContext*, const berth::v1::StopContainerRequest*,
                    berth::v1::StopContainerResponse*) override;
  grpc::Status Restart(grpc::ServerContext*, const berth::v1::RestartContainerRequest*,
                       berth::v1::RestartContainerResponse*) override;
  grpc::Status Remove(grpc::ServerContext*, const berth::v1::RemoveContainerRequest*,
                      berth::v1::RemoveContainerResponse*) override;
  grpc::Status List(grpc::ServerContext*, const berth::v1::ListContainersRequest*,
                    berth::v1::ListContainersResponse*) override;
  grpc::Status Inspect(grpc::ServerContext*, const berth::v1::InspectContainerRequest*,
                       berth::v1::ContainerInfo*) override;
  grpc::Status Logs(grpc::ServerContext*, const berth::v1::LogsRequest*,
                    grpc::ServerWriter<berth::v1::LogEntry>*) override;
  grpc::Status ExecCreate(grpc::ServerContext*, const berth::v1::ExecCreateRequest*,
                          berth::v1::ExecCreateResponse*) override;
  grpc::ServerBidiReactor<berth::v1::AttachInput, berth::v1::AttachOutput>* ExecStart(
      grpc::CallbackServerContext*) override;
  grpc::Status ExecResize(grpc::ServerContext*, const berth::v1::ExecResizeRequest*,
                          berth::v1::ExecResizeResponse*) override;
  grpc::Status ExecInspect(grpc::ServerContext*, const berth::v1::ExecInspectRequest*,
                           berth::v1::ExecInfo*) override;
  grpc::Status Resize(grpc::ServerContext*, const berth::v1::ResizeRequest*,
                      berth::v1::ResizeResponse*) override;
  grpc::Status Pause(grpc::ServerContext*, const berth::v1::PauseRequest*,
                     berth::v1::PauseResponse*) override;
  grpc::Status Unpause(grpc::ServerContext*, const berth::v1::UnpauseRequest*,
                       berth::v1::UnpauseResponse*) override;
  grpc::Status Rename(grpc::ServerContext*, const berth::v1::RenameRequest*,
                      berth::v1::RenameResponse*) override;
  grpc::Status Top(grpc::ServerContext*, const berth::v1::TopRequest*,
                   berth::v1::TopResponse*) override;
  grpc::Status Stats(grpc::ServerContext*, const berth::v1::StatsRequest*,
                     grpc::ServerWriter<berth::v1::ContainerStats>*) override;
  grpc::Status Prune(grpc::ServerContext*, const berth::v1::PruneContainersRequest*,
                     berth::v1::PruneContainersResponse*) override;

 private:
  runtime::ContainerManager* manager_;
};

}  // namespace engine::services

#endif  // ENGINE_SERVICES_CONTAINERS_SERVICE_H_
