// -----------------------------------------------------------------------------
// File: shim_client.h
// -----------------------------------------------------------------------------
//
// berthd's side of the berth.shim.v1 protocol (proto/berth/shim/v1/shim.proto
// describes the framing): one connection per call to the shim's Unix socket.
//
//   ShimClient shim("/run/berth/containers/<id>/shim.sock");
//   ASSIGN_OR_RETURN(int64_t pid, shim.Start(""));
//   ASSIGN_OR_RETURN(auto waiter, shim.StartWait(""));
//   absl::StatusOr<WaitResponse> exit = waiter->Result();   // blocks
//
// Errors: Unavailable when the shim cannot be reached (no socket, nobody
// listening, connection cut before the answer: the shim is gone);
// DeadlineExceeded when a unary call takes longer than its timeout; a
// Response with a non-zero error_code becomes an absl::Status with that code
// and message.
//
// Thread-safety: ShimClient is immutable and thread-safe. A PendingWait or
// an AttachStream is used by one reader thread; Cancel()/Close() may be
// called from any thread to unblock it.

#ifndef ENGINE_RUNTIME_SHIM_CLIENT_H_
#define ENGINE_RUNTIME_SHIM_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/base/unique_fd.h"
#include "proto/berth/shim/v1/shim.pb.h"

namespace engine::runtime {

// Stream frame kinds on an attach connection.
enum class StreamKind : uint8_t {
  kStdin = 0,
  kStdout = 1,
  kStderr = 2,
  kEnd = 3,
  kCloseStdin = 4,
  kResize = 5,
};

// A `wait` call in flight. Result() blocks until the shim answers (the
// process exited), the connection breaks (Unavailable) or Cancel() is called
// (Cancelled).
class PendingWait {
 public:
  explicit PendingWait(base::UniqueFd fd) : fd_(std::move(fd)) {}
  absl::StatusOr<berth::shim::v1::WaitResponse> Result();
  // Unblocks Result() from another thread. Idempotent.
  void Cancel();

 private:
  base::UniqueFd fd_;
  std::atomic<bool> cancelled_{false};
};

// An attach connection in stream mode.
class AttachStream {
 public:
  explicit AttachStream(base::UniqueFd fd) : fd_(std::move(fd)) {}
  ~AttachStream();

  // Reads the next output frame: kStdout / kStderr with data, or kEnd
  // (output over). Unavailable when the connection broke, Cancelled after
  // Close().
  absl::Status Read(StreamKind* kind, std::string* data);

  // Writers (one thread at a time).
  absl::Status WriteStdin(absl::string_view data);
  absl::Status CloseStdin();
  absl::Status Resize(uint32_t rows, uint32_t columns);

  // Unblocks Read() and ends the connection. Idempotent; any thread.
  void Close();

 private:
  absl::Status WriteFrame(StreamKind kind, absl::string_view payload);
  base::UniqueFd fd_;
  std::atomic<bool> closed_{false};
};

class ShimClient {
 public:
  explicit ShimClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}

  const std::string& socket_path() const { return socket_path_; }

  // One unary call. The Response's error becomes the returned status.
  absl::StatusOr<berth::shim::v1::Response> Call(const berth::shim::v1::Request& request,
                                                 absl::Duration timeout = absl::Seconds(10)) const;

  absl::StatusOr<berth::shim::v1::StateResponse> State(absl::string_view exec_id) const;
  // Returns the started process's host pid.
  absl::StatusOr<int64_t> Start(absl::string_view exec_id) const;
  absl::Status Kill(absl::string_view exec_id, int signal, bool all) const;
  absl::Status Resize(absl::string_view exec_id, uint32_t rows, uint32_t columns) const;
  absl::Status Exec(absl::string_view exec_id, absl::string_view process_json,
                    bool stdin) const;
  absl::Status Pause() const;
  absl::Status Resume() const;
  absl::Status Delete() const;

  // Sends a `wait` call and returns the pending answer.
  absl::StatusOr<std::unique_ptr<PendingWait>> StartWait(absl::string_view exec_id) const;

  // Sends an `attach` call; after the shim's OK the connection is a stream.
  absl::StatusOr<std::unique_ptr<AttachStream>> Attach(const berth::shim::v1::AttachRequest& request,
                                                       absl::Duration timeout = absl::Seconds(10)) const;

 private:
  // Connects and writes `request`; the fd has send/receive timeouts of
  // `timeout` (infinite for ZeroDuration).
  absl::StatusOr<base::UniqueFd> Send(const berth::shim::v1::Request& request,
                                      absl::Duration timeout) const;

  std::string socket_path_;
};

// Framing helpers (exposed for tests): a u32 big-endian length then the
// bytes. ReadMessageFrame: Unavailable on EOF or a broken connection,
// DataLoss on a length of more than 1 MiB. Both accept a length of 0 (the
// protocol says 1 <= N, but an OK Response with no result serializes to no
// bytes at all; it reads back as an empty message).
absl::Status WriteMessageFrame(int fd, absl::string_view bytes);
absl::StatusOr<std::string> ReadMessageFrame(int fd);

// The status a shim Response carries (OK for error_code 0).
absl::Status ResponseStatus(const berth::shim::v1::Response& response);

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_SHIM_CLIENT_H_
