#include "engine/server/server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>

#include <grpcpp/server_builder.h>
#include <grpcpp/server_posix.h>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/server/host_info.h"
#include "engine/services/system_service.h"

namespace engine {
namespace server {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGTERM: return "terminated";
    case SIGINT: return "interrupt";
    case SIGHUP: return "hangup";
  }
  return "unknown";
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(DaemonConfig config) {
  RETURN_IF_ERROR(ValidateConfig(config));
  ASSIGN_OR_RETURN(gid_t gid, ResolveSocketGroup(config));
  ASSIGN_OR_RETURN(std::unique_ptr<DaemonLock> lock,
                   DaemonLock::Acquire(config.data_root));
  RETURN_IF_ERROR(lock->WritePidfile(config.pidfile));
  // Search-only for others: the default socket lives in the exec root.
  RETURN_IF_ERROR(base::MakeDirs(config.exec_root, 0711));
  ASSIGN_OR_RETURN(std::string engine_id, LoadOrCreateEngineId(config.data_root));
  base::UniqueFd wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return base::ErrnoError(errno, "eventfd");
  return std::unique_ptr<Server>(new Server(std::move(config), gid,
                                            std::move(lock), std::move(engine_id),
                                            std::move(wake)));
}

Server::Server(DaemonConfig config, gid_t gid, std::unique_ptr<DaemonLock> lock,
               std::string engine_id, base::UniqueFd wake)
    : config_(std::move(config)), gid_(gid), lock_(std::move(lock)),
      engine_id_(std::move(engine_id)), wake_(std::move(wake)) {}

Server::~Server() { Shutdown(absl::Seconds(10)); }

void Server::AddService(std::unique_ptr<grpc::Service> service) {
  services_.push_back(std::move(service));
}

std::vector<std::string> Server::socket_paths() const {
  std::vector<std::string> paths;
  for (const auto& l : listeners_) paths.push_back(l->path());
  return paths;
}

absl::Status Server::Start() {
  if (started_) return absl::FailedPreconditionError("server already started");
  started_ = true;
  RETURN_IF_ERROR(base::Annotate(BuildImageService(), "build image service"));
  RETURN_IF_ERROR(base::Annotate(BuildContainerService(), "build container service"));

  services::SystemServiceOptions sys;
  sys.engine_id = engine_id_;
  sys.data_root = config_.data_root;
  sys.exec_root = config_.exec_root;
  sys.insecure_registries = config_.insecure_registries;
  sys.registry_mirrors = config_.registry_mirrors;
  sys.max_concurrent_downloads = config_.max_concurrent_downloads;
  sys.debug = config_.debug;
  sys.image_count = image_count_;
  services_.push_back(std::make_unique<services::SystemService>(sys, &bus_));
  services_.push_back(std::make_unique<services::RegistriesService>(
      registry_auth_, services::RegistriesConfig{config_.insecure_registries,
                                                 config_.registry_mirrors}));

  grpc::ServerBuilder builder;
  for (const auto& service : services_) builder.RegisterService(service.get());
  grpc_ = builder.BuildAndStart();
  if (grpc_ == nullptr) return absl::InternalError("start gRPC server");

  for (const std::string& host : config_.hosts) {
    ASSIGN_OR_RETURN(std::string path, UnixSocketPath(host));
    absl::StatusOr<std::unique_ptr<UnixListener>> listener =
        UnixListener::Create(path, gid_);
    if (!listener.ok()) {
      Shutdown(absl::ZeroDuration());
      return base::Annotate(listener.status(), "listen on API socket");
    }
    grpc::Server* grpc_server = grpc_.get();
    (*listener)->Start(
        [grpc_server](int fd) { grpc::AddInsecureChannelFromFd(grpc_server, fd); });
    LOG_INFO("API listen on " + path);
    listeners_.push_back(*std::move(listener));
  }
  LOG_INFO("Daemon has completed initialization",
           {{"data-root", config_.data_root}, {"version", kBerthVersion}});
  return absl::OkStatus();
}

void Server::RequestShutdown() {
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof(one));
}

absl::Status Server::Run(absl::Duration grace) {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  base::UniqueFd sfd(signalfd(-1, &set, SFD_CLOEXEC));
  if (!sfd.valid()) return base::ErrnoError(errno, "signalfd");
  RETURN_IF_ERROR(Start());
  for (;;) {
    pollfd fds[2] = {{sfd.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      absl::Status err = base::ErrnoError(errno, "poll");
      Shutdown(grace);
      return err;
    }
    if (fds[1].revents != 0) {
      LOG_INFO("Processing signal 'terminated'");
      break;
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo info;
      if (read(sfd.get(), &info, sizeof(info)) != sizeof(info)) continue;
      LOG_INFO(absl::StrCat("Processing signal '",
                            SignalName(static_cast<int>(info.ssi_signo)), "'"));
      if (info.ssi_signo == SIGHUP) continue;  // no reloadable settings yet
      break;
    }
  }
  Shutdown(grace);
  return absl::OkStatus();
}

void Server::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  // No new connections; the socket files go away with their listeners.
  for (auto& l : listeners_) l->Stop();
  listeners_.clear();
  // Events streams end once their queues drain.
  bus_.Close();
  if (grpc_ != nullptr) {
    auto deadline = std::chrono::system_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(grace));
    // Waits for in-flight calls and for clients to close their connections
    // after GOAWAY (an idle gRPC client notices within ~5 s, its backup
    // poll interval), then cancels whatever is left at the deadline.
    grpc_->Shutdown(deadline);
    grpc_->Wait();
    grpc_.reset();
  }
  services_.clear();
  containers_.reset();
  images_.reset();
  if (started_) LOG_INFO("Daemon shutdown complete");
  lock_.reset();  // removes the pidfile, releases the lock
}

}  // namespace server
}  // namespace engine
