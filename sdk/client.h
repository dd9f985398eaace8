// -----------------------------------------------------------------------------
// File: client.h
// -----------------------------------------------------------------------------
//
// The Berth client library: a typed, absl::Status-returning API over the
// berth.v1 gRPC services (Images, Registries, System, Containers). Requests
// and results
// are the proto messages of proto/berth/v1; see those files for the
// meaning of every field and error code.
//
//   ASSIGN_OR_RETURN(auto client, sdk::Client::Connect(sdk::kDefaultHost));
//   berth::v1::PullRequest req;
//   req.set_reference("alpine");
//   ASSIGN_OR_RETURN(auto done, client->Pull(req, [](const auto& p) { ... }));
//
// Errors: every error the daemon returns keeps its code and message and is
// marked IsDaemonError() (sdk/status.h); when the daemon cannot be reached the
// error is Unavailable "Cannot connect to the Berth daemon at <host>: is the
// daemon running?" and marked IsConnectionError().
//
// Thread-safety: a Client is thread-safe; calls may run concurrently. The
// progress, event, log and stats callbacks run on the calling thread.

#ifndef SDK_CLIENT_H_
#define SDK_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "proto/berth/v1/containers.pb.h"
#include "proto/berth/v1/images.pb.h"
#include "proto/berth/v1/registries.pb.h"
#include "proto/berth/v1/system.pb.h"
#include "sdk/stdio_session.h"

namespace grpc {
class Channel;
class ClientContext;
class Status;
}  // namespace grpc

namespace sdk {

// The daemon's default address.
inline constexpr char kDefaultHost[] = "unix:///run/berth/berth.sock";

// NormalizeHost()
//
// Returns the gRPC target for a `-H` value: "unix:///p" and "/p" give
// "unix:///p", "tcp://h:p" gives "h:p". InvalidArgument for other schemes or
// an empty path.
absl::StatusOr<std::string> NormalizeHost(absl::string_view host);

// Stops a streaming call (Pull, Push, Events) from another thread or a signal
// handler's helper thread. Thread-safe. Cancelling before the call starts
// makes the call return Cancelled at once.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel();
  bool cancelled() const;

 private:
  friend class Client;
  // Returns false if already cancelled.
  bool Attach(grpc::ClientContext* context);
  void Detach();

  mutable absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

class Client {
 public:
  // Connect()
  //
  // Opens a channel to the daemon at `host` (see NormalizeHost) and checks
  // that it answers. Unavailable (connection error) if nothing listens there.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(absl::string_view host);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The host as given to Connect, for messages.
  const std::string& host() const { return host_; }

  // --- Images ---------------------------------------------------------------

  // Pull()
  //
  // Pulls `request.reference`, calling `on_progress` for every message of the
  // stream (including the last, `done`), and returns the final PullDone.
  // Internal if the stream ends without one.
  absl::StatusOr<berth::v1::PullDone> Pull(
      const berth::v1::PullRequest& request,
      const std::function<void(const berth::v1::PullProgress&)>& on_progress,
      CancelToken* cancel = nullptr) const;

  // Push()
  //
  // Pushes `request.reference`; as Pull.
  absl::StatusOr<berth::v1::PushDone> Push(
      const berth::v1::PushRequest& request,
      const std::function<void(const berth::v1::PushProgress&)>& on_progress,
      CancelToken* cancel = nullptr) const;

  absl::StatusOr<berth::v1::ListImagesResponse> ListImages(
      const berth::v1::ListImagesRequest& request) const;
  // NotFound "No such image: <ref>" when absent.
  absl::StatusOr<berth::v1::Image> GetImage(absl::string_view reference) const;
  absl::StatusOr<berth::v1::RemoveImageResponse> RemoveImage(
      const berth::v1::RemoveImageRequest& request) const;
  absl::Status TagImage(absl::string_view source, absl::string_view target) const;
  absl::StatusOr<berth::v1::PruneImagesResponse> PruneImages(
      const berth::v1::PruneImagesRequest& request) const;
  absl::StatusOr<berth::v1::ImageHistoryResponse> History(
      absl::string_view reference) const;

  // --- Registries -----------------------------------------------------------

  absl::StatusOr<berth::v1::LoginResponse> Login(
      const berth::v1::LoginRequest& request) const;
  absl::Status Logout(absl::string_view server_address) const;
  absl::StatusOr<berth::v1::ListRegistriesResponse> ListRegistries() const;

  // --- System ---------------------------------------------------------------

