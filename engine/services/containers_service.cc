#include "engine/services/containers_service.h"

#include <deque>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "engine/services/status_convert.h"

namespace engine::services {
namespace {

using berth::v1::AttachInput;
using berth::v1::AttachOutput;

std::optional<int> Timeout(bool has, int32_t value) {
  if (!has) return std::nullopt;
  return value;
}

// One Attach or ExecStart call. Lifetime: created by the service method,
// deleted in OnDone once the call and the pump thread have ended.
class StdioReactor : public grpc::ServerBidiReactor<AttachInput, AttachOutput> {
 public:
  StdioReactor(runtime::ContainerManager* manager, bool exec)
      : manager_(manager), exec_(exec) {
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed or went away. Before `open` that is an error;
      // afterwards the output keeps flowing until it ends.
      bool opened;
      {
        absl::MutexLock lock(&mu_);
        opened = opened_;
      }
      if (!opened) {
        FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "the first message must open the stream"));
      }
      return;
    }
    bool opened;
    {
      absl::MutexLock lock(&mu_);
      opened = opened_;
      opened_ = true;
    }
    if (!opened) {
      bool valid = exec_ ? in_.has_exec_start() : in_.has_open();
      if (!valid) {
        FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                exec_ ? "the first message must be exec_start"
                                      : "the first message must be open"));
        return;
      }
      AttachInput first = in_;
      pump_ = std::thread([this, first] { Pump(first); });
      StartRead(&in_);
      return;
    }
    // Input for the session; before it exists it is queued.
    {
      absl::MutexLock lock(&mu_);
      if (session_ == nullptr) {
        pending_input_.push_back(in_);
        StartRead(&in_);
        return;
      }
    }
    Forward(in_);
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) broken_ = true;
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    broken_ = true;
    if (session_ != nullptr) session_->Close();
  }

  void OnDone() override {
    if (pump_.joinable()) {
      if (pump_.get_id() == std::this_thread::get_id()) {
        pump_.detach();
      } else {
        pump_.join();
      }
    }
    delete this;
  }

 private:
  void Forward(const AttachInput& input) {
    runtime::AttachSession* session;
    {
      absl::MutexLock lock(&mu_);
      session = session_.get();
    }
    if (session == nullptr) return;
    if (input.input_case() == AttachInput::kStdin) {
      bool detached = false;  // Pump learns it from session->detached()
      (void)session->WriteStdin(input.stdin(), &detached);
    } else if (input.has_resize()) {
      (void)session->Resize(input.resize().height(), input.resize().width());
    } else if (input.close_stdin()) {
      (void)session->CloseStdin();
    }
  }

  // Writes one message, waiting for the previous write to complete. False
  // when the call broke.
  bool Write(const AttachOutput& out) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](StdioReactor* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
          return !r->writing_ || r->broken_;
        },
        this));
    if (broken_) return false;
    out_ = out;
    writing_ = true;
    wrote_any_ = true;
    StartWrite(&out_);
    return true;
  }

  // Ends the call once. Must be the last thing the caller does with
  // `this`: OnDone may run (and delete the reactor) at once.
  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  void Pump(const AttachInput& first) {
    absl::StatusOr<std::unique_ptr<runtime::AttachSession>> session;
    if (exec_) {
      session = manager_->ExecStart(first.exec_start());
    } else {
      session = manager_->Attach(first.open(), [this](const berth::v1::LogEntry& entry) {
        AttachOutput out;
        out.set_stream(entry.stream());
        out.set_data(entry.data());
        return Write(out);
      });
    }
    if (!session.ok() || *session == nullptr) {
      WaitWrites();
      FinishOnce(ToGrpcStatus(session.status()));
      return;
    }
    std::deque<AttachInput> queued;
    {
      absl::MutexLock lock(&mu_);
      session_ = *std::move(session);
      queued.swap(pending_input_);
      if (broken_) session_->Close();
      // Tell the client the session is wired before any output exists, so
      // that `run` can send Start without losing the first bytes.
      if (!wrote_any_ && !broken_) StartSendInitialMetadata();
    }
    for (const AttachInput& in : queued) Forward(in);
    for (;;) {
      berth::v1::StdStream stream;
      std::string data;
      absl::Status s = session_->Read(&stream, &data);
      if (!s.ok()) break;
      AttachOutput out;
      out.set_stream(stream);
      out.set_data(std::move(data));
      if (!Write(out)) break;
    }
    // The session's flag is set before Read is unblocked (a flag set by
    // Forward after WriteStdin returned could come too late).
    if (session_->detached()) {
      AttachOutput last;
      last.set_detached(true);
      Write(last);
    }
    WaitWrites();
    session_->Close();
    FinishOnce(grpc::Status::OK);
  }

  void WaitWrites() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](StdioReactor* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
          return !r->writing_ || r->broken_;
        },
        this));
  }

  runtime::ContainerManager* const manager_;
  const bool exec_;
  AttachInput in_;  // the read in flight (reactor thread only)
  std::thread pump_;

  absl::Mutex mu_;
  bool opened_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool wrote_any_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  AttachOutput out_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<runtime::AttachSession> session_ ABSL_GUARDED_BY(mu_);
  std::deque<AttachInput> pending_input_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::Status ContainersService::Create(grpc::ServerContext*,
                                       const berth::v1::CreateContainerRequest* request,
                                       berth::v1::CreateContainerResponse* response) {
  auto result = manager_->CreateContainer(*request);
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ContainersService::Start(grpc::ServerContext*,
                                      const berth::v1::StartContainerRequest* request,
                                      berth::v1::StartContainerResponse*) {
  return ToGrpcStatus(manager_->Start(request->id()));
}

grpc::ServerBidiReactor<AttachInput, AttachOutput>* ContainersService::Attach(
    grpc::CallbackServerContext*) {
  return new StdioReactor(manager_, /*exec=*/false);
}

grpc::ServerBidiReactor<AttachInput, AttachOutput>* ContainersService::ExecStart(
    grpc::CallbackServerContext*) {
  return new StdioReactor(manager_, /*exec=*/true);
}

grpc::Status ContainersService::Wait(grpc::ServerContext* context,
                                     const berth::v1::WaitContainerRequest* request,
                                     berth::v1::WaitContainerResponse* response) {
  auto result = manager_->Wait(request->id(), request->condition(),
                               [context] { return context->IsCancelled(); });
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ContainersService::Kill(grpc::ServerContext*,
                                     const berth::v1::KillContainerRequest* request,
                                     berth::v1::KillContainerResponse*) {
  return ToGrpcStatus(manager_->Kill(request->id(), request->signal()));
}

grpc::Status ContainersService::Stop(grpc::ServerContext*,
                                     const berth::v1::StopContainerRequest* request,
                                     berth::v1::StopContainerResponse*) {
  return ToGrpcStatus(manager_->Stop(request->id(),
                                     Timeout(request->has_timeout(), request->timeout()),
                                     request->signal()));
}

grpc::Status ContainersService::Restart(grpc::ServerContext*,
                                        const berth::v1::RestartContainerRequest* request,
                                        berth::v1::RestartContainerResponse*) {
  return ToGrpcStatus(
      manager_->Restart(request->id(), Timeout(request->has_timeout(), request->timeout()),
                        request->signal()));
}

grpc::Status ContainersService::Remove(grpc::ServerContext*,
                                       const berth::v1::RemoveContainerRequest* request,
                                       berth::v1::RemoveContainerResponse*) {
  return ToGrpcStatus(manager_->Remove(request->id(), request->force(), request->volumes()));
}

grpc::Status ContainersService::List(grpc::ServerContext*,
                                     const berth::v1::ListContainersRequest* request,
                                     berth::v1::ListContainersResponse* response) {
  auto result = manager_->List(*request);
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ContainersService::Inspect(grpc::ServerContext*,
                                        const berth::v1::InspectContainerRequest* request,
                                        berth::v1::ContainerInfo* response) {
  auto result = manager_->Inspect(request->id(), request->size());
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ContainersService::Logs(grpc::ServerContext* context,
                                     const berth::v1::LogsRequest* request,
                                     grpc::ServerWriter<berth::v1::LogEntry>* writer) {
  absl::Status s = manager_->Logs(
      *request, [writer](const berth::v1::LogEntry& entry) { return writer->Write(entry); },
      [context] { return context->IsCancelled(); });
  return ToGrpcStatus(s);
}

grpc::Status ContainersService::ExecCreate(grpc::ServerContext*,
                                           const berth::v1::ExecCreateRequest* request,
                                           berth::v1::ExecCreateResponse* response) {
  auto result = manager_->ExecCreate(*request);
  if (result.ok()) response->set_id(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ContainersService::ExecResize(grpc::ServerContext*,
                                           const berth::v1::ExecResizeRequest* request,
                                           berth::v1::ExecResizeResponse*) {
  return ToGrpcStatus(
      manager_->ExecResize(request->exec_id(), request->height(), request->width()));
}

grpc::Status ContainersService::ExecInspect(grpc::ServerContext*,
                                            const berth::v1::ExecInspectRequest* request,
                                            berth::v1::ExecInfo* response) {
  auto result = manager_->ExecInspect(request->exec_id());
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ContainersService::Resize(grpc::ServerContext*,
                                       const berth::v1::ResizeRequest* request,
                                       berth::v1::ResizeResponse*) {
  return ToGrpcStatus(manager_->Resize(request->id(), request->height(), request->width()));
}

grpc::Status ContainersService::Pause(grpc::ServerContext*,
                                      const berth::v1::PauseRequest* request,
                                      berth::v1::PauseResponse*) {
  return ToGrpcStatus(manager_->Pause(request->id()));
}

grpc::Status ContainersService::Unpause(grpc::ServerContext*,
                                        const berth::v1::UnpauseRequest* request,
                                        berth::v1::UnpauseResponse*) {
  return ToGrpcStatus(manager_->Unpause(request->id()));
}

grpc::Status ContainersService::Rename(grpc::ServerContext*,
                                       const berth::v1::RenameRequest* request,
                                       berth::v1::RenameResponse*) {
  return ToGrpcStatus(manager_->Rename(request->id(), request->new_name()));
}

grpc::Status ContainersService::Top(grpc::ServerContext*, const berth::v1::TopRequest* request,
                                    berth::v1::TopResponse* response) {
  auto result = manager_->Top(request->id(), request->ps_args());
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ContainersService::Stats(grpc::ServerContext* context,
                                      const berth::v1::StatsRequest* request,
                                      grpc::ServerWriter<berth::v1::ContainerStats>* writer) {
  absl::Status s = manager_->Stats(
      request->id(), request->stream(), [&](const berth::v1::ContainerStats& stats) {
        return !context->IsCancelled() && writer->Write(stats);
      });
  return ToGrpcStatus(s);
}

grpc::Status ContainersService::Prune(grpc::ServerContext*,
                                      const berth::v1::PruneContainersRequest* request,
                                      berth::v1::PruneContainersResponse* response) {
  auto result = manager_->Prune(*request);
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

}  // namespace engine::services
