// GET /containers/{id}/logs: chunked, stdcopy-framed unless the container
// has a TTY; with follow it ends when the container stops or the client
// goes.

#include "gateway/streams/handlers.h"
#include "gateway/streams/log_pump.h"
#include "gateway/streams/logs_query.h"
#include "gateway/streams/stdcopy.h"

namespace gateway {

absl::Status HandleLogs(const sdk::Client& client, const Request& request,
                        ResponseWriter* writer) {
  absl::StatusOr<berth::v1::LogsRequest> logs = ParseLogsQuery(request, request.Param("id"));
  if (!logs.ok()) return logs.status();
  absl::StatusOr<berth::v1::ContainerInfo> info = client.InspectContainer(logs->id());
  if (!info.ok()) return info.status();
  logs->set_id(info->id());
  const bool tty = info->config().tty();
  const bool timestamps = logs->timestamps();

  // The head goes out with the first record, or once the engine has been
  // quiet for a moment (follow), so that an engine refusal can still be a
  // plain HTTP error.
  bool started = false;
  absl::Status head;
  auto start = [&]() {
    if (!started) {
      started = true;
      head = writer->StartStream(200, StreamContentType(tty, request.version));
    }
    return head.ok();
  };
  LogPumpCallbacks callbacks;
  callbacks.on_entry = [&](const berth::v1::LogEntry& entry) {
    if (!start()) return false;
    return writer->Write(EncodeOutput(tty, entry.stream(), FormatLogRecord(entry, timestamps)))
        .ok();
  };
  callbacks.on_idle = [&]() { return start() && !writer->ClientGone(); };
  absl::Status status = PumpLogs(client, *logs, callbacks);
  if (!started) {
    if (!status.ok()) return status;
    if (!start()) return head;
  }
  if (!head.ok()) return head;
  if (!status.ok()) return status;  // after the head: the connection closes
  return writer->Finish();
}

}  // namespace gateway
