#include "gateway/http/transport.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace gateway {
namespace {

int PollTimeoutMs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  // Round up so that a poll never returns just before the deadline.
  int64_t ms = absl::ToInt64Milliseconds(left + absl::Milliseconds(1) -
                                         absl::Nanoseconds(1));
  return static_cast<int>(std::min<int64_t>(ms, std::numeric_limits<int>::max()));
}

absl::Status SocketError(int err, absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", strerror(err)));
}

class PlainTransport : public Transport {
 public:
  explicit PlainTransport(int fd) : Transport(fd) {}
  ~PlainTransport() override { ::close(fd()); }

  absl::StatusOr<size_t> Read(char* buffer, size_t size,
                              absl::Time deadline) override {
    for (;;) {
      if (closed()) return absl::CancelledError("connection closed");
      ssize_t n = ::recv(fd(), buffer, size, 0);
      if (n > 0) return static_cast<size_t>(n);
      if (n == 0) {
        if (closed()) return absl::CancelledError("connection closed");
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return SocketError(errno, "read");
      absl::Status ready = Poll(POLLIN, deadline);
      if (!ready.ok()) return ready;
    }
  }

  absl::Status Write(absl::string_view data) override {
    while (!data.empty()) {
      if (closed()) return absl::CancelledError("connection closed");
      ssize_t n = ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        absl::Status ready = Poll(POLLOUT, absl::InfiniteFuture());
        if (!ready.ok()) return ready;
        continue;
      }
      return SocketError(n < 0 ? errno : EPIPE, "write");
    }
    return absl::OkStatus();
  }

  void CloseWrite() override { ::shutdown(fd(), SHUT_WR); }

  void Close() override {
    MarkClosed();
    ::shutdown(fd(), SHUT_RDWR);
  }
};

// TLS over a non-blocking socket. OpenSSL's SSL object must not be used by
// two threads at once, so every SSL_* call runs under `mu_`; the waits for
// the socket happen outside it, so a blocked reader never holds up a writer.
class TlsTransport : public Transport {
 public:
  TlsTransport(int fd, SSL* ssl) : Transport(fd), ssl_(ssl) {}
  ~TlsTransport() override {
    SSL_free(ssl_);
    ::close(fd());
  }

  // Runs the handshake.
  absl::Status Handshake(absl::Time deadline) {
    for (;;) {
      int want;
      {
        absl::MutexLock lock(&mu_);
        ERR_clear_error();
        int rc = SSL_accept(ssl_);
        if (rc == 1) return absl::OkStatus();
        want = SSL_get_error(ssl_, rc);
        if (want != SSL_ERROR_WANT_READ && want != SSL_ERROR_WANT_WRITE) {
          return absl::UnavailableError(
              absl::StrCat("TLS handshake failed: ", LastError()));
        }
      }
      absl::Status ready = Poll(want == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
      if (!ready.ok()) return ready;
    }
  }

  absl::StatusOr<size_t> Read(char* buffer, size_t size,
                              absl::Time deadline) override {
    int len = static_cast<int>(std::min<size_t>(size, 1 << 30));
    for (;;) {
      if (closed()) return absl::CancelledError("connection closed");
      int want;
      {
        absl::MutexLock lock(&mu_);
        ERR_clear_error();
        int n = SSL_read(ssl_, buffer, len);
        if (n > 0) return static_cast<size_t>(n);
        want = SSL_get_error(ssl_, n);
        if (want == SSL_ERROR_ZERO_RETURN) return 0;
        if (want == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
          // EOF without close_notify, or a reset: the client is gone.
          return size_t{0};
        }
        if (want != SSL_ERROR_WANT_READ && want != SSL_ERROR_WANT_WRITE) {
          return absl::UnavailableError(absl::StrCat("TLS read: ", LastError()));
        }
      }
      absl::Status ready = Poll(want == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
      if (!ready.ok()) return ready;
    }
  }

  absl::Status Write(absl::string_view data) override {
    while (!data.empty()) {
      if (closed()) return absl::CancelledError("connection closed");
      int len = static_cast<int>(std::min<size_t>(data.size(), 1 << 30));
      int want;
      {
        absl::MutexLock lock(&mu_);
        ERR_clear_error();
        int n = SSL_write(ssl_, data.data(), len);
        if (n > 0) {
          data.remove_prefix(static_cast<size_t>(n));
          continue;
        }
        want = SSL_get_error(ssl_, n);
        if (want != SSL_ERROR_WANT_READ && want != SSL_ERROR_WANT_WRITE) {
          return absl::UnavailableError(absl::StrCat("TLS write: ", LastError()));
        }
      }
      absl::Status ready = Poll(want == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
                                absl::InfiniteFuture());
      if (!ready.ok()) return ready;
    }
    return absl::OkStatus();
  }

  void CloseWrite() override {
    {
      absl::MutexLock lock(&mu_);
      ERR_clear_error();
      SSL_shutdown(ssl_);  // sends close_notify; the reply is not awaited
    }
    ::shutdown(fd(), SHUT_WR);
  }

  void Close() override {
    MarkClosed();
    ::shutdown(fd(), SHUT_RDWR);
  }

 private:
  static std::string LastError() {
    unsigned long err = ERR_get_error();
    if (err == 0) return "connection closed";
    char text[256];
    ERR_error_string_n(err, text, sizeof(text));
    return text;
  }

  absl::Mutex mu_;
  SSL* const ssl_;
};

}  // namespace

bool Transport::PeerClosed() const {
  pollfd p = {fd_, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) return true;
  if (p.revents & POLLIN) {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                      errno != EINTR);
  }
  return false;
}

bool Transport::WaitReadable(absl::Time deadline) const {
  return Poll(POLLIN, deadline).ok();
}

absl::Status Transport::Poll(short events, absl::Time deadline) const {
  for (;;) {
    if (closed()) return absl::CancelledError("connection closed");
    pollfd p = {fd_, events, 0};
    int n = ::poll(&p, 1, PollTimeoutMs(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      return SocketError(errno, "poll");
    }
    if (closed()) return absl::CancelledError("connection closed");
    if (n > 0) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("timed out waiting for the client");
    }
  }
}

std::unique_ptr<Transport> NewPlainTransport(int fd) {
  return std::make_unique<PlainTransport>(fd);
}

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(
    const std::string& ca_file, const std::string& cert_file,
    const std::string& key_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return absl::InternalError("cannot create a TLS context");
  std::unique_ptr<TlsContext> out(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("could not load TLS certificate ", cert_file));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("could not load TLS key ", key_file,
                     " (or it does not match ", cert_file, ")"));
  }
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("could not load TLS CA certificate ", ca_file));
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  ERR_clear_error();
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

absl::StatusOr<std::unique_ptr<Transport>> TlsContext::Accept(
    int fd, absl::Time deadline) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    ::close(fd);
    return absl::InternalError("cannot create a TLS session");
  }
  auto transport = std::make_unique<TlsTransport>(fd, ssl);  // owns both
  if (SSL_set_fd(ssl, fd) != 1) return absl::InternalError("SSL_set_fd failed");
  absl::Status handshake = transport->Handshake(deadline);
  if (!handshake.ok()) return handshake;
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace gateway
