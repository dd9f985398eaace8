// -----------------------------------------------------------------------------
// File: stdio_session.h
// -----------------------------------------------------------------------------
//
// A bidirectional stdio session with a container (Containers.Attach) or an
// exec (Containers.ExecStart), opened by sdk::Client::Attach / ExecStart.
//
//   ASSIGN_OR_RETURN(auto session, client->Attach(open));
//   std::thread input([&] { ... session->WriteStdin(bytes) ...
//                             session->CloseStdin(); });
//   berth::v1::AttachOutput out;
//   while (session->Read(&out)) Print(out);
//   absl::Status status = session->Finish();
//
// Thread-safety: one thread reads (Read, then Finish); any number of other
// threads may write (WriteStdin, Resize, CloseStdin), which are serialized
// internally; Cancel() may be called from any thread at any time.
//
// Errors: the daemon's refusal of the session (no such container, not
// running, ...) is reported by Finish(), with the marks of sdk/status.h.
// Writes return FailedPrecondition once the stream is closed (the session
// ended, was cancelled, or Finish() ran); callers normally ignore that and
// let Finish() give the reason.

#ifndef SDK_STDIO_SESSION_H_
#define SDK_STDIO_SESSION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "proto/berth/v1/containers.pb.h"

namespace grpc {
class ClientContext;
template <class W, class R>
class ClientReaderWriter;
}  // namespace grpc

namespace sdk {

class StdioSession {
 public:
  using Stream =
      grpc::ClientReaderWriter<berth::v1::AttachInput, berth::v1::AttachOutput>;

  // Takes ownership of the call. `host` words connection errors.
  StdioSession(std::unique_ptr<grpc::ClientContext> context,
               std::unique_ptr<Stream> stream, std::string host);
  // Cancels the call if Finish() has not run, then finishes it.
  ~StdioSession();
  StdioSession(const StdioSession&) = delete;
  StdioSession& operator=(const StdioSession&) = delete;

  // Sends stdin bytes to the process.
  absl::Status WriteStdin(absl::string_view data);
  // Sets the TTY size (rows, columns).
  absl::Status Resize(uint32_t height, uint32_t width);
  // Closes the process's stdin (EOF); the output keeps streaming. Also ends
  // the client's half of the stream.
  absl::Status CloseStdin();

  // Read()
  //
  // Blocks for the next output message; false at the end of the stream
  // (output ended, detached, cancelled or failed; see Finish()). A message
  // with `detached` set is the last one.
  bool Read(berth::v1::AttachOutput* out);

  // Finish()
  //
  // After Read() returned false: the call's status. OK when the output ended
  // or the client detached; Cancelled after Cancel(). Idempotent.
  absl::Status Finish();

  // Ends the session from any thread: a blocked Read() returns false.
  void Cancel();

  // WaitReady()
  //
  // Before the first Read(): waits up to `timeout` for the daemon to have
  // set the session up, which it signals by sending the call's initial
  // metadata (or by ending the call). `run` waits so that the container
  // cannot start before its output is attached. False on timeout (the
  // session stays usable). Call at most once, from the reading thread.
  bool WaitReady(absl::Duration timeout);

  // Used by Client to send the opening message.
  absl::Status WriteMessage(const berth::v1::AttachInput& input);

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<Stream> stream_;
  std::string host_;
  // WaitReady's helper; joined before the first Read.
  std::thread ready_thread_;
  absl::Notification ready_;
  absl::Mutex write_mu_;
  bool writes_done_ ABSL_GUARDED_BY(write_mu_) = false;
  bool finished_ ABSL_GUARDED_BY(write_mu_) = false;
  absl::Status final_status_ ABSL_GUARDED_BY(write_mu_);
};

}  // namespace sdk

#endif  // SDK_STDIO_SESSION_H_
