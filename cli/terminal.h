// -----------------------------------------------------------------------------
// File: terminal.h
// -----------------------------------------------------------------------------
//
// Terminal helpers for attached sessions: raw mode with restore, the window
// size, and a signal watcher that turns signals (SIGWINCH, or the signals
// --sig-proxy forwards) into callbacks on a thread of its own.

#ifndef CLI_TERMINAL_H_
#define CLI_TERMINAL_H_

#include <signal.h>
#include <termios.h>

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace cli {

// Puts a terminal in raw mode and restores its previous mode when
// destroyed. Not thread-safe.
class RawTerminal {
 public:
  // FailedPrecondition if `fd` is not a terminal.
  static absl::StatusOr<std::unique_ptr<RawTerminal>> Enable(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  RawTerminal(int fd, const termios& saved) : fd_(fd), saved_(saved) {}
  int fd_;
  termios saved_;
};

// GetWindowSize()
//
// The terminal's rows and columns; false if `fd` is not a terminal.
bool GetWindowSize(int fd, uint32_t* rows, uint32_t* columns);

// Calls `on_signal(signo)` on its own thread for each of `signals` received
// while it lives; the previous dispositions come back when it is destroyed.
// One watcher at a time per process.
class SignalWatcher {
 public:
  SignalWatcher(std::vector<int> signals, std::function<void(int)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::vector<int> signals_;
  std::vector<struct sigaction> saved_;
  std::function<void(int)> on_signal_;
  int pipe_[2] = {-1, -1};
  std::thread thread_;
};

// The signals `--sig-proxy` forwards to the container.
std::vector<int> ProxiedSignals();

// SignalName()
//
// "SIGTERM" for SIGTERM; the number as text for others.
std::string SignalName(int signo);

}  // namespace cli

#endif  // CLI_TERMINAL_H_
