// -----------------------------------------------------------------------------
// File: attach_session.h
// -----------------------------------------------------------------------------
//
// Runs an attached stdio session (run, start -a, attach, exec) in the
// terminal: output to the context's streams, stdin from its descriptor on a
// thread of its own (EOF closes the process's stdin), raw mode and window
// size changes for TTY sessions, and signal forwarding (--sig-proxy) for
// the others. Detaching with the detach keys is detected by the daemon,
// which ends the stream with a `detached` message.

#ifndef CLI_ATTACH_SESSION_H_
#define CLI_ATTACH_SESSION_H_

#include <functional>

#include "absl/status/status.h"
#include "cli/context.h"
#include "sdk/stdio_session.h"

namespace cli {

struct SessionOptions {
  bool stdin = false;      // forward the context's stdin
  bool tty = false;        // the process has a TTY
  bool sig_proxy = false;  // forward signals (ignored with a TTY)
  // Called with each forwarded signal (kill the container with it).
  std::function<void(int signo)> on_signal;
  // Called with the new size on window changes (besides the in-stream
  // resize); may be empty.
  std::function<void(uint32_t rows, uint32_t columns)> on_resize;
};

struct SessionResult {
  bool detached = false;  // the user pressed the detach keys
  absl::Status status;    // the session's final status
};

// RunSession()
//
// Blocks until the session's output ends. Restores the terminal before
// returning.
SessionResult RunSession(Context* ctx, sdk::StdioSession* session,
                         const SessionOptions& options);

}  // namespace cli

#endif  // CLI_ATTACH_SESSION_H_
