#include "shim/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace shim {
namespace {

// Shared read buffer: the loop is single-threaded, and one static buffer
// keeps every connection's idle footprint at zero.
char g_read_buffer[16 * 1024];

}  // namespace

std::shared_ptr<Connection> Connection::Create(EventLoop* loop, base::UniqueFd fd) {
  std::shared_ptr<Connection> conn(new Connection(loop, std::move(fd)));
  std::weak_ptr<Connection> weak = conn;
  conn->interest_ = EPOLLIN | EPOLLRDHUP;
  absl::Status s = loop->Add(conn->fd_.get(), conn->interest_, [weak](uint32_t events) {
    if (auto self = weak.lock()) self->OnEvents(events);
  });
  if (!s.ok()) conn->fd_.reset();
  return conn;
}

Connection::~Connection() {
  if (fd_.valid()) loop_->Remove(fd_.get());
}

void Connection::UpdateInterest() {
  if (!fd_.valid()) return;
  uint32_t want = 0;
  if (!reading_paused_ && !peer_eof_) want |= EPOLLIN | EPOLLRDHUP;
  if (pending_output() > 0) want |= EPOLLOUT;
  if (want != interest_) {
    interest_ = want;
    (void)loop_->Modify(fd_.get(), want);
  }
}

void Connection::Send(absl::string_view bytes) {
  if (!fd_.valid() || bytes.empty()) return;
  out_.append(bytes.data(), bytes.size());
  Flush();
}

void Connection::Flush() {
  auto self = shared_from_this();
  while (fd_.valid() && pending_output() > 0) {
    ssize_t n = ::send(fd_.get(), out_.data() + out_pos_, pending_output(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Close();  // EPIPE, ECONNRESET...
      return;
    }
    out_pos_ += static_cast<size_t>(n);
  }
  if (!fd_.valid()) return;
  if (pending_output() == 0) {
    out_.clear();
    if (out_.capacity() > 4096) std::string().swap(out_);
    out_pos_ = 0;
    if (close_after_flush_) {
      Close();
      return;
    }
    if (on_drained_) {
      auto on_drained = on_drained_;
      on_drained();
    }
  } else if (out_pos_ > 64 * 1024) {
    out_.erase(0, out_pos_);
    out_pos_ = 0;
  }
  UpdateInterest();
}

void Connection::PauseReading(bool paused) {
  reading_paused_ = paused;
  UpdateInterest();
}

void Connection::CloseAfterFlush() {
  close_after_flush_ = true;
  if (pending_output() == 0) Close();
}

void Connection::Close() {
  if (!fd_.valid()) return;
  auto self = shared_from_this();
  loop_->Remove(fd_.get());
  fd_.reset();
  std::string().swap(out_);
  out_pos_ = 0;
  auto on_close = std::move(on_close_);
  on_data_ = nullptr;
  on_drained_ = nullptr;
  if (on_close) on_close();
}

void Connection::OnEvents(uint32_t events) {
  auto self = shared_from_this();
  if (events & EPOLLOUT) Flush();
  if (!fd_.valid()) return;
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && !reading_paused_ && !peer_eof_) {
    for (;;) {
      ssize_t n = ::recv(fd_.get(), g_read_buffer, sizeof g_read_buffer, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        Close();
        return;
      }
      if (n == 0) {
        // The peer is gone (a client half-closing is treated the same: the
        // protocol has no half-close).
        peer_eof_ = true;
        Close();
        return;
      }
      if (on_data_) {
        // A copy: the callback may replace itself.
        auto on_data = on_data_;
        on_data(absl::string_view(g_read_buffer, static_cast<size_t>(n)));
      }
      if (!fd_.valid() || reading_paused_) return;
      if (static_cast<size_t>(n) < sizeof g_read_buffer) break;
    }
  } else if (events & (EPOLLHUP | EPOLLERR)) {
    Close();
    return;
  }
  UpdateInterest();
}

}  // namespace shim
