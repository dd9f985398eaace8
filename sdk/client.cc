#include "sdk/client.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/types/optional.h"
#include "grpcpp/grpcpp.h"
#include "proto/berth/v1/images.grpc.pb.h"
#include "proto/berth/v1/registries.grpc.pb.h"
#include "proto/berth/v1/system.grpc.pb.h"
#include "sdk/client_stubs.h"
#include "sdk/status.h"

namespace sdk {
namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(5);

// Whether something accepts connections on the unix socket at `path`. Lets
// Connect fail at once instead of waiting out gRPC's reconnect backoff.
bool UnixSocketAnswers(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return true;  // let gRPC decide
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } while (rc != 0 && errno == EINTR);
  ::close(fd);
  return rc == 0;
}

}  // namespace

// --- CancelToken -------------------------------------------------------------

void CancelToken::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

bool CancelToken::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool CancelToken::Attach(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}

void CancelToken::Detach() {
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
}

// --- Client ------------------------------------------------------------------

absl::StatusOr<std::string> NormalizeHost(absl::string_view host) {
  if (host.empty()) host = kDefaultHost;
  absl::string_view path = host;
  if (absl::ConsumePrefix(&path, "unix://")) {
    if (path.empty()) return absl::InvalidArgumentError("invalid host: empty socket path");
    return absl::StrCat("unix://", path);
  }
  if (absl::StartsWith(host, "/")) return absl::StrCat("unix://", host);
  absl::string_view addr = host;
  if (absl::ConsumePrefix(&addr, "tcp://")) {
    if (addr.empty()) return absl::InvalidArgumentError("invalid host: empty address");
    return std::string(addr);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid host \"", host,
                   "\": use unix:///path/to/socket or tcp://host:port"));
}

Client::Client(std::string host, std::shared_ptr<grpc::Channel> channel)
    : host_(std::move(host)),
      channel_(std::move(channel)),
      stubs_(std::make_unique<Stubs>()) {
  stubs_->images = berth::v1::Images::NewStub(channel_);
  stubs_->registries = berth::v1::Registries::NewStub(channel_);
  stubs_->system = berth::v1::System::NewStub(channel_);
  stubs_->containers = berth::v1::Containers::NewStub(channel_);
}

Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(absl::string_view host) {
  if (host.empty()) host = kDefaultHost;
  auto target = NormalizeHost(host);
  if (!target.ok()) return target.status();
  std::string display =
      absl::StartsWith(*target, "unix://") ? *target : absl::StrCat("tcp://", *target);
  absl::string_view path = *target;
  if (absl::ConsumePrefix(&path, "unix://") && !UnixSocketAnswers(std::string(path))) {
    return ConnectionError(display);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(
      *target, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 kConnectTimeout)) {
    return ConnectionError(display);
  }
  return std::unique_ptr<Client>(new Client(display, std::move(channel)));
}

absl::Status Client::Convert(const grpc::Status& status) const {
  return FromGrpcStatus(status, host_);
}

#define BERTH_UNARY(stub, method, request, response_type)  \
  grpc::ClientContext context;                             \
  response_type response;                                  \
  absl::Status status =                                    \
      Convert(stubs_->stub->method(&context, request, &response)); \
  if (!status.ok()) return status;

namespace {

// Drains a Pull or Push progress stream: every message goes to
// `on_progress`; the one carrying `done` is the result. `what` names the
// operation in errors.
template <typename Progress, typename Done, typename Reader>
absl::StatusOr<Done> DrainProgress(
    Reader* reader, const std::function<void(const Progress&)>& on_progress,
    absl::string_view what, const std::function<absl::Status(const grpc::Status&)>& convert) {
  absl::optional<Done> done;
  Progress msg;
  while (reader->Read(&msg)) {
    if (msg.has_done()) done = msg.done();
    if (on_progress) on_progress(msg);
  }
  absl::Status status = convert(reader->Finish());
  if (!status.ok()) return status;
  if (!done.has_value()) {
    return absl::InternalError(absl::StrCat("the daemon ended the ", what, " without a result"));
  }
  return *std::move(done);
}

}  // namespace

absl::StatusOr<berth::v1::PullDone> Client::Pull(
    const berth::v1::PullRequest& request,
    const std::function<void(const berth::v1::PullProgress&)>& on_progress,
    CancelToken* cancel) const {
  grpc::ClientContext context;
  if (cancel != nullptr && !cancel->Attach(&context)) {
    return absl::CancelledError("pull cancelled");
  }
  absl::Cleanup detach = [cancel] {
    if (cancel != nullptr) cancel->Detach();
  };
  auto reader = stubs_->images->Pull(&context, request);
  return DrainProgress<berth::v1::PullProgress, berth::v1::PullDone>(
      reader.get(), on_progress, "pull", [this](const grpc::Status& s) { return Convert(s); });
}

