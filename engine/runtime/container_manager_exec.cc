// ContainerManager: attach and exec, and AttachSession.

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_join.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/runtime/container_manager.h"
#include "engine/runtime/container_manager_internal.h"

namespace engine::runtime {

using containers::ContainerRecord;

// ---- AttachSession -----------------------------------------------------------

AttachSession::AttachSession(std::unique_ptr<AttachStream> stream, std::string detach_keys,
                             bool tty, std::function<void()> on_end)
    : stream_(std::move(stream)), filter_(std::move(detach_keys)), tty_(tty),
      on_end_(std::move(on_end)) {}

AttachSession::~AttachSession() { Close(); }

absl::Status AttachSession::Read(berth::v1::StdStream* stream, std::string* data) {
  if (detached_) return absl::OutOfRangeError("detached");
  StreamKind kind;
  absl::Status s = stream_->Read(&kind, data);
  if (detached_) return absl::OutOfRangeError("detached");
  if (absl::IsUnavailable(s)) return absl::OutOfRangeError("output ended");
  RETURN_IF_ERROR(s);
  switch (kind) {
    case StreamKind::kStdout:
      *stream = berth::v1::STD_STREAM_STDOUT;
      return absl::OkStatus();
    case StreamKind::kStderr:
      *stream = tty_ ? berth::v1::STD_STREAM_STDOUT : berth::v1::STD_STREAM_STDERR;
      return absl::OkStatus();
    case StreamKind::kEnd:
      return absl::OutOfRangeError("output ended");
    default:
      return absl::DataLossError(absl::StrCat("unexpected frame kind ", static_cast<int>(kind)));
  }
}

absl::Status AttachSession::WriteStdin(absl::string_view data, bool* detached) {
  absl::MutexLock lock(&write_mu_);
  std::string out = filter_.Filter(data, detached);
  if (!out.empty()) RETURN_IF_ERROR(stream_->WriteStdin(out));
  if (*detached) {
    detached_ = true;
    Close();
  }
  return absl::OkStatus();
}

absl::Status AttachSession::CloseStdin() {
  absl::MutexLock lock(&write_mu_);
  return stream_->CloseStdin();
}

absl::Status AttachSession::Resize(uint32_t height, uint32_t width) {
  absl::MutexLock lock(&write_mu_);
  return stream_->Resize(height, width);
}

void AttachSession::Close() {
  if (on_end_) {
    std::function<void()> f = std::move(on_end_);
    on_end_ = nullptr;
    f();
  }
  stream_->Close();
}

// ---- Attach ------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<AttachSession>> ContainerManager::Attach(
    const berth::v1::AttachOpen& open,
    const std::function<bool(const berth::v1::LogEntry&)>& replay) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(open.id()));
  ASSIGN_OR_RETURN(std::string keys, ParseDetachKeys(open.detach_keys()));
  const std::string id = record.id();
  {
    std::shared_ptr<Live> live = GetLive(id);
    absl::MutexLock op(&live->op_mu);
    ASSIGN_OR_RETURN(record, options_.store->Get(id));
    const std::string& status = record.state().status();
    if (status == "paused") {
      return absl::FailedPreconditionError(
          "You cannot attach to a paused container, unpause it first");
    }
    if (status == "dead" || status == "removing") {
      return absl::FailedPreconditionError(
          "You cannot attach to a stopped container, start it first");
    }
    // A created or exited container gets its next run's shim now, so that
    // an attach made before the start (`start -a`, `docker run`) sees the
    // first byte of output. (Clients refuse a plain `attach` to a stopped
    // container themselves, as the docker CLI does.)
    if (status == "created" || status == "exited") {
      absl::MutexLock lock(&launch_mu_);
      absl::Status s = EnsureShim(record);
      if (!s.ok()) {
        if (absl::IsNotFound(s) || absl::IsPermissionDenied(s)) {
          return absl::InvalidArgumentError(s.message());
        }
        return s;
      }
    }
  }
  if (open.logs() && replay) {
    berth::v1::LogsRequest logs;
    logs.set_id(id);
    logs.set_stdout(open.stdout());
    logs.set_stderr(open.stderr());
    RETURN_IF_ERROR(Logs(logs, replay, nullptr));
  }
  berth::shim::v1::AttachRequest request;
  request.set_stdin(open.stdin() && record.config().open_stdin());
  request.set_stdout(open.stdout());
  request.set_stderr(open.stderr());
  ASSIGN_OR_RETURN(std::unique_ptr<AttachStream> stream, Shim(id).Attach(request));
  std::function<void()> on_end;
  // As dockerd: the end of an attach (stdin EOF or a detach) closes the
  // container's stdin only for StdinOnce without a TTY; a TTY session
  // (`run -it`, then ctrl-p ctrl-q) keeps its shell's stdin open.
  if (record.config().stdin_once() && !record.config().tty() && request.stdin()) {
    AttachStream* raw = stream.get();
    on_end = [raw] { (void)raw->CloseStdin(); };
  }
  if (options_.bus != nullptr) Publish("attach", record);
  return std::make_unique<AttachSession>(std::move(stream), std::move(keys),
                                         record.config().tty(), std::move(on_end));
}