  absl::StatusOr<berth::v1::VersionResponse> Version() const;
  absl::StatusOr<berth::v1::InfoResponse> Info() const;

  // Events()
  //
  // Streams daemon events to `on_event` until `cancel` is cancelled (then
  // returns OK), `request.until` passes (OK) or an error occurs.
  absl::Status Events(const berth::v1::EventsRequest& request,
                      const std::function<void(const berth::v1::Event&)>& on_event,
                      CancelToken* cancel = nullptr) const;

  // --- Containers (sdk/containers.cc) ----------------------------------------
  //
  // `id` is always an ID, a unique ID prefix or a name. NotFound "No such
  // container: <id>" when nothing matches; see containers.proto for the
  // other codes of each call.

  // NotFound "No such image: <ref>" when the image is missing (pull, retry).
  absl::StatusOr<berth::v1::CreateContainerResponse> CreateContainer(
      const berth::v1::CreateContainerRequest& request) const;
  absl::Status StartContainer(absl::string_view id) const;

  // Attach()
  //
  // Opens an attach session (`open` is sent as the first message). The
  // daemon's refusal surfaces in the session's Finish().
  absl::StatusOr<std::unique_ptr<StdioSession>> Attach(
      const berth::v1::AttachOpen& open) const;

  // WaitContainer()
  //
  // Blocks until `condition` holds. `cancel` ends the wait (Cancelled).
  absl::StatusOr<berth::v1::WaitContainerResponse> WaitContainer(
      absl::string_view id, berth::v1::WaitCondition condition,
      CancelToken* cancel = nullptr) const;
  // `signal`: "KILL", "SIGKILL", "9"; empty = SIGKILL.
  absl::Status KillContainer(absl::string_view id, absl::string_view signal) const;
  absl::Status StopContainer(const berth::v1::StopContainerRequest& request) const;
  absl::Status RestartContainer(
      const berth::v1::RestartContainerRequest& request) const;
  absl::Status RemoveContainer(
      const berth::v1::RemoveContainerRequest& request) const;
  absl::StatusOr<berth::v1::ListContainersResponse> ListContainers(
      const berth::v1::ListContainersRequest& request) const;
  absl::StatusOr<berth::v1::ContainerInfo> InspectContainer(
      absl::string_view id, bool size = false) const;

  // Logs()
  //
  // Streams log entries to `on_entry` until the log ends (or, with
  // `follow`, the container stops); `cancel` ends it early with OK.
  absl::Status Logs(const berth::v1::LogsRequest& request,
                    const std::function<void(const berth::v1::LogEntry&)>& on_entry,
                    CancelToken* cancel = nullptr) const;

  absl::StatusOr<berth::v1::ExecCreateResponse> ExecCreate(
      const berth::v1::ExecCreateRequest& request) const;
  // ExecStart()
  //
  // Starts a created exec with a stdio session (`open` is sent first). With
  // `open.detach` the session ends at once.
  absl::StatusOr<std::unique_ptr<StdioSession>> ExecStart(
      const berth::v1::ExecStartOpen& open) const;
  absl::Status ExecResize(absl::string_view exec_id, uint32_t height,
                          uint32_t width) const;
  absl::StatusOr<berth::v1::ExecInfo> ExecInspect(absl::string_view exec_id) const;

  absl::Status ResizeContainer(absl::string_view id, uint32_t height,
                               uint32_t width) const;
  absl::Status PauseContainer(absl::string_view id) const;
  absl::Status UnpauseContainer(absl::string_view id) const;
  absl::Status RenameContainer(absl::string_view id,
                               absl::string_view new_name) const;
  absl::StatusOr<berth::v1::TopResponse> Top(absl::string_view id,
                                             absl::string_view ps_args) const;

  // Stats()
  //
  // Streams samples to `on_stats` (one unless `request.stream`) until the
  // stream ends or `cancel` is cancelled (then OK).
  absl::Status Stats(const berth::v1::StatsRequest& request,
                     const std::function<void(const berth::v1::ContainerStats&)>& on_stats,
                     CancelToken* cancel = nullptr) const;
  absl::StatusOr<berth::v1::PruneContainersResponse> PruneContainers(
      const berth::v1::PruneContainersRequest& request) const;

 private:
  struct Stubs;
  Client(std::string host, std::shared_ptr<grpc::Channel> channel);

  absl::Status Convert(const grpc::Status& status) const;

  std::string host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stubs> stubs_;
};

}  // namespace sdk

#endif  // SDK_CLIENT_H_