absl::StatusOr<berth::v1::PushDone> Client::Push(
    const berth::v1::PushRequest& request,
    const std::function<void(const berth::v1::PushProgress&)>& on_progress,
    CancelToken* cancel) const {
  grpc::ClientContext context;
  if (cancel != nullptr && !cancel->Attach(&context)) {
    return absl::CancelledError("push cancelled");
  }
  absl::Cleanup detach = [cancel] {
    if (cancel != nullptr) cancel->Detach();
  };
  auto reader = stubs_->images->Push(&context, request);
  return DrainProgress<berth::v1::PushProgress, berth::v1::PushDone>(
      reader.get(), on_progress, "push", [this](const grpc::Status& s) { return Convert(s); });
}

absl::StatusOr<berth::v1::ListImagesResponse> Client::ListImages(
    const berth::v1::ListImagesRequest& request) const {
  BERTH_UNARY(images, List, request, berth::v1::ListImagesResponse);
  return response;
}

absl::StatusOr<berth::v1::Image> Client::GetImage(
    absl::string_view reference) const {
  berth::v1::GetImageRequest request;
  request.set_reference(std::string(reference));
  BERTH_UNARY(images, Get, request, berth::v1::Image);
  return response;
}

absl::StatusOr<berth::v1::RemoveImageResponse> Client::RemoveImage(
    const berth::v1::RemoveImageRequest& request) const {
  BERTH_UNARY(images, Remove, request, berth::v1::RemoveImageResponse);
  return response;
}

absl::Status Client::TagImage(absl::string_view source,
                              absl::string_view target) const {
  berth::v1::TagImageRequest request;
  request.set_source(std::string(source));
  request.set_target(std::string(target));
  BERTH_UNARY(images, Tag, request, berth::v1::TagImageResponse);
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::PruneImagesResponse> Client::PruneImages(
    const berth::v1::PruneImagesRequest& request) const {
  BERTH_UNARY(images, Prune, request, berth::v1::PruneImagesResponse);
  return response;
}

absl::StatusOr<berth::v1::ImageHistoryResponse> Client::History(
    absl::string_view reference) const {
  berth::v1::ImageHistoryRequest request;
  request.set_reference(std::string(reference));
  BERTH_UNARY(images, History, request, berth::v1::ImageHistoryResponse);
  return response;
}

absl::StatusOr<berth::v1::LoginResponse> Client::Login(
    const berth::v1::LoginRequest& request) const {
  BERTH_UNARY(registries, Login, request, berth::v1::LoginResponse);
  return response;
}

absl::Status Client::Logout(absl::string_view server_address) const {
  berth::v1::LogoutRequest request;
  request.set_server_address(std::string(server_address));
  BERTH_UNARY(registries, Logout, request, berth::v1::LogoutResponse);
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::ListRegistriesResponse> Client::ListRegistries() const {
  berth::v1::ListRegistriesRequest request;
  BERTH_UNARY(registries, List, request, berth::v1::ListRegistriesResponse);
  return response;
}

absl::StatusOr<berth::v1::VersionResponse> Client::Version() const {
  berth::v1::VersionRequest request;
  BERTH_UNARY(system, Version, request, berth::v1::VersionResponse);
  return response;
}

absl::StatusOr<berth::v1::InfoResponse> Client::Info() const {
  berth::v1::InfoRequest request;
  BERTH_UNARY(system, Info, request, berth::v1::InfoResponse);
  return response;
}

#undef BERTH_UNARY

absl::Status Client::Events(
    const berth::v1::EventsRequest& request,
    const std::function<void(const berth::v1::Event&)>& on_event,
    CancelToken* cancel) const {
  grpc::ClientContext context;
  if (cancel != nullptr && !cancel->Attach(&context)) return absl::OkStatus();
  absl::Cleanup detach = [cancel] {
    if (cancel != nullptr) cancel->Detach();
  };
  auto reader = stubs_->system->Events(&context, request);
  berth::v1::Event event;
  while (reader->Read(&event)) {
    if (on_event) on_event(event);
  }
  grpc::Status status = reader->Finish();
  if (status.error_code() == grpc::StatusCode::CANCELLED && cancel != nullptr &&
      cancel->cancelled()) {
    return absl::OkStatus();
  }
  return Convert(status);
}

}  // namespace sdk
