// -----------------------------------------------------------------------------
// File: transport.h
// -----------------------------------------------------------------------------
//
// A client connection's byte stream as the server uses it: a plain socket
// (Unix or TCP) or a TLS session over a TCP socket. The descriptor is always
// non-blocking and close-on-exec; blocking behaviour comes from poll(2), so
// every read can carry a deadline (header timeouts) and Close() from any
// thread wakes a blocked Read or Write at once.
//
// Thread-safety: one thread may Read while another Writes (a hijacked attach
// stream); PeerClosed, CloseWrite and Close may be called from any thread.
// The descriptor is closed only by the destructor, so a concurrent Close()
// never hits a reused descriptor number.

#ifndef GATEWAY_HTTP_TRANSPORT_H_
#define GATEWAY_HTTP_TRANSPORT_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace gateway {

class Transport {
 public:
  virtual ~Transport() = default;

  // Reads up to `size` bytes, waiting until `deadline`. Returns 0 when the
  // peer has closed (or half-closed) its sending side. DeadlineExceeded when
  // nothing arrived in time, Cancelled after Close(), Unavailable when the
  // connection failed.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t size,
                                      absl::Time deadline) = 0;
  // Writes all of `data`. Unavailable once the peer is gone, Cancelled after
  // Close().
  virtual absl::Status Write(absl::string_view data) = 0;
  // Ends the sending side (TLS close_notify, then shutdown(SHUT_WR)).
  virtual void CloseWrite() = 0;
  // Shuts the socket down both ways; blocked calls return.
  virtual void Close() = 0;

  // True when the peer has closed or reset the connection (checked without
  // blocking and without consuming data).
  bool PeerClosed() const;
  // Waits until the socket is readable (or `deadline`); false on timeout.
  bool WaitReadable(absl::Time deadline) const;

  int fd() const { return fd_; }

 protected:
  explicit Transport(int fd) : fd_(fd) {}
  // Polls for `events` until `deadline`; DeadlineExceeded, Cancelled after
  // Close(), OK when ready (or on POLLHUP/POLLERR: the next call reports).
  absl::Status Poll(short events, absl::Time deadline) const;
  void MarkClosed() { closed_.store(true); }
  bool closed() const { return closed_.load(); }

 private:
  const int fd_;
  std::atomic<bool> closed_{false};
};

// A plain socket. Takes ownership of `fd`.
std::unique_ptr<Transport> NewPlainTransport(int fd);

// Server-side TLS configuration with mandatory client certificates.
class TlsContext {
 public:
  // Loads the server certificate chain and key and the CA that client
  // certificates must chain to; TLS 1.2 or newer. InvalidArgument naming the
  // file that could not be loaded.
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(
      const std::string& ca_file, const std::string& cert_file,
      const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Runs the server handshake on `fd` (owned) until `deadline`; the error
  // when the client presents no valid certificate or gives up.
  absl::StatusOr<std::unique_ptr<Transport>> Accept(int fd, absl::Time deadline) const;

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace gateway

#endif  // GATEWAY_HTTP_TRANSPORT_H_
