// -----------------------------------------------------------------------------
// File: io.h
// -----------------------------------------------------------------------------
//
// ProcessIo: the standard streams of one container process (the init or an
// exec), owned by the shim so that clients can attach, detach and
// reattach while the process runs.
//
// * Output (pipes, or the pty master with a terminal) is read as it comes
//   and copied to the JSON logger (if any) and to every attached client
//   that asked for that stream, as stream frames (kind 1 stdout, 2 stderr;
//   with a terminal everything is stdout).
// * Stdin (when the process has one) comes from one attached client at a
//   time: the earliest still-connected attacher that asked for stdin.
//   Kind 0 frames are written to the process, kind 4 closes its stdin,
//   kind 5 resizes the terminal.
// * When all output has ended (EOF, or EIO on a pty master once the last
//   slave is closed) the logger's partial lines are flushed, every attacher
//   gets a kind 3 frame and is closed, and OnOutputDone runs.
//
// Memory: one static 32 KiB read buffer shared by all streams; a slow
// client may hold at most kMaxPending bytes queued before reading from the
// process pauses (the process then blocks on a full pipe, as with Docker).
// Not thread-safe (the loop's thread only).

#ifndef SHIM_IO_H_
#define SHIM_IO_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/base/unique_fd.h"
#include "shim/connection.h"
#include "shim/event_loop.h"
#include "shim/frame.h"
#include "shim/json_logger.h"

namespace shim {

inline constexpr size_t kMaxPending = 64 * 1024;

class ProcessIo {
 public:
  // Makes the pipes. Without `open_stdin` the process's stdin is /dev/null.
  // `logger` (not owned, may be null) must outlive this object.
  static absl::StatusOr<std::unique_ptr<ProcessIo>> Create(EventLoop* loop, bool open_stdin,
                                                           JsonLogger* logger);
  ~ProcessIo();

  // The child's ends, to hand to the runtime (-1 = /dev/null).
  int child_stdin() const { return child_in_.get(); }
  int child_stdout() const { return child_out_.get(); }
  int child_stderr() const { return child_err_.get(); }

  // Call once the process exists: closes the child's ends here and starts
  // copying. A valid `pty_master` (the process has a terminal) replaces the
  // pipes for both directions.
  absl::Status Begin(base::UniqueFd pty_master);

  // Makes `conn` (whose OK response is queued already) an attach stream.
  // `leftover`: stream bytes the client sent right after its request.
  void Attach(std::shared_ptr<Connection> conn, bool want_stdin, bool want_stdout,
              bool want_stderr, std::string leftover);

  // Sets the terminal size. FailedPrecondition without a terminal.
  absl::Status Resize(uint16_t rows, uint16_t columns);

  // Closes the process's stdin once what is queued is written.
  void CloseStdin();

  // Stops copying: closes stdin and ends every attach stream. For when the
  // process is gone and its output has not closed in time.
  void Abandon();

  bool has_terminal() const { return master_.valid(); }
  bool output_done() const { return output_done_; }
  void SetOnOutputDone(std::function<void()> fn) { on_output_done_ = std::move(fn); }
  size_t attacher_count() const;

 private:
  struct Attacher {
    std::shared_ptr<Connection> conn;
    bool in = false, out = false, err = false;
    bool gone = false;
    StreamFrameDecoder decoder;
  };

  ProcessIo(EventLoop* loop, JsonLogger* logger) : loop_(loop), logger_(logger) {}

  int in_fd() const { return master_.valid() ? master_.get() : in_.get(); }
  void Sync(int fd);
  uint32_t Interest(int fd) const;
  void OnFd(int fd, uint32_t events);
  void ReadOutput(int fd, StreamKind kind);
  void Deliver(StreamKind kind, absl::string_view data);
  void EndOutput(int fd);
  void FinishOutput();
  void OnAttacherData(Attacher* a, absl::string_view data);
  void OnAttacherGone(Attacher* a);
  Attacher* StdinOwner();
  void WriteStdin();
  void DropStdin();
  void UpdateBackpressure();

  EventLoop* loop_;
  JsonLogger* logger_;
  base::UniqueFd child_in_, child_out_, child_err_;
  base::UniqueFd in_, out_, err_, master_;
  bool out_open_ = false, err_open_ = false;  // output sources still open
  bool has_stdin_ = false;
  bool stdin_close_requested_ = false;
  std::string stdin_buf_;
  bool output_paused_ = false;
  bool output_done_ = false;
  bool begun_ = false;
  std::vector<std::unique_ptr<Attacher>> attachers_;
  std::function<void()> on_output_done_;
};

}  // namespace shim

#endif  // SHIM_IO_H_
