// POST /containers/{id}/attach: hijacks the connection and bridges it to an
// engine attach session. For a created or exited container the engine
// attaches to its next run (`docker start -a` attaches, then starts).

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/streams/bridge.h"
#include "gateway/streams/handlers.h"
#include "gateway/streams/logs_query.h"
#include "gateway/streams/stdcopy.h"

namespace gateway {
namespace {

constexpr absl::Duration kAttachReadyTimeout = absl::Seconds(2);

}  // namespace

absl::Status HandleAttach(const sdk::Client& client, const Request& request,
                          ResponseWriter* writer) {
  absl::StatusOr<berth::v1::ContainerInfo> info =
      client.InspectContainer(request.Param("id"));
  if (!info.ok()) return info.status();
  const berth::v1::ContainerState& state = info->state();
  if (state.paused()) {
    return absl::FailedPreconditionError(
        "You cannot attach to a paused container, unpause it first");
  }
  if (state.restarting()) {
    return absl::FailedPreconditionError(
        "You cannot attach to a restarting container, wait until it is running");
  }
  const berth::v1::ContainerConfig& config = info->config();
  const bool tty = config.tty();
  const bool stdin = request.QueryBool("stdin") && config.open_stdin();
  const bool stdout = request.QueryBool("stdout");
  const bool stderr = request.QueryBool("stderr");
  const absl::string_view content_type = StreamContentType(tty, request.version);

  berth::v1::AttachOpen open;
  open.set_id(info->id());
  open.set_stdin(stdin);
  open.set_stdout(stdout);
  open.set_stderr(stderr);
  open.set_logs(request.QueryBool("logs"));
  open.set_detach_keys(request.Query("detachKeys"));
  absl::StatusOr<std::unique_ptr<sdk::StdioSession>> session = client.Attach(open);
  if (!session.ok()) return session.status();
  // `docker run` starts the container once the attach is answered: the
  // engine must be attached by then or the first output is lost.
  (*session)->WaitReady(kAttachReadyTimeout);
  absl::StatusOr<std::unique_ptr<RawConnection>> conn = writer->Hijack(content_type);
  if (!conn.ok()) return conn.status();

  SdkSessionPort port(session->get());
  BridgeOptions options;
  options.tty = tty;
  options.stdin = stdin;
  options.on_input_eof =
      config.stdin_once() && !tty ? InputEof::kCloseStdin : InputEof::kEndSession;
  options.epilogue = [tty](const absl::Status& status, bool wrote_output) -> std::string {
    if (status.ok() || absl::IsCancelled(status) || wrote_output) return "";
    return EncodeOutput(tty, berth::v1::STD_STREAM_STDERR,
                        absl::StrCat("Error attaching: ", status.message(), "\n"));
  };
  RunBridge(conn->get(), &port, options);
  return absl::OkStatus();
}

}  // namespace gateway
