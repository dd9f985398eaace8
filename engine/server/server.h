// -----------------------------------------------------------------------------
// File: server.h
// -----------------------------------------------------------------------------
//
// Server is berthd: it builds the daemon's parts in order, serves the
// berth.v1 API on the unix socket(s) and shuts down cleanly on SIGTERM or
// SIGINT. Life of a daemon:
//
//   1. Create(config): resolves the socket group, takes the data-root lock
//      (data root 0700; a second daemon is refused), writes the pidfile,
//      creates the exec root and loads the engine ID. Nothing listens yet.
//   2. AddService(...) any number of times: extra grpc::Services to serve.
//   3. Start(): BuildImageService() (stores, registry client, image service
//      and the Images API; see build_image_service.cc), BuildContainerService()
//      (container manager, shim reconnection and the Containers API; see
//      build_container_service.cc), then the System and
//      Registries services, the gRPC server and the listeners. Logs
//      "API listen on <path>" and "Daemon has completed initialization".
//   4. Run() = Start() + wait for SIGTERM/SIGINT (or RequestShutdown()) +
//      Shutdown(). Shutdown stops accepting, ends Events streams, gives
//      in-flight calls `grace` to finish, then cancels them, removes the
//      socket and the pidfile and releases the lock.
//
// Signals: call BlockTerminationSignals() first thing in main(), before any
// thread exists, so that SIGTERM/SIGINT reach Run()'s signalfd and not the
// default action in some gRPC thread.
//
// Thread-safety: Create/AddService/Start/Run/Shutdown from one thread;
// RequestShutdown from any thread.

#ifndef ENGINE_SERVER_SERVER_H_
#define ENGINE_SERVER_SERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/base/unique_fd.h"
#include "engine/events/event_bus.h"
#include "engine/server/config.h"
#include "engine/server/daemon_lock.h"
#include "engine/server/unix_listener.h"
#include "engine/services/registries_service.h"

namespace engine {
namespace server {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every
// thread created after it) and ignores SIGPIPE.
void BlockTerminationSignals();

// What the image wiring owns; defined by build_image_service.cc.
struct ImageWiring;
struct ImageWiringDeleter {
  void operator()(ImageWiring* wiring) const;
};

// What the container wiring owns; defined by build_container_service.cc.
struct ContainerWiring;
struct ContainerWiringDeleter {
  void operator()(ContainerWiring* wiring) const;
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Create(DaemonConfig config);

  // Shuts down if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves `service` too. Call before Start().
  void AddService(std::unique_ptr<grpc::Service> service);

  // Builds the services and starts serving. On error nothing is left
  // listening.
  absl::Status Start();

  // Start(), then blocks until SIGTERM/SIGINT or RequestShutdown(), then
  // Shutdown(). OK after a clean shutdown.
  absl::Status Run(absl::Duration grace = absl::Seconds(10));

  // Makes Run() return as if SIGTERM had arrived. Async-signal-safe.
  void RequestShutdown();

  // Graceful stop; idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  const DaemonConfig& config() const { return config_; }
  const std::string& engine_id() const { return engine_id_; }
  events::EventBus* event_bus() { return &bus_; }
  // The socket paths served (after Start).
  std::vector<std::string> socket_paths() const;

 private:
  Server(DaemonConfig config, gid_t gid, std::unique_ptr<DaemonLock> lock,
         std::string engine_id, base::UniqueFd wake);

  // ---- Image service hook -------------------------------------------------
  // Defined in build_image_service.cc (the images side owns that file).
  // Builds the content store, metadata store, snapshotter, registry client
  // and image service under config_.data_root, keeps them in images_, adds
  // the Images service with AddService, and fills image_count_ (for Info)
  // and registry_auth_ (Login/Logout). Runs at the start of Start().
  absl::Status BuildImageService();

  // ---- Container service hook ---------------------------------------------
  // Defined in build_container_service.cc. Builds the container store and
  // manager over images_'s stores, reconnects to the shims of running
  // containers, and adds the Containers service. Runs after
  // BuildImageService().
  absl::Status BuildContainerService();

  const DaemonConfig config_;
  const gid_t gid_;
  std::unique_ptr<DaemonLock> lock_;
  const std::string engine_id_;
  base::UniqueFd wake_;  // eventfd written by RequestShutdown

  events::EventBus bus_;
  std::unique_ptr<ImageWiring, ImageWiringDeleter> images_;
  std::unique_ptr<ContainerWiring, ContainerWiringDeleter> containers_;
  std::function<absl::StatusOr<int64_t>()> image_count_;
  services::RegistryAuthOps registry_auth_;

  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> grpc_;
  std::vector<std::unique_ptr<UnixListener>> listeners_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace server
}  // namespace engine

#endif  // ENGINE_SERVER_SERVER_H_
