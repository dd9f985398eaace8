#include "shim/shim_state.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "shim/exit_file.h"

namespace shim {

namespace pb = berth::shim::v1;

Shim::Shim(EventLoop* loop, ShimOptions options, CreateInitFn create_init)
    : loop_(loop), options_(std::move(options)), create_init_(std::move(create_init)) {}

Shim::~Shim() = default;

absl::Status Shim::Setup() {
  if (!options_.no_log) {
    absl::StatusOr<std::unique_ptr<JsonLogger>> logger =
        JsonLogger::Open(options_.log_path, options_.log_max_size, options_.log_max_file);
    if (!logger.ok()) return logger.status();
    logger_ = std::move(*logger);
  }
  absl::StatusOr<std::unique_ptr<ProcessIo>> io =
      ProcessIo::Create(loop_, options_.open_stdin, logger_.get());
  if (!io.ok()) return io.status();
  init_.io = std::move(*io);
  oci::Stdio stdio;
  stdio.in = init_.io->child_stdin();
  stdio.out = init_.io->child_stdout();
  stdio.err = init_.io->child_stderr();
  absl::StatusOr<std::unique_ptr<oci::Container>> container =
      create_init_(options_.bundle, stdio, &init_.process);
  if (!container.ok()) return container.status();
  container_ = std::move(*container);
  init_.pid = init_.process->pid();
  base::UniqueFd master(init_.process->pty_master() >= 0 ? init_.process->TakePtyMaster() : -1);
  absl::Status s = init_.io->Begin(std::move(master));
  if (s.ok()) {
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Listen(
        loop_, options_.socket_path,
        [this](std::shared_ptr<Connection> conn, pb::Request request, std::string leftover) {
          HandleCall(std::move(conn), std::move(request), std::move(leftover));
        });
    if (server.ok()) {
      server_ = std::move(*server);
    } else {
      s = server.status();
    }
  }
  if (!s.ok()) {
    ::kill(init_.pid, SIGKILL);
    int status;
    while (::waitpid(init_.pid, &status, 0) < 0 && errno == EINTR) {
    }
    (void)container_->Destroy();
    return s;
  }
  WatchOutput(&init_);
  return absl::OkStatus();
}

void Shim::WatchOutput(Proc* proc) {
  proc->io->SetOnOutputDone([this, proc] {
    if (proc->reaped) Finalize(proc);
  });
}

absl::StatusOr<Shim::Proc*> Shim::Find(absl::string_view exec_id) {
  if (exec_id.empty()) return &init_;
  auto it = execs_.find(std::string(exec_id));
  if (it == execs_.end()) {
    return absl::NotFoundError(absl::StrCat("exec \"", exec_id, "\" not found"));
  }
  return it->second.get();
}

void Shim::FillState(const Proc& proc, pb::StateResponse* state) const {
  pb::Status status = proc.status;
  if (status == pb::STATUS_RUNNING && paused_) status = pb::STATUS_PAUSED;
  state->set_status(status);
  state->set_pid(proc.status == pb::STATUS_CREATED ? 0 : proc.pid);
  state->set_shim_pid(::getpid());
  if (proc.finalized) {
    state->set_exit_code(proc.exit_code);
    state->set_exited_at_unix_nanos(absl::ToUnixNanos(proc.exited_at));
    state->set_oom_killed(proc.oom_killed);
  }
}

void Shim::HandleCall(std::shared_ptr<Connection> conn, pb::Request request,
                      std::string leftover) {
  pb::Response response;
  absl::Status status;
  switch (request.call_case()) {
    case pb::Request::kState: {
      absl::StatusOr<Proc*> proc = Find(request.state().exec_id());
      if (proc.ok()) {
        FillState(**proc, response.mutable_state());
      } else {
        status = proc.status();
      }
      break;
    }
    case pb::Request::kStart: {
      absl::StatusOr<Proc*> proc = Find(request.start().exec_id());
      status = proc.ok() ? Start(*proc, &response) : proc.status();
      break;
    }
    case pb::Request::kKill:
      status = Kill(request.kill());
      break;
    case pb::Request::kAttach: {
      const pb::AttachRequest& req = request.attach();
      absl::StatusOr<Proc*> proc = Find(req.exec_id());
      if (!proc.ok()) {
        status = proc.status();
        break;
      }
      SendResponse(conn.get(), response);
      (*proc)->io->Attach(std::move(conn), req.stdin(), req.stdout(), req.stderr(),
                          std::move(leftover));
      return;
    }
    case pb::Request::kResize: {
      absl::StatusOr<Proc*> proc = Find(request.resize().exec_id());
      if (!proc.ok()) {
        status = proc.status();
      } else if (request.resize().rows() > 0xffff || request.resize().columns() > 0xffff) {
        status = absl::InvalidArgumentError("terminal size out of range");
      } else {
        status = (*proc)->io->Resize(static_cast<uint16_t>(request.resize().rows()),
                                     static_cast<uint16_t>(request.resize().columns()));
      }
      break;
    }
    case pb::Request::kWait: {
      absl::StatusOr<Proc*> found = Find(request.wait().exec_id());
      if (!found.ok()) {
        status = found.status();
        break;
      }
      Proc* proc = *found;
      if (!proc->finalized) {
        // Parked until Finalize answers; a client that leaves is forgotten.
        std::weak_ptr<Connection> weak = conn;
        conn->SetOnClose([proc, weak] {
          auto c = weak.lock();
          auto& w = proc->waiters;
          for (auto it = w.begin(); it != w.end(); ++it) {
            if (*it == c) {
              w.erase(it);
              break;
            }
          }
        });
        proc->waiters.push_back(std::move(conn));
        return;
      }
      pb::WaitResponse* wait = response.mutable_wait();
      wait->set_exit_code(proc->exit_code);
      wait->set_exited_at_unix_nanos(absl::ToUnixNanos(proc->exited_at));
      wait->set_oom_killed(proc->oom_killed);
      break;
    }
    case pb::Request::kExec:
      status = Exec(request.exec());
      break;
    case pb::Request::kPause:
      if (init_.status != pb::STATUS_RUNNING) {
        status = absl::FailedPreconditionError("container is not running");
      } else if (!paused_) {
        status = container_->Pause();
        if (status.ok()) paused_ = true;
      }
      break;
    case pb::Request::kResume:
      if (!paused_) {
        status = absl::FailedPreconditionError("container is not paused");
      } else {
        status = container_->Resume();
        if (status.ok()) paused_ = false;
      }
      break;
    case pb::Request::kDelete:
      status = Delete();
      if (status.ok()) {
        SendResponse(conn.get(), response);
        conn->SetOnClose([this] { loop_->Stop(); });
        conn->CloseAfterFlush();
        // Do not wait on a client that does not read its answer.
        loop_->RunAfter(absl::Seconds(1), [this] { loop_->Stop(); });
        return;
      }
      break;
    default:
      status = absl::InvalidArgumentError("request: no call set");
  }
  if (!status.ok()) {
    response.Clear();
    SetResponseStatus(status, &response);
  }
  SendResponse(conn.get(), response);
  conn->CloseAfterFlush();
}

absl::Status Shim::Start(Proc* proc, pb::Response* response) {
  if (proc->status != pb::STATUS_CREATED || proc->reaped) {
    return absl::FailedPreconditionError(
        proc->exec_id.empty() ? "container already started"
                              : absl::StrCat("exec \"", proc->exec_id, "\" already started"));
  }
  absl::Status s = proc->process->Start();
  if (!s.ok()) {
    // The runtime's process has exited; Reap records its code.
    proc->status = pb::STATUS_RUNNING;
    return s;
  }
  proc->status = pb::STATUS_RUNNING;
  response->mutable_start()->set_pid(proc->pid);
  LOG_DEBUG("started", {{"id", options_.id}, {"exec", proc->exec_id},
                        {"pid", absl::StrCat(proc->pid)}});
  return absl::OkStatus();
}

absl::Status Shim::Kill(const pb::KillRequest& req) {
  int sig = req.signal();
  if (sig < 0 || sig > 64) return absl::InvalidArgumentError(absl::StrCat("bad signal ", sig));
  if (req.all() && req.exec_id().empty()) {
    if (init_.finalized) return absl::FailedPreconditionError("container is not running");
    return container_->KillAll(sig);
  }
  absl::StatusOr<Proc*> found = Find(req.exec_id());
  if (!found.ok()) return found.status();
  Proc* proc = *found;
  if (proc->reaped) {
    return absl::FailedPreconditionError(proc->exec_id.empty()
                                             ? "container is not running"
                                             : absl::StrCat("exec \"", proc->exec_id,
                                                            "\" is not running"));
  }
  if (::kill(proc->pid, sig) != 0) {
    return base::ErrnoError(errno, absl::StrCat("kill pid ", proc->pid));
  }
  return absl::OkStatus();
}

absl::Status Shim::Exec(const pb::ExecRequest& req) {
  if (req.exec_id().empty()) return absl::InvalidArgumentError("exec: empty exec_id");
  if (execs_.count(req.exec_id()) != 0) {
    return absl::AlreadyExistsError(absl::StrCat("exec \"", req.exec_id(), "\" exists already"));
  }
  if (init_.status != pb::STATUS_RUNNING || init_.reaped) {
    return absl::FailedPreconditionError("container is not running");
  }
  if (paused_) return absl::FailedPreconditionError("container is paused");
  auto proc = std::make_unique<Proc>();
  proc->exec_id = req.exec_id();
  absl::StatusOr<std::unique_ptr<ProcessIo>> io =
      ProcessIo::Create(loop_, req.stdin(), /*logger=*/nullptr);
  if (!io.ok()) return io.status();
  proc->io = std::move(*io);
  oci::Stdio stdio;
  stdio.in = proc->io->child_stdin();
  stdio.out = proc->io->child_stdout();
  stdio.err = proc->io->child_stderr();
  absl::StatusOr<std::unique_ptr<oci::Process>> process =
      container_->CreateExec(req.process_json(), stdio);
  if (!process.ok()) return process.status();
  proc->process = std::move(*process);
  proc->pid = proc->process->pid();
  base::UniqueFd master(proc->process->pty_master() >= 0 ? proc->process->TakePtyMaster() : -1);
  absl::Status s = proc->io->Begin(std::move(master));
  if (!s.ok()) return s;
  Proc* raw = proc.get();
  execs_[req.exec_id()] = std::move(proc);
  WatchOutput(raw);
  return absl::OkStatus();
}

absl::Status Shim::Delete() {
  if (!init_.finalized) {
    return absl::FailedPreconditionError("container is running: stop it before deleting");
  }
  Cleanup();
  return absl::OkStatus();
}

void Shim::Cleanup() {
  if (finished_) return;
  finished_ = true;
  absl::Status s = container_->Destroy();
  if (!s.ok()) LOG_WARN("remove container cgroup", {{"id", options_.id}, {"error", s.ToString()}});
  if (server_) server_->RemoveSocket();
}

bool Shim::Terminate() {
  if (!init_.finalized) return false;
  Cleanup();
  return true;
}

void Shim::Reap() {
  for (;;) {
    int wait_status = 0;
    pid_t pid = ::waitpid(-1, &wait_status, WNOHANG);
    if (pid <= 0) {
      if (pid < 0 && errno == EINTR) continue;
      return;  // 0: none exited; ECHILD: no children
    }
    if (pid == init_.pid && !init_.reaped) {
      OnExit(&init_, wait_status);
      continue;
    }
    for (auto& [id, proc] : execs_) {
      if (proc->pid == pid && !proc->reaped) {
        OnExit(proc.get(), wait_status);
        break;
      }
    }
    // Anything else: an orphan reparented to us (we are the subreaper).
  }
}

void Shim::OnExit(Proc* proc, int wait_status) {
  proc->reaped = true;
  proc->exited_at = absl::Now();
  if (WIFEXITED(wait_status)) {
    proc->exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    proc->exit_code = 128 + WTERMSIG(wait_status);
  }
  LOG_DEBUG("process exited", {{"id", options_.id}, {"exec", proc->exec_id},
                               {"code", absl::StrCat(proc->exit_code)}});
  if (proc->io->output_done()) {
    Finalize(proc);
    return;
  }
  loop_->RunAfter(kExitOutputGrace, [this, proc] {
    if (!proc->finalized) proc->io->Abandon();  // runs Finalize via OnOutputDone
    if (!proc->finalized) Finalize(proc);
  });
}

void Shim::Finalize(Proc* proc) {
  if (proc->finalized) return;
  proc->finalized = true;
  proc->status = pb::STATUS_STOPPED;
  proc->io->CloseStdin();
  if (proc == &init_) {
    paused_ = false;
    proc->oom_killed = container_->OomKilled();
    ExitRecord record;
    record.exit_code = proc->exit_code;
    record.exited_at = proc->exited_at;
    record.oom_killed = proc->oom_killed;
    absl::Status s = WriteExitFile(options_.state_dir, record);
    if (!s.ok()) LOG_ERROR("write exit file", {{"id", options_.id}, {"error", s.ToString()}});
  }
  pb::Response response;
  pb::WaitResponse* wait = response.mutable_wait();
  wait->set_exit_code(proc->exit_code);
  wait->set_exited_at_unix_nanos(absl::ToUnixNanos(proc->exited_at));
  wait->set_oom_killed(proc->oom_killed);
  std::vector<std::shared_ptr<Connection>> waiters;
  waiters.swap(proc->waiters);
  for (auto& conn : waiters) {
    conn->SetOnClose(nullptr);
    SendResponse(conn.get(), response);
    // Keep the connection alive until its answer is written.
    auto holder = std::make_shared<std::shared_ptr<Connection>>(conn);
    conn->SetOnClose([holder] { holder->reset(); });
    conn->CloseAfterFlush();
  }
}

}  // namespace shim
