// The Containers calls of sdk::Client (declared in client.h).

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "sdk/client.h"
#include "sdk/client_stubs.h"
#include "sdk/status.h"

namespace sdk {
namespace {

using berth::v1::AttachInput;

// Runs a unary Containers call and returns its response or error.
#define BERTH_CALL(method, request, response_type)                         \
  grpc::ClientContext context;                                             \
  response_type response;                                                  \
  absl::Status status = FromGrpcStatus(                                    \
      stubs_->containers->method(&context, request, &response), host_);    \
  if (!status.ok()) return status;

// Drains a server stream into `callback`; a cancel through `cancel` ends
// it with OK.
template <typename Message, typename Reader>
absl::Status DrainStream(Reader* reader, const std::function<void(const Message&)>& callback,
                         CancelToken* cancel, const std::string& host) {
  Message msg;
  while (reader->Read(&msg)) {
    if (callback) callback(msg);
  }
  grpc::Status status = reader->Finish();
  if (status.error_code() == grpc::StatusCode::CANCELLED && cancel != nullptr &&
      cancel->cancelled()) {
    return absl::OkStatus();
  }
  return FromGrpcStatus(status, host);
}

}  // namespace

absl::StatusOr<berth::v1::CreateContainerResponse> Client::CreateContainer(
    const berth::v1::CreateContainerRequest& request) const {
  BERTH_CALL(Create, request, berth::v1::CreateContainerResponse);
  return response;
}

absl::Status Client::StartContainer(absl::string_view id) const {
  berth::v1::StartContainerRequest request;
  request.set_id(std::string(id));
  BERTH_CALL(Start, request, berth::v1::StartContainerResponse);
  return absl::OkStatus();
}

namespace {

// Wraps a started Attach or ExecStart call and sends its opening message.
absl::StatusOr<std::unique_ptr<StdioSession>> OpenSession(
    std::unique_ptr<grpc::ClientContext> context, std::unique_ptr<StdioSession::Stream> stream,
    const std::string& host, const AttachInput& first) {
  auto session = std::make_unique<StdioSession>(std::move(context), std::move(stream), host);
  // A failed first write means the call already ended; Finish() says why.
  if (!session->WriteMessage(first).ok()) {
    absl::Status status = session->Finish();
    if (!status.ok()) return status;
  }
  return session;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StdioSession>> Client::Attach(
    const berth::v1::AttachOpen& open) const {
  auto context = std::make_unique<grpc::ClientContext>();
  auto stream = stubs_->containers->Attach(context.get());
  AttachInput input;
  *input.mutable_open() = open;
  return OpenSession(std::move(context), std::move(stream), host_, input);
}

absl::StatusOr<berth::v1::WaitContainerResponse> Client::WaitContainer(
    absl::string_view id, berth::v1::WaitCondition condition,
    CancelToken* cancel) const {
  berth::v1::WaitContainerRequest request;
  request.set_id(std::string(id));
  request.set_condition(condition);
  grpc::ClientContext context;
  if (cancel != nullptr && !cancel->Attach(&context)) {
    return absl::CancelledError("wait cancelled");
  }
  absl::Cleanup detach = [cancel] {
    if (cancel != nullptr) cancel->Detach();
  };
  berth::v1::WaitContainerResponse response;
  absl::Status status = FromGrpcStatus(
      stubs_->containers->Wait(&context, request, &response), host_);
  if (!status.ok()) return status;
  return response;
}

absl::Status Client::KillContainer(absl::string_view id,
                                   absl::string_view signal) const {
  berth::v1::KillContainerRequest request;
  request.set_id(std::string(id));
  request.set_signal(std::string(signal));
  BERTH_CALL(Kill, request, berth::v1::KillContainerResponse);
  return absl::OkStatus();
}

absl::Status Client::StopContainer(
    const berth::v1::StopContainerRequest& request) const {
  BERTH_CALL(Stop, request, berth::v1::StopContainerResponse);
  return absl::OkStatus();
}

absl::Status Client::RestartContainer(
    const berth::v1::RestartContainerRequest& request) const {
  BERTH_CALL(Restart, request, berth::v1::RestartContainerResponse);
  return absl::OkStatus();
}

absl::Status Client::RemoveContainer(
    const berth::v1::RemoveContainerRequest& request) const {
  BERTH_CALL(Remove, request, berth::v1::RemoveContainerResponse);
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::ListContainersResponse> Client::ListContainers(
    const berth::v1::ListContainersRequest& request) const {
  BERTH_CALL(List, request, berth::v1::ListContainersResponse);
  return response;
}

absl::StatusOr<berth::v1::ContainerInfo> Client::InspectContainer(
    absl::string_view id, bool size) const {
  berth::v1::InspectContainerRequest request;
  request.set_id(std::string(id));
  request.set_size(size);
  BERTH_CALL(Inspect, request, berth::v1::ContainerInfo);
  return response;
}

absl::Status Client::Logs(
    const berth::v1::LogsRequest& request,
    const std::function<void(const berth::v1::LogEntry&)>& on_entry,
    CancelToken* cancel) const {
  grpc::ClientContext context;
  if (cancel != nullptr && !cancel->Attach(&context)) return absl::OkStatus();
  absl::Cleanup detach = [cancel] {
    if (cancel != nullptr) cancel->Detach();
  };
  auto reader = stubs_->containers->Logs(&context, request);
  return DrainStream<berth::v1::LogEntry>(reader.get(), on_entry, cancel, host_);
}

absl::StatusOr<berth::v1::ExecCreateResponse> Client::ExecCreate(
    const berth::v1::ExecCreateRequest& request) const {
  BERTH_CALL(ExecCreate, request, berth::v1::ExecCreateResponse);
  return response;
}

absl::StatusOr<std::unique_ptr<StdioSession>> Client::ExecStart(
    const berth::v1::ExecStartOpen& open) const {
  auto context = std::make_unique<grpc::ClientContext>();
  auto stream = stubs_->containers->ExecStart(context.get());
  AttachInput input;
  *input.mutable_exec_start() = open;
  return OpenSession(std::move(context), std::move(stream), host_, input);
}

absl::Status Client::ExecResize(absl::string_view exec_id, uint32_t height,
                                uint32_t width) const {
  berth::v1::ExecResizeRequest request;
  request.set_exec_id(std::string(exec_id));
  request.set_height(height);
  request.set_width(width);
  BERTH_CALL(ExecResize, request, berth::v1::ExecResizeResponse);
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::ExecInfo> Client::ExecInspect(
    absl::string_view exec_id) const {
  berth::v1::ExecInspectRequest request;
  request.set_exec_id(std::string(exec_id));
  BERTH_CALL(ExecInspect, request, berth::v1::ExecInfo);
  return response;
}

absl::Status Client::ResizeContainer(absl::string_view id, uint32_t height,
                                     uint32_t width) const {
  berth::v1::ResizeRequest request;
  request.set_id(std::string(id));
  request.set_height(height);
  request.set_width(width);
  BERTH_CALL(Resize, request, berth::v1::ResizeResponse);
  return absl::OkStatus();
}

absl::Status Client::PauseContainer(absl::string_view id) const {
  berth::v1::PauseRequest request;
  request.set_id(std::string(id));
  BERTH_CALL(Pause, request, berth::v1::PauseResponse);
  return absl::OkStatus();
}

absl::Status Client::UnpauseContainer(absl::string_view id) const {
  berth::v1::UnpauseRequest request;
  request.set_id(std::string(id));
  BERTH_CALL(Unpause, request, berth::v1::UnpauseResponse);
  return absl::OkStatus();
}

absl::Status Client::RenameContainer(absl::string_view id,
                                     absl::string_view new_name) const {
  berth::v1::RenameRequest request;
  request.set_id(std::string(id));
  request.set_new_name(std::string(new_name));
  BERTH_CALL(Rename, request, berth::v1::RenameResponse);
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::TopResponse> Client::Top(
    absl::string_view id, absl::string_view ps_args) const {
  berth::v1::TopRequest request;
  request.set_id(std::string(id));
  request.set_ps_args(std::string(ps_args));
  BERTH_CALL(Top, request, berth::v1::TopResponse);
  return response;
}

absl::Status Client::Stats(
    const berth::v1::StatsRequest& request,
    const std::function<void(const berth::v1::ContainerStats&)>& on_stats,
    CancelToken* cancel) const {
  grpc::ClientContext context;
  if (cancel != nullptr && !cancel->Attach(&context)) return absl::OkStatus();
  absl::Cleanup detach = [cancel] {
    if (cancel != nullptr) cancel->Detach();
  };
  auto reader = stubs_->containers->Stats(&context, request);
  return DrainStream<berth::v1::ContainerStats>(reader.get(), on_stats, cancel,
                                                host_);
}

absl::StatusOr<berth::v1::PruneContainersResponse> Client::PruneContainers(
    const berth::v1::PruneContainersRequest& request) const {
  BERTH_CALL(Prune, request, berth::v1::PruneContainersResponse);
  return response;
}

#undef BERTH_CALL

}  // namespace sdk
