// -----------------------------------------------------------------------------
// File: log_pump.h
// -----------------------------------------------------------------------------
//
// Runs an engine log stream (sdk::Client::Logs) on a worker thread and hands
// its entries to the caller's thread, so that a handler can write them with
// its (single-threaded) ResponseWriter and, between entries, notice that the
// client has gone and stop the stream.

#ifndef GATEWAY_STREAMS_LOG_PUMP_H_
#define GATEWAY_STREAMS_LOG_PUMP_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "sdk/client.h"

namespace gateway {

struct LogPumpCallbacks {
  // Each entry, in order, on the calling thread; false stops the stream.
  std::function<bool(const berth::v1::LogEntry&)> on_entry;
  // Called on the calling thread every `idle_interval` without an entry;
  // false stops the stream (the client went away). May be empty.
  std::function<bool()> on_idle;
  absl::Duration idle_interval = absl::Milliseconds(250);
};

// PumpLogs()
//
// Streams `request` until the engine ends the log (or, with follow, the
// container stops) or a callback says stop; then cancels the call and joins
// the worker. Returns the Logs call's status (OK when stopped early).
absl::Status PumpLogs(const sdk::Client& client, const berth::v1::LogsRequest& request,
                      const LogPumpCallbacks& callbacks);

}  // namespace gateway

#endif  // GATEWAY_STREAMS_LOG_PUMP_H_
