// -----------------------------------------------------------------------------
// File: handlers.h
// -----------------------------------------------------------------------------
//
// The stream routes' handlers (routes.cc registers them):
//
//   POST /containers/{id}/attach   HandleAttach   (attach.cc)
//   GET  /containers/{id}/logs     HandleLogs     (logs.cc)
//   POST /containers/{id}/exec     ExecHandlers::Create  (exec.cc)
//   POST /exec/{id}/start          ExecHandlers::Start
//   POST /exec/{id}/resize         ExecHandlers::Resize
//   GET  /exec/{id}/json           ExecHandlers::Inspect
//
// Each validates before it answers (Docker's 4xx errors are plain HTTP
// errors), then streams. Thread-safe: connections call them concurrently.

#ifndef GATEWAY_STREAMS_HANDLERS_H_
#define GATEWAY_STREAMS_HANDLERS_H_

#include <deque>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "gateway/http/request.h"
#include "gateway/http/response_writer.h"
#include "gateway/streams/exec_json.h"
#include "sdk/client.h"

namespace gateway {

absl::Status HandleAttach(const sdk::Client& client, const Request& request,
                          ResponseWriter* writer);

absl::Status HandleLogs(const sdk::Client& client, const Request& request,
                        ResponseWriter* writer);

// The exec routes, with what each exec was created with that the engine does
// not keep (ExecExtras), remembered for the most recent execs.
class ExecHandlers {
 public:
  explicit ExecHandlers(const sdk::Client* client) : client_(*client) {}

  absl::Status Create(const Request& request, ResponseWriter* writer);
  absl::Status Start(const Request& request, ResponseWriter* writer);
  absl::Status Resize(const Request& request, ResponseWriter* writer);
  absl::Status Inspect(const Request& request, ResponseWriter* writer);

 private:
  static constexpr size_t kMaxRemembered = 4096;

  void Remember(const std::string& id, const ExecExtras& extras);
  ExecExtras Extras(const std::string& id);
  void MarkStartFailed(const std::string& id);
  // After the stream ended: waits (bounded) until the engine has recorded
  // the exit code, which the CLI reads right after the stream closes.
  void AwaitExitCode(const std::string& id);

  const sdk::Client& client_;
  absl::Mutex mu_;
  std::map<std::string, ExecExtras> extras_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway

#endif  // GATEWAY_STREAMS_HANDLERS_H_
