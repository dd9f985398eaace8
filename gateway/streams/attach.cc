// POST /containers/{id}/attach: hijacks the connection and bridges it to an
// engine attach session. The engine attaches to created and running
// containers; for an exited one (`docker start -a` attaches before it
// starts the container) the output of the next run is streamed from the
// container's log instead.

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/streams/bridge.h"
#include "gateway/streams/handlers.h"
#include "gateway/streams/log_pump.h"
#include "gateway/streams/logs_query.h"
#include "gateway/streams/stdcopy.h"

namespace gateway {
namespace {

constexpr absl::Duration kAttachReadyTimeout = absl::Seconds(2);
constexpr absl::Duration kNextRunTimeout = absl::Minutes(5);

bool SameTime(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

// After the hijack, for a container that is not running: waits for its next
// start, then sends that run's output from the log until it stops.
void StreamNextRun(const sdk::Client& client, const berth::v1::ContainerInfo& before,
                   bool stdout, bool stderr, RawConnection* conn) {
  const bool tty = before.config().tty();
  google::protobuf::Timestamp started;
  const absl::Time deadline = absl::Now() + kNextRunTimeout;
  for (;;) {
    absl::StatusOr<berth::v1::ContainerInfo> now = client.InspectContainer(before.id());
    if (!now.ok()) return;
    const berth::v1::ContainerState& s = now->state();
    if (s.running() || s.restarting() ||
        !SameTime(s.started_at(), before.state().started_at())) {
      started = s.started_at();
      break;
    }
    if (absl::Now() > deadline) return;
    absl::SleepFor(absl::Milliseconds(20));
  }
  berth::v1::LogsRequest logs;
  logs.set_id(before.id());
  logs.set_follow(true);
  logs.set_stdout(stdout);
  logs.set_stderr(stderr);
  logs.set_tail("all");
  *logs.mutable_since() = started;
  LogPumpCallbacks callbacks;
  callbacks.on_entry = [&](const berth::v1::LogEntry& entry) {
    return conn->Write(EncodeOutput(tty, entry.stream(), entry.data())).ok();
  };
  PumpLogs(client, logs, callbacks).IgnoreError();
}

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

  if (state.status() != "created" && state.status() != "running") {
    absl::StatusOr<std::unique_ptr<RawConnection>> conn = writer->Hijack(content_type);
    if (!conn.ok()) return conn.status();
    if (request.QueryBool("stream")) StreamNextRun(client, *info, stdout, stderr, conn->get());
    (*conn)->CloseWrite();
    (*conn)->Close();
    return absl::OkStatus();
  }

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
