#include "cli/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"

namespace cli {
namespace {

// The write end of the active watcher's pipe, for the signal handler.
std::atomic<int> g_signal_pipe{-1};

void OnSignal(int signo) {
  int fd = g_signal_pipe.load();
  if (fd < 0) return;
  int saved = errno;
  unsigned char b = static_cast<unsigned char>(signo);
  ssize_t n = ::write(fd, &b, 1);
  (void)n;
  errno = saved;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RawTerminal>> RawTerminal::Enable(int fd) {
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) {
    return absl::FailedPreconditionError("the input device is not a TTY");
  }
  termios raw = saved;
  ::cfmakeraw(&raw);
  // Keep output post-processing as Docker's raw mode does not: the daemon's
  // pty already sends \r\n.
  if (::tcsetattr(fd, TCSANOW, &raw) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot set the terminal to raw mode: ", strerror(errno)));
  }
  return std::unique_ptr<RawTerminal>(new RawTerminal(fd, saved));
}

RawTerminal::~RawTerminal() { ::tcsetattr(fd_, TCSANOW, &saved_); }

bool GetWindowSize(int fd, uint32_t* rows, uint32_t* columns) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) return false;
  *rows = ws.ws_row;
  *columns = ws.ws_col;
  return true;
}

SignalWatcher::SignalWatcher(std::vector<int> signals, std::function<void(int)> on_signal)
    : signals_(std::move(signals)), on_signal_(std::move(on_signal)) {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) return;
  g_signal_pipe.store(pipe_[1]);
  saved_.resize(signals_.size());
  for (size_t i = 0; i < signals_.size(); ++i) {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(signals_[i], &sa, &saved_[i]);
  }
  thread_ = std::thread([this] {
    unsigned char b;
    while (true) {
      ssize_t n = ::read(pipe_[0], &b, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || b == 0) break;  // 0: stop
      on_signal_(b);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  if (pipe_[0] < 0) return;
  for (size_t i = 0; i < signals_.size(); ++i) {
    ::sigaction(signals_[i], &saved_[i], nullptr);
  }
  g_signal_pipe.store(-1);
  unsigned char stop = 0;
  ssize_t n = ::write(pipe_[1], &stop, 1);
  (void)n;
  if (thread_.joinable()) thread_.join();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

std::vector<int> ProxiedSignals() {
  return {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM};
}

std::string SignalName(int signo) {
  switch (signo) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGALRM: return "SIGALRM";
    case SIGKILL: return "SIGKILL";
    case SIGWINCH: return "SIGWINCH";
    default: return absl::StrCat(signo);
  }
}

}  // namespace cli
