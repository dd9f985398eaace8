#include "sdk/stdio_session.h"

#include <utility>

#include "grpcpp/grpcpp.h"
#include "grpcpp/support/sync_stream.h"
#include "proto/berth/v1/containers.grpc.pb.h"
#include "sdk/status.h"

namespace sdk {

StdioSession::StdioSession(std::unique_ptr<grpc::ClientContext> context,
                           std::unique_ptr<Stream> stream, std::string host)
    : context_(std::move(context)),
      stream_(std::move(stream)),
      host_(std::move(host)) {}

StdioSession::~StdioSession() {
  bool finished;
  {
    absl::MutexLock lock(&write_mu_);
    finished = finished_;
  }
  if (!finished) {
    context_->TryCancel();
    if (ready_thread_.joinable()) ready_thread_.join();
    berth::v1::AttachOutput drain;
    while (stream_->Read(&drain)) {
    }
    Finish().IgnoreError();
  }
}

absl::Status StdioSession::WriteMessage(const berth::v1::AttachInput& input) {
  absl::MutexLock lock(&write_mu_);
  if (finished_ || writes_done_) {
    return absl::FailedPreconditionError("the stdio session is closed");
  }
  if (!stream_->Write(input)) {
    writes_done_ = true;
    return absl::FailedPreconditionError("the stdio session is closed");
  }
  return absl::OkStatus();
}

absl::Status StdioSession::WriteStdin(absl::string_view data) {
  berth::v1::AttachInput input;
  input.set_stdin(std::string(data));
  return WriteMessage(input);
}

absl::Status StdioSession::Resize(uint32_t height, uint32_t width) {
  berth::v1::AttachInput input;
  input.mutable_resize()->set_height(height);
  input.mutable_resize()->set_width(width);
  return WriteMessage(input);
}

absl::Status StdioSession::CloseStdin() {
  berth::v1::AttachInput input;
  input.set_close_stdin(true);
  absl::Status status = WriteMessage(input);
  // The client's half stays open: the daemon may end a call whose client
  // half-closed, and resizes may still follow.
  return status;
}

bool StdioSession::Read(berth::v1::AttachOutput* out) {
  if (ready_thread_.joinable()) ready_thread_.join();
  return stream_->Read(out);
}

bool StdioSession::WaitReady(absl::Duration timeout) {
  if (ready_thread_.joinable() || ready_.HasBeenNotified()) {
    return ready_.WaitForNotificationWithTimeout(timeout);
  }
  ready_thread_ = std::thread([this] {
    stream_->WaitForInitialMetadata();
    ready_.Notify();
  });
  return ready_.WaitForNotificationWithTimeout(timeout);
}

absl::Status StdioSession::Finish() {
  if (ready_thread_.joinable()) ready_thread_.join();
  absl::MutexLock lock(&write_mu_);
  if (finished_) return final_status_;
  finished_ = true;
  if (!writes_done_) {
    stream_->WritesDone();
    writes_done_ = true;
  }
  final_status_ = FromGrpcStatus(stream_->Finish(), host_);
  return final_status_;
}

void StdioSession::Cancel() { context_->TryCancel(); }

}  // namespace sdk