// ---- Exec --------------------------------------------------------------------

absl::StatusOr<std::string> ContainerManager::ExecCreate(
    const berth::v1::ExecCreateRequest& request) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(request.container_id()));
  const std::string& status = record.state().status();
  if (status == "paused") {
    return absl::FailedPreconditionError(absl::StrCat(
        "Container ", record.id(), " is paused, unpause the container before exec"));
  }
  if (status != "running") {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", record.id(), " is not running"));
  }
  if (request.cmd_size() == 0) return absl::InvalidArgumentError("No exec command specified");
  if (!request.detach_keys().empty()) RETURN_IF_ERROR(ParseDetachKeys(request.detach_keys()).status());
  ASSIGN_OR_RETURN(registry::ImageConfig image, ImageConfigFor(record.image_id()));
  if (!options_.specs.build_exec_process) return absl::InternalError("no exec process builder");
  ASSIGN_OR_RETURN(std::string process,
                   options_.specs.build_exec_process(record, image, request,
                                                     RootfsDir(Bundle(record.id()))));
  auto exec = std::make_shared<Exec>();
  ASSIGN_OR_RETURN(exec->id, containers::ContainerStore::NewId());
  exec->container_id = record.id();
  exec->request = request;
  exec->process_json = std::move(process);
  {
    absl::MutexLock lock(&mu_);
    execs_[exec->id] = exec;
  }
  Publish(absl::StrCat("exec_create: ", absl::StrJoin(request.cmd(), " ")), record,
          {{"execID", exec->id}});
  return exec->id;
}

