// -----------------------------------------------------------------------------
// File: context.h
// -----------------------------------------------------------------------------
//
// What a command runs with: the parsed invocation, the standard streams
// (replaceable in tests), whether they are terminals, and a lazily opened
// daemon connection. Not thread-safe; one per process.

#ifndef CLI_CONTEXT_H_
#define CLI_CONTEXT_H_

#include <iostream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "cli/command_line.h"
#include "sdk/client.h"

namespace cli {

class Context {
 public:
  Context(const Invocation* inv, std::ostream* out, std::ostream* err,
          std::istream* in)
      : inv_(inv), out_(out), err_(err), in_(in) {}

  const Invocation& inv() const { return *inv_; }
  std::ostream& out() { return *out_; }
  std::ostream& err() { return *err_; }
  std::istream& in() { return *in_; }

  // Terminal state of stdout / stdin, and stdout's width in columns (200 if
  // unknown, as Docker assumes).
  bool out_is_tty = false;
  bool in_is_tty = false;
  bool err_is_tty = false;
  int out_width = 200;
  // The descriptor attached sessions read stdin from.
  int in_fd = 0;

  // The process exit code a command asks for (the container's status for
  // `run`, 125 after a reported engine error, ...). -1: main() decides
  // (0 on success, 1 on error).
  int exit_code = -1;

  // Prints `warning` and Docker's "Are you sure you want to continue? [y/N]"
  // prompt, then reads one line: true only for "y" or "Y".
  bool Confirm(absl::string_view warning) {
    out() << warning << "Are you sure you want to continue? [y/N] ";
    out().flush();
    std::string answer;
    std::getline(in(), answer);
    answer = std::string(absl::StripAsciiWhitespace(answer));
    return answer == "y" || answer == "Y";
  }

  // Connects on first use; later calls return the same client.
  absl::StatusOr<sdk::Client*> client() {
    if (client_ == nullptr) {
      auto c = sdk::Client::Connect(inv_->global.host);
      if (!c.ok()) return c.status();
      client_ = std::move(c).value();
    }
    return client_.get();
  }

 private:
  const Invocation* inv_;
  std::ostream* out_;
  std::ostream* err_;
  std::istream* in_;
  std::unique_ptr<sdk::Client> client_;
};

}  // namespace cli

#endif  // CLI_CONTEXT_H_
