// The exec routes: create, start (hijacked unless detached), resize, inspect.

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/http/json_body.h"
#include "gateway/streams/bridge.h"
#include "gateway/streams/handlers.h"
#include "gateway/streams/logs_query.h"
#include "gateway/streams/stdcopy.h"

namespace gateway {
namespace {

constexpr absl::Duration kExitCodeTimeout = absl::Seconds(5);

absl::StatusOr<uint32_t> Dimension(const Request& request, const char* name) {
  absl::StatusOr<int64_t> v = request.QueryInt(name, -1);
  if (!v.ok()) return v.status();
  if (*v < 0 || *v > 0xffff) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value for ", name, ": \"", request.Query(name), "\""));
  }
  return static_cast<uint32_t>(*v);
}

}  // namespace

void ExecHandlers::Remember(const std::string& id, const ExecExtras& extras) {
  absl::MutexLock lock(&mu_);
  if (extras_.emplace(id, extras).second) order_.push_back(id);
  while (order_.size() > kMaxRemembered) {
    extras_.erase(order_.front());
    order_.pop_front();
  }
}

ExecExtras ExecHandlers::Extras(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = extras_.find(id);
  return it == extras_.end() ? ExecExtras{} : it->second;
}

void ExecHandlers::MarkStartFailed(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = extras_.find(id);
  if (it != extras_.end()) it->second.start_failed = true;
}

void ExecHandlers::AwaitExitCode(const std::string& id) {
  const absl::Time deadline = absl::Now() + kExitCodeTimeout;
  while (absl::Now() < deadline) {
    absl::StatusOr<berth::v1::ExecInfo> info = client_.ExecInspect(id);
    if (!info.ok() || (!info->running() && info->has_exit_code())) return;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

absl::Status ExecHandlers::Create(const Request& request, ResponseWriter* writer) {
  absl::StatusOr<rapidjson::Document> body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  absl::StatusOr<ExecCreateConfig> config = ParseExecConfig(*body, request.Param("id"));
  if (!config.ok()) return config.status();
  absl::StatusOr<berth::v1::ExecCreateResponse> created = client_.ExecCreate(config->request);
  if (!created.ok()) return DockerExecCreateError(created.status());
  Remember(created->id(), config->extras);
  return writer->Send(201, "application/json",
                      absl::StrCat("{\"Id\":", JsonString(created->id()), "}"));
}

absl::Status ExecHandlers::Start(const Request& request, ResponseWriter* writer) {
  const std::string id = request.Param("id");
  absl::StatusOr<rapidjson::Document> body = ParseJsonBody(request, /*required=*/false);
  if (!body.ok()) return body.status();
  absl::StatusOr<ExecStartConfig> start = ParseExecStartConfig(*body);
  if (!start.ok()) return start.status();
  absl::StatusOr<berth::v1::ExecInfo> info = client_.ExecInspect(id);
  if (!info.ok()) return info.status();
  if (info->running()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Error: Exec command ", info->id(), " is already running"));
  }
  if (info->has_exit_code()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Error: Exec command ", info->id(), " has already run"));
  }
  absl::StatusOr<berth::v1::ContainerInfo> container =
      client_.InspectContainer(info->container_id());
  if (!container.ok()) return container.status();
  if (!container->state().running()) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container->id(), " is not running"));
  }
  const ExecExtras extras = Extras(info->id());

  berth::v1::ExecStartOpen open;
  open.set_exec_id(info->id());
  open.set_detach(start->detach);
  open.set_tty(start->tty);
  absl::StatusOr<std::unique_ptr<sdk::StdioSession>> session = client_.ExecStart(open);
  if (!session.ok()) return session.status();
  if (start->detach) {
    berth::v1::AttachOutput out;
    while ((*session)->Read(&out)) {
    }
    absl::Status s = (*session)->Finish();
    if (!s.ok()) return s;
    return writer->Send(204, "", "");
  }
  ConsoleSize console = start->console.empty() ? extras.console : start->console;
  if (start->tty && !console.empty()) {
    (*session)->Resize(console.height, console.width).IgnoreError();
  }
  absl::StatusOr<std::unique_ptr<RawConnection>> conn =
      writer->Hijack(StreamContentType(start->tty, request.version));
  if (!conn.ok()) return conn.status();

  SdkSessionPort port(session->get());
  BridgeOptions options;
  options.tty = start->tty;
  options.stdin = info->open_stdin();
  options.on_input_eof = start->tty ? InputEof::kEndSession : InputEof::kCloseStdin;
  const std::string exec_id = info->id();
  const bool tty = start->tty;
  options.epilogue = [this, exec_id, tty](const absl::Status& status, bool) -> std::string {
    if (!status.ok() && !absl::IsCancelled(status)) {
      // The process could not start: dockerd sends the error as output and
      // reports exit code 126.
      MarkStartFailed(exec_id);
      return EncodeOutput(tty, berth::v1::STD_STREAM_STDOUT,
                          absl::StrCat(status.message(), "\r\n"));
    }
    AwaitExitCode(exec_id);
    return "";
  };
  RunBridge(conn->get(), &port, options);
  return absl::OkStatus();
}

absl::Status ExecHandlers::Resize(const Request& request, ResponseWriter* writer) {
  absl::StatusOr<uint32_t> height = Dimension(request, "h");
  if (!height.ok()) return height.status();
  absl::StatusOr<uint32_t> width = Dimension(request, "w");
  if (!width.ok()) return width.status();
  absl::Status s = client_.ExecResize(request.Param("id"), *height, *width);
  if (!s.ok()) return s;
  return writer->Send(200, "", "");
}

absl::Status ExecHandlers::Inspect(const Request& request, ResponseWriter* writer) {
  absl::StatusOr<berth::v1::ExecInfo> info = client_.ExecInspect(request.Param("id"));
  if (!info.ok()) return info.status();
  return writer->Send(200, "application/json", ExecInspectJson(*info, Extras(info->id())));
}

}  // namespace gateway
