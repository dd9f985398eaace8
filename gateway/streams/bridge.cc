#include "gateway/streams/bridge.h"

#include <atomic>
#include <thread>

#include "gateway/streams/stdcopy.h"

namespace gateway {
namespace {

// Copies the client's bytes to the session until EOF, an error, or the
// bridge shutting the connection down (`closing`).
void PumpInput(RawConnection* conn, SessionPort* session, const BridgeOptions& options,
               const std::atomic<bool>* closing, std::atomic<bool>* client_gone) {
  char buffer[32 * 1024];
  bool forward = options.stdin;
  for (;;) {
    absl::StatusOr<size_t> n = conn->Read(buffer, sizeof(buffer));
    if (closing->load()) return;
    if (!n.ok()) {
      client_gone->store(true);
      session->Cancel();
      return;
    }
    if (*n == 0) {
      if (!forward) return;  // the CLI half-closes at once without stdin
      if (options.on_input_eof == InputEof::kCloseStdin) {
        session->CloseStdin().IgnoreError();
      } else {
        session->Cancel();
      }
      return;
    }
    if (forward && !session->WriteStdin(absl::string_view(buffer, *n)).ok()) {
      forward = false;  // the session ended; Finish() will say why
    }
  }
}

}  // namespace

BridgeResult RunBridge(RawConnection* conn, SessionPort* session,
                       const BridgeOptions& options) {
  BridgeResult result;
  std::atomic<bool> closing{false};
  std::atomic<bool> client_gone{false};
  std::thread input(PumpInput, conn, session, std::cref(options), &closing, &client_gone);

  berth::v1::AttachOutput out;
  bool writable = true;
  while (session->Read(&out)) {
    if (!out.data().empty() && writable) {
      if (conn->Write(EncodeOutput(options.tty, out.stream(), out.data())).ok()) {
        result.wrote_output = true;
      } else {
        writable = false;
        client_gone.store(true);
        session->Cancel();
      }
    }
    if (out.detached()) {
      result.detached = true;
      session->Cancel();
    }
  }
  result.status = session->Finish();
  if (result.detached && result.status.code() == absl::StatusCode::kCancelled) {
    result.status = absl::OkStatus();
  }
  if (writable && !client_gone.load()) {
    if (options.epilogue) {
      std::string last = options.epilogue(result.status, result.wrote_output);
      if (!last.empty() && !conn->Write(last).ok()) client_gone.store(true);
    }
    conn->CloseWrite();
  }
  closing.store(true);
  conn->Close();
  input.join();
  result.client_gone = client_gone.load();
  return result;
}

}  // namespace gateway
