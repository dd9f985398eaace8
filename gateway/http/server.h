// -----------------------------------------------------------------------------
// File: server.h
// -----------------------------------------------------------------------------
//
// The gateway's HTTP/1.1 server: accepts on its listening sockets and serves
// each connection on a thread of its own (connection.h), which keeps
// blocking handlers, long streams (/events, logs -f) and hijacked attach
// sessions simple. Connections above `max_connections` are refused at once.
// TLS listeners run the handshake on the connection's thread, with the
// header timeout, so a slow client cannot hold up accept.
//
//   gateway::Server server(&router, options);
//   server.AddListener(std::move(unix_fd), nullptr);
//   server.Start();
//   ...
//   server.Stop();
//
// Thread-safety: AddListener and Start before serving, from one thread;
// Stop from any one thread.

#ifndef GATEWAY_HTTP_SERVER_H_
#define GATEWAY_HTTP_SERVER_H_

#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "engine/base/unique_fd.h"
#include "gateway/http/connection.h"
#include "gateway/http/router.h"
#include "gateway/http/transport.h"

namespace gateway {

struct ServerOptions {
  ConnectionOptions connection;
  // Connections served at once; more are closed as they arrive.
  int max_connections = 2048;
};

class Server {
 public:
  // `router` must outlive the server.
  Server(const Router* router, ServerOptions options);
  // Stops the server.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves `fd` (a listening socket), with TLS when `tls` is set.
  void AddListener(base::UniqueFd fd, std::shared_ptr<const TlsContext> tls);

  // Starts the accept thread.
  absl::Status Start();

  // Stops accepting, shuts down the connections being served (hijacked
  // ones belong to their handlers) and waits up to `grace` for their
  // threads to finish. Idempotent.
  void Stop(absl::Duration grace = absl::Seconds(2));

  // Connections whose threads are running.
  int active_connections() const;

 private:
  struct Listener {
    base::UniqueFd fd;
    std::shared_ptr<const TlsContext> tls;
  };
  // Shared with the connection threads, which may outlive a Stop() whose
  // grace ran out (the router must then outlive them: in practice the
  // process exits).
  struct Connections {
    absl::Mutex mu;
    int active ABSL_GUARDED_BY(mu) = 0;
    bool stopping ABSL_GUARDED_BY(mu) = false;
    std::set<Transport*> transports ABSL_GUARDED_BY(mu);
  };

  void AcceptLoop();
  void Spawn(int fd, std::shared_ptr<const TlsContext> tls);

  const Router* router_;
  const ServerOptions options_;
  std::vector<Listener> listeners_;
  base::UniqueFd wake_;
  std::thread accept_thread_;
  std::shared_ptr<Connections> connections_ = std::make_shared<Connections>();
};

}  // namespace gateway

#endif  // GATEWAY_HTTP_SERVER_H_
