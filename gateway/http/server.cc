#include "gateway/http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/log.h"
#include "engine/base/status.h"

namespace gateway {

Server::Server(const Router* router, ServerOptions options)
    : router_(router), options_(std::move(options)) {}

Server::~Server() { Stop(); }

void Server::AddListener(base::UniqueFd fd, std::shared_ptr<const TlsContext> tls) {
  // The accept loop polls, then accepts: a blocking listener could stall it
  // when another client's connection attempt is gone by then.
  const int flags = fcntl(fd.get(), F_GETFL);
  if (flags >= 0) (void)fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
  listeners_.push_back(Listener{std::move(fd), std::move(tls)});
}

absl::Status Server::Start() {
  wake_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) return base::ErrnoError(errno, "eventfd");
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return absl::OkStatus();
}

void Server::Stop(absl::Duration grace) {
  if (accept_thread_.joinable()) {
    uint64_t one = 1;
    (void)!write(wake_.get(), &one, sizeof(one));
    accept_thread_.join();
  }
  listeners_.clear();
  Connections& c = *connections_;
  absl::MutexLock lock(&c.mu);
  c.stopping = true;
  for (Transport* t : c.transports) t->Close();
  auto idle = [&c]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(c.mu) { return c.active == 0; };
  c.mu.AwaitWithTimeout(absl::Condition(&idle), grace);
}

int Server::active_connections() const {
  absl::MutexLock lock(&connections_->mu);
  return connections_->active;
}

void Server::AcceptLoop() {
  std::vector<pollfd> fds;
  for (const Listener& l : listeners_) fds.push_back({l.fd.get(), POLLIN, 0});
  fds.push_back({wake_.get(), POLLIN, 0});
  for (;;) {
    int n = poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      LOG_ERROR("poll on the API sockets failed", {{"error", strerror(errno)}});
      return;
    }
    if (fds.back().revents != 0) return;
    for (size_t i = 0; i + 1 < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      int conn = accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (conn < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
        LOG_WARN("accept failed", {{"error", strerror(errno)}});
        // EMFILE and the like: back off instead of spinning.
        poll(&fds.back(), 1, 100);
        continue;
      }
      Spawn(conn, listeners_[i].tls);
    }
  }
}

void Server::Spawn(int fd, std::shared_ptr<const TlsContext> tls) {
  std::shared_ptr<Connections> c = connections_;
  {
    absl::MutexLock lock(&c->mu);
    if (c->stopping || c->active >= options_.max_connections) {
      LOG_WARN("refusing a connection", {{"reason", c->stopping ? "stopping"
                                                                : "too many connections"}});
      ::close(fd);
      return;
    }
    ++c->active;
  }
  const Router* router = router_;
  ConnectionOptions options = options_.connection;
  std::thread([fd, tls = std::move(tls), c, router, options]() {
    std::shared_ptr<Transport> transport;
    if (tls == nullptr) {
      transport = NewPlainTransport(fd);
    } else {
      auto accepted = tls->Accept(fd, absl::Now() + options.header_timeout);
      if (accepted.ok()) {
        transport = std::move(*accepted);
      } else {
        LOG_DEBUG("TLS handshake failed", {{"error", accepted.status().message()}});
      }
    }
    if (transport != nullptr) {
      bool serve;
      {
        absl::MutexLock lock(&c->mu);
        serve = !c->stopping;
        if (serve) c->transports.insert(transport.get());
      }
      if (serve) {
        ServeConnection(transport, *router, options);
        absl::MutexLock lock(&c->mu);
        c->transports.erase(transport.get());
      }
    }
    transport.reset();
    absl::MutexLock lock(&c->mu);
    --c->active;
  }).detach();
}

}  // namespace gateway
