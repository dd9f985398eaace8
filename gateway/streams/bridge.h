// -----------------------------------------------------------------------------
// File: bridge.h
// -----------------------------------------------------------------------------
//
// Pumps a hijacked Docker API connection (attach, exec start) against an
// engine stdio session until both are done:
//
//   * client bytes go to the process's stdin on a thread of its own; at the
//     client's EOF (its half-close, which the docker CLI sends at once when
//     no stdin is attached) the bridge closes the process's stdin or ends
//     the session, as `on_input_eof` says; a read error (the client is gone)
//     cancels the session;
//   * process output goes to the client on the calling thread, stdcopy-framed
//     unless `tty`; a write error (the client is gone) cancels the session;
//   * when the output ends (the process exited, the user detached, or the
//     session was cancelled) the bridge sends the epilogue, half-closes the
//     client's connection so that the CLI's attach ends, shuts the socket
//     down and joins its thread. Nothing outlives RunBridge().

#ifndef GATEWAY_STREAMS_BRIDGE_H_
#define GATEWAY_STREAMS_BRIDGE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/http/response_writer.h"
#include "proto/berth/v1/containers.pb.h"
#include "sdk/stdio_session.h"

namespace gateway {

// The engine side of a stdio session as the bridge drives it; thread-safety
// as sdk::StdioSession's (one reader; writers and Cancel from any thread).
class SessionPort {
 public:
  virtual ~SessionPort() = default;
  virtual bool Read(berth::v1::AttachOutput* out) = 0;
  virtual absl::Status WriteStdin(absl::string_view data) = 0;
  virtual absl::Status CloseStdin() = 0;
  virtual void Cancel() = 0;
  virtual absl::Status Finish() = 0;
};

// A SessionPort over an sdk::StdioSession (not owned).
class SdkSessionPort : public SessionPort {
 public:
  explicit SdkSessionPort(sdk::StdioSession* session) : session_(session) {}
  bool Read(berth::v1::AttachOutput* out) override { return session_->Read(out); }
  absl::Status WriteStdin(absl::string_view data) override {
    return session_->WriteStdin(data);
  }
  absl::Status CloseStdin() override { return session_->CloseStdin(); }
  void Cancel() override { session_->Cancel(); }
  absl::Status Finish() override { return session_->Finish(); }

 private:
  sdk::StdioSession* session_;
};

// What the client's EOF on its stdin means (dockerd: with StdinOnce and no
// TTY, and always for exec without a TTY, the process's stdin is closed and
// the output keeps streaming; otherwise the attachment ends).
enum class InputEof {
  kCloseStdin,
  kEndSession,
};

struct BridgeOptions {
  bool tty = false;    // raw output instead of stdcopy frames
  bool stdin = false;  // forward the client's bytes to the process
  InputEof on_input_eof = InputEof::kCloseStdin;
  // Called once the output has ended, with the session's final status and
  // whether any output was sent, before the connection is half-closed; the
  // bytes it returns are sent last (already framed). May be empty.
  std::function<std::string(const absl::Status& status, bool wrote_output)> epilogue;
};

struct BridgeResult {
  bool detached = false;     // the user typed the detach keys
  bool client_gone = false;  // a write or read on the connection failed
  bool wrote_output = false;
  absl::Status status;       // the session's Finish()
};

// Runs until the session's output ends; see the file comment.
BridgeResult RunBridge(RawConnection* conn, SessionPort* session,
                       const BridgeOptions& options);

}  // namespace gateway

#endif  // GATEWAY_STREAMS_BRIDGE_H_
