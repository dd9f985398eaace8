#include "cli/attach_session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <memory>
#include <thread>
#include <vector>

#include "cli/terminal.h"

namespace cli {
namespace {

// Copies stdin into the session until EOF (then closes the process's
// stdin) or until woken through `wake_fd`.
void PumpStdin(int in_fd, int wake_fd, sdk::StdioSession* session) {
  char buf[32 * 1024];
  while (true) {
    pollfd fds[2] = {{in_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    ssize_t n = ::read(in_fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      session->CloseStdin().IgnoreError();
      return;
    }
    if (!session->WriteStdin(absl::string_view(buf, static_cast<size_t>(n))).ok()) return;
  }
}

}  // namespace

SessionResult RunSession(Context* ctx, sdk::StdioSession* session,
                         const SessionOptions& o) {
  SessionResult result;
  std::unique_ptr<RawTerminal> raw;
  if (o.tty && o.stdin && ctx->in_is_tty) {
    auto r = RawTerminal::Enable(ctx->in_fd);
    if (r.ok()) raw = std::move(r).value();
  }

  auto send_size = [ctx, session, &o] {
    uint32_t rows = 0, cols = 0;
    if (!GetWindowSize(STDOUT_FILENO, &rows, &cols) &&
        !GetWindowSize(ctx->in_fd, &rows, &cols)) {
      return;
    }
    if (rows == 0 || cols == 0) return;
    session->Resize(rows, cols).IgnoreError();
    if (o.on_resize) o.on_resize(rows, cols);
  };

  std::unique_ptr<SignalWatcher> watcher;
  if (o.tty) {
    send_size();
    watcher = std::make_unique<SignalWatcher>(std::vector<int>{SIGWINCH},
                                              [&send_size](int) { send_size(); });
  } else if (o.sig_proxy && o.on_signal) {
    watcher = std::make_unique<SignalWatcher>(ProxiedSignals(), o.on_signal);
  }

  int wake[2] = {-1, -1};
  std::thread input;
  if (o.stdin && ::pipe2(wake, O_CLOEXEC) == 0) {
    input = std::thread(PumpStdin, ctx->in_fd, wake[0], session);
  }

  berth::v1::AttachOutput out;
  while (session->Read(&out)) {
    if (!out.data().empty()) {
      std::ostream& stream =
          out.stream() == berth::v1::STD_STREAM_STDERR ? ctx->err() : ctx->out();
      stream.write(out.data().data(), static_cast<std::streamsize>(out.data().size()));
      stream.flush();
    }
    if (out.detached()) {
      result.detached = true;
      break;
    }
  }
  if (result.detached) session->Cancel();

  if (input.joinable()) {
    char b = 0;
    ssize_t n = ::write(wake[1], &b, 1);
    (void)n;
    input.join();
  }
  if (wake[0] >= 0) {
    ::close(wake[0]);
    ::close(wake[1]);
  }
  watcher.reset();
  raw.reset();
  result.status = session->Finish();
  if (result.detached && result.status.code() == absl::StatusCode::kCancelled) {
    result.status = absl::OkStatus();
  }
  return result;
}

}  // namespace cli