absl::StatusOr<std::unique_ptr<AttachSession>> ContainerManager::ExecStart(
    const berth::v1::ExecStartOpen& open) {
  std::shared_ptr<Exec> exec;
  {
    absl::MutexLock lock(&mu_);
    auto it = execs_.find(open.exec_id());
    if (it == execs_.end()) {
      return absl::NotFoundError(absl::StrCat("No such exec instance: ", open.exec_id()));
    }
    exec = it->second;
    if (exec->started) {
      return absl::FailedPreconditionError(
          absl::StrCat("Error: Exec command ", exec->id, " has already run"));
    }
    exec->started = true;
  }
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Get(exec->container_id));
  if (record.state().status() != "running") {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", record.id(), " is not running"));
  }
  const berth::v1::ExecCreateRequest& req = exec->request;
  ShimClient shim = Shim(record.id());
  RETURN_IF_ERROR(shim.Exec(exec->id, exec->process_json, req.attach_stdin() && !open.detach()));
  std::unique_ptr<AttachSession> session;
  if (!open.detach()) {
    berth::shim::v1::AttachRequest attach;
    attach.set_exec_id(exec->id);
    attach.set_stdin(req.attach_stdin());
    attach.set_stdout(req.attach_stdout() || (!req.attach_stdin() && !req.attach_stderr()));
    attach.set_stderr(req.attach_stderr() || (!req.attach_stdin() && !req.attach_stdout()));
    ASSIGN_OR_RETURN(std::unique_ptr<AttachStream> stream, shim.Attach(attach));
    ASSIGN_OR_RETURN(std::string keys, ParseDetachKeys(req.detach_keys()));
    session = std::make_unique<AttachSession>(std::move(stream), std::move(keys), req.tty(),
                                              nullptr);
  }
  absl::StatusOr<int64_t> pid = shim.Start(exec->id);
  if (!pid.ok()) {
    absl::MutexLock lock(&mu_);
    exec->has_exit = true;
    exec->exit_code = absl::IsNotFound(pid.status()) ? 127 : 126;
    if (absl::IsNotFound(pid.status()) || absl::IsPermissionDenied(pid.status())) {
      return absl::InvalidArgumentError(pid.status().message());
    }
    return pid.status();
  }
  absl::StatusOr<std::unique_ptr<PendingWait>> wait = shim.StartWait(exec->id);
  {
    absl::MutexLock lock(&mu_);
    exec->running = true;
    exec->pid = *pid;
    if (wait.ok()) {
      exec->wait = wait->get();
      ++watchers_;
    }
  }
  Publish(absl::StrCat("exec_start: ", absl::StrJoin(req.cmd(), " ")), record,
          {{"execID", exec->id}});
  if (wait.ok()) {
    std::thread(&ContainerManager::WatchExec, this, exec->id, *std::move(wait)).detach();
  }
  return session;
}

void ContainerManager::WatchExec(const std::string& exec_id, std::unique_ptr<PendingWait> wait) {
  absl::StatusOr<berth::shim::v1::WaitResponse> result = wait->Result();
  std::shared_ptr<Exec> exec;
  {
    absl::MutexLock lock(&mu_);
    auto it = execs_.find(exec_id);
    if (it != execs_.end()) {
      exec = it->second;
      exec->wait = nullptr;
      exec->running = false;
      exec->has_exit = true;
      exec->exit_code = result.ok() ? result->exit_code() : 255;
      cv_.SignalAll();
    }
  }
  if (exec != nullptr && !absl::IsCancelled(result.status())) {
    absl::StatusOr<ContainerRecord> record = options_.store->Get(exec->container_id);
    if (record.ok()) {
      Publish("exec_die", *record,
              {{"execID", exec_id}, {"exitCode", absl::StrCat(exec->exit_code)}});
    }
  }
  absl::MutexLock lock(&mu_);
  --watchers_;
}

absl::Status ContainerManager::ExecResize(absl::string_view exec_id, uint32_t height,
                                          uint32_t width) {
  std::string container_id;
  {
    absl::MutexLock lock(&mu_);
    auto it = execs_.find(std::string(exec_id));
    if (it == execs_.end()) {
      return absl::NotFoundError(absl::StrCat("No such exec instance: ", exec_id));
    }
    container_id = it->second->container_id;
  }
  return Shim(container_id).Resize(exec_id, height, width);
}

absl::StatusOr<berth::v1::ExecInfo> ContainerManager::ExecInspect(absl::string_view exec_id) {
  absl::MutexLock lock(&mu_);
  auto it = execs_.find(std::string(exec_id));
  if (it == execs_.end()) {
    return absl::NotFoundError(absl::StrCat("No such exec instance: ", exec_id));
  }
  const Exec& e = *it->second;
  berth::v1::ExecInfo info;
  info.set_id(e.id);
  info.set_container_id(e.container_id);
  info.set_running(e.running);
  info.set_has_exit_code(e.has_exit);
  info.set_exit_code(e.exit_code);
  info.set_pid(e.running ? e.pid : 0);
  for (const std::string& a : e.request.cmd()) info.add_cmd(a);
  info.set_tty(e.request.tty());
  info.set_open_stdin(e.request.attach_stdin());
  info.set_user(e.request.user());
  info.set_working_dir(e.request.working_dir());
  return info;
}

}  // namespace engine::runtime
