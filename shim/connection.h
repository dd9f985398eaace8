// -----------------------------------------------------------------------------
// File: connection.h
// -----------------------------------------------------------------------------
//
// One accepted client connection on the shim's socket, driven by the
// EventLoop: non-blocking reads delivered to a callback, writes queued and
// flushed as the socket allows.
//
// Lifetime: shared_ptr. Whoever keeps the connection (the server while it
// reads the request, a waiting process, an attach fan-out) holds a
// shared_ptr; callbacks keep it alive while they run. Close() unregisters
// and closes the fd and runs the close callback once; later Send()s are
// dropped. Not thread-safe (the loop's thread only).

#ifndef SHIM_CONNECTION_H_
#define SHIM_CONNECTION_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "engine/base/unique_fd.h"
#include "shim/event_loop.h"

namespace shim {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Registers `fd` (a non-blocking socket) with `loop`, reading.
  static std::shared_ptr<Connection> Create(EventLoop* loop, base::UniqueFd fd);
  ~Connection();

  // Bytes read from the peer.
  void SetOnData(std::function<void(absl::string_view)> fn) { on_data_ = std::move(fn); }
  // The peer closed, the connection broke, or Close() was called.
  void SetOnClose(std::function<void()> fn) { on_close_ = std::move(fn); }
  // The output queue became empty after having data.
  void SetOnDrained(std::function<void()> fn) { on_drained_ = std::move(fn); }

  // Queues `bytes` and tries to write them at once.
  void Send(absl::string_view bytes);
  size_t pending_output() const { return out_.size() - out_pos_; }

  // Stops (or resumes) delivering data; the kernel buffers and then pushes
  // back on the peer.
  void PauseReading(bool paused);

  // Closes once everything queued is written (or the peer is gone).
  void CloseAfterFlush();
  void Close();
  bool closed() const { return !fd_.valid(); }
  int fd() const { return fd_.get(); }

 private:
  Connection(EventLoop* loop, base::UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {}
  void OnEvents(uint32_t events);
  void Flush();
  void UpdateInterest();

  EventLoop* loop_;
  base::UniqueFd fd_;
  std::string out_;
  size_t out_pos_ = 0;
  bool reading_paused_ = false;
  bool close_after_flush_ = false;
  bool peer_eof_ = false;
  uint32_t interest_ = 0;
  std::function<void(absl::string_view)> on_data_;
  std::function<void()> on_close_;
  std::function<void()> on_drained_;
};

}  // namespace shim

#endif  // SHIM_CONNECTION_H_
