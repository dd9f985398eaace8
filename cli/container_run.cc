// run, create, start, attach and exec: the commands that create containers
// or attach to their stdio.

#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cli/attach_session.h"
#include "cli/container_commands.h"
#include "cli/container_request.h"
#include "cli/image_commands.h"
#include "cli/output/progress.h"
#include "cli/terminal.h"
#include "engine/base/file_util.h"
#include "engine/base/status_macros.h"
#include "sdk/status.h"

namespace cli {
namespace {

const char* GetEnv(const char* key) { return ::getenv(key); }

absl::StatusOr<std::string> ReadClientFile(const std::string& path) {
  return base::ReadFile(path);
}

// Docker's reportError(): "berth: <error>.\nSee 'berth run --help'." on
// stderr, exit 125 (or `code`).
absl::Status Report(Context* ctx, const absl::Status& status, int code = 125) {
  std::string text = DaemonErrorText(status);
  while (!text.empty() && text.back() == '.') text.pop_back();
  ctx->err() << "berth: " << text << ".\nSee '" << ctx->inv().command_path
             << " --help'.\n";
  ctx->exit_code = code;
  return absl::OkStatus();
}

// Pulls `image` with Docker's progress on stderr.
absl::Status PullImage(Context* ctx, sdk::Client* client, const std::string& image,
                       const berth::v1::Platform* platform) {
  berth::v1::PullRequest req;
  req.set_reference(image);
  if (platform != nullptr) *req.mutable_platform() = *platform;
  ASSIGN_OR_RETURN(*req.mutable_auth(), AuthFor(ctx, image));
  ProgressPrinter printer(&ctx->err(), ctx->err_is_tty, ctx->out_width);
  PullRenderer renderer(&printer);
  auto done = client->Pull(req, [&](const berth::v1::PullProgress& p) { renderer.Render(p); });
  return done.status();
}

bool IsMissingImage(const absl::Status& s) {
  return s.code() == absl::StatusCode::kNotFound &&
         absl::StartsWith(s.message(), "No such image");
}

// Creates the container, pulling its image as --pull says. Returns the ID.
absl::StatusOr<std::string> CreateWithPull(Context* ctx, sdk::Client* client,
                                           berth::v1::CreateContainerRequest req,
                                           const std::string& pull) {
  // A TTY container starts at the size of the terminal it will show on.
  uint32_t rows = 0, cols = 0;
  if (req.config().tty() && (GetWindowSize(STDOUT_FILENO, &rows, &cols) ||
                             GetWindowSize(ctx->in_fd, &rows, &cols))) {
    req.mutable_host_config()->set_console_height(rows);
    req.mutable_host_config()->set_console_width(cols);
  }
  const std::string& image = req.config().image();
  const berth::v1::Platform* platform = req.has_platform() ? &req.platform() : nullptr;
  if (pull == "always") RETURN_IF_ERROR(PullImage(ctx, client, image, platform));
  auto resp = client->CreateContainer(req);
  if (!resp.ok() && IsMissingImage(resp.status()) && pull == "missing") {
    std::string shown = HasTagOrDigest(image) ? image : absl::StrCat(image, ":latest");
    ctx->err() << "Unable to find image '" << shown << "' locally\n";
    ctx->err().flush();
    RETURN_IF_ERROR(PullImage(ctx, client, image, platform));
    resp = client->CreateContainer(req);
  }
  if (!resp.ok()) return resp.status();
  for (const std::string& w : resp->warnings()) ctx->err() << "WARNING: " << w << "\n";
  return resp->id();
}

// The container's exit status once it stopped.
absl::StatusOr<int> WaitExit(sdk::Client* client, const std::string& id) {
  ASSIGN_OR_RETURN(auto resp, client->WaitContainer(id, berth::v1::WAIT_CONDITION_NOT_RUNNING));
  return static_cast<int>(resp.status_code());
}

// Attaches to `id`'s streams and runs the session; sets ctx->exit_code to
// the container's status unless the user detached.
constexpr absl::Duration kAttachReadyTimeout = absl::Seconds(2);

struct AttachPlan {
  bool stdin = false, stdout = true, stderr = true, tty = false;
  bool sig_proxy = false;
  std::string detach_keys;
};

absl::StatusOr<std::unique_ptr<sdk::StdioSession>> OpenAttach(sdk::Client* client,
                                                              const std::string& id,
                                                              const AttachPlan& plan) {
  berth::v1::AttachOpen open;
  open.set_id(id);
  open.set_stdin(plan.stdin);
  open.set_stdout(plan.stdout);
  open.set_stderr(plan.stderr);
  open.set_detach_keys(plan.detach_keys);
  ASSIGN_OR_RETURN(auto session, client->Attach(open));
  // Let the daemon attach before the container starts, so no output is
  // lost. A daemon that does not announce readiness costs the timeout.
  session->WaitReady(kAttachReadyTimeout);
  return session;
}

SessionResult Pump(Context* ctx, sdk::Client* client, const std::string& id,
                   sdk::StdioSession* session, const AttachPlan& plan) {
  SessionOptions o;
  o.stdin = plan.stdin;
  o.tty = plan.tty;
  o.sig_proxy = plan.sig_proxy && !plan.tty;
  o.on_signal = [client, id](int signo) {
    client->KillContainer(id, SignalName(signo)).IgnoreError();
  };
  SessionResult r = RunSession(ctx, session, o);
  if (r.detached) ctx->err() << "read escape sequence\n";
  return r;
}

}  // namespace

int ExitCodeForStartError(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kNotFound) return 127;
  if (status.code() == absl::StatusCode::kPermissionDenied) return 126;
  std::string msg = absl::AsciiStrToLower(status.message());
  if (absl::StrContains(msg, "executable file not found") ||
      absl::StrContains(msg, "no such file or directory") ||
      absl::StrContains(msg, "not found")) {
    return 127;
  }
  if (absl::StrContains(msg, "permission denied") || absl::StrContains(msg, "is a directory") ||
      absl::StrContains(msg, "cannot be invoked")) {
    return 126;
  }
  return 125;
}

std::string DaemonErrorText(const absl::Status& status) {
  if (sdk::IsDaemonError(status)) {
    return absl::StrCat("Error response from daemon: ", status.message());
  }
  return std::string(status.message());
}

absl::Status RunCreate(Context* ctx) {
  const Invocation& inv = ctx->inv();
  auto req = BuildCreateRequest(inv.create, inv.args, /*run=*/false, GetEnv, ReadClientFile);
  if (!req.ok()) return Report(ctx, req.status());
  auto client = ctx->client();
  if (!client.ok()) return Report(ctx, client.status());
  auto id = CreateWithPull(ctx, *client, *req, inv.create.pull);
  if (!id.ok()) return Report(ctx, id.status());
  ctx->out() << *id << "\n";
  return absl::OkStatus();
}

absl::Status RunRun(Context* ctx) {
  const Invocation& inv = ctx->inv();
  const ContainerCreateOptions& o = inv.create;
  auto req = BuildCreateRequest(o, inv.args, /*run=*/true, GetEnv, ReadClientFile);
  if (!req.ok()) return Report(ctx, req.status());
  // Detached, nothing reads the local terminal (Docker checks only when attaching).
  if (o.tty && o.interactive && !o.detach && !ctx->in_is_tty) {
    return Report(ctx, absl::FailedPreconditionError("the input device is not a TTY"), 1);
  }
  auto client_or = ctx->client();
  if (!client_or.ok()) return Report(ctx, client_or.status());
  sdk::Client* client = *client_or;
  auto id_or = CreateWithPull(ctx, client, *req, o.pull);
  if (!id_or.ok()) return Report(ctx, id_or.status());
  const std::string id = *id_or;

  if (o.detach) {
    absl::Status started = client->StartContainer(id);
    if (!started.ok()) return Report(ctx, started, ExitCodeForStartError(started));
    ctx->out() << id << "\n";
    return absl::OkStatus();
  }

  const berth::v1::ContainerConfig& c = req->config();
  AttachPlan plan;
  plan.stdin = c.attach_stdin();
  plan.stdout = c.attach_stdout();
  plan.stderr = c.attach_stderr();
  plan.tty = c.tty();
  plan.sig_proxy = o.sig_proxy;
  plan.detach_keys = o.detach_keys;
  bool attach = plan.stdin || plan.stdout || plan.stderr;

  std::unique_ptr<sdk::StdioSession> session;
  if (attach) {
    auto s = OpenAttach(client, id, plan);
    if (!s.ok()) return Report(ctx, s.status());
    session = std::move(s).value();
  }
  // With --rm the daemon removes the container when it exits: wait for the
  // removal (registered before the start) to learn the exit status.
  sdk::CancelToken cancel_wait;
  absl::StatusOr<berth::v1::WaitContainerResponse> removed =
      absl::UnknownError("not waited");
  std::thread waiter;
  if (o.rm) {
    waiter = std::thread([&] {
      removed = client->WaitContainer(id, berth::v1::WAIT_CONDITION_REMOVED, &cancel_wait);
    });
  }
  auto join_waiter = [&] {
    if (waiter.joinable()) waiter.join();
  };

  absl::Status started = client->StartContainer(id);
  if (!started.ok()) {
    if (session) session->Cancel();
    cancel_wait.Cancel();
    join_waiter();
    // With --rm the daemon has removed the container already.
    return Report(ctx, started, ExitCodeForStartError(started));
  }

  if (session) {
    SessionResult r = Pump(ctx, client, id, session.get(), plan);
    if (r.detached) {
      cancel_wait.Cancel();
      join_waiter();
      ctx->exit_code = 0;
      return absl::OkStatus();
    }
  }

  if (o.rm) {
    join_waiter();
    if (removed.ok()) {
      ctx->exit_code = static_cast<int>(removed->status_code());
      return absl::OkStatus();
    }
    if (removed.status().code() != absl::StatusCode::kNotFound) {
      return Report(ctx, removed.status());
    }
  }
  auto code = WaitExit(client, id);
  if (!code.ok()) return Report(ctx, code.status());
  ctx->exit_code = *code;
  return absl::OkStatus();
}

absl::Status RunStart(Context* ctx) {
  const Invocation& inv = ctx->inv();
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  if (inv.start.attach || inv.start.interactive) {
    if (inv.args.size() > 1) {
      return absl::InvalidArgumentError(
          "you cannot start and attach multiple containers at once");
    }
    if (!inv.start.detach_keys.empty()) {
      RETURN_IF_ERROR(ParseDetachKeys(inv.start.detach_keys).status());
    }
    ASSIGN_OR_RETURN(auto info, client->InspectContainer(inv.args[0]));
    AttachPlan plan;
    plan.stdin = inv.start.interactive && info.config().open_stdin();
    plan.tty = info.config().tty();
    plan.sig_proxy = true;
    plan.detach_keys = inv.start.detach_keys;
    ASSIGN_OR_RETURN(auto session, OpenAttach(client, info.id(), plan));
    absl::Status started = client->StartContainer(info.id());
    if (!started.ok()) {
      session->Cancel();
      ctx->err() << DaemonErrorText(started) << "\n";
      ctx->exit_code = ExitCodeForStartError(started) == 125 ? 1
                                                             : ExitCodeForStartError(started);
      return absl::OkStatus();
    }
    SessionResult r = Pump(ctx, client, info.id(), session.get(), plan);
    if (r.detached) return absl::OkStatus();
    ASSIGN_OR_RETURN(int code, WaitExit(client, info.id()));
    ctx->exit_code = code;
    return absl::OkStatus();
  }
  std::vector<std::string> errors;
  for (const std::string& id : inv.args) {
    absl::Status s = client->StartContainer(id);
    if (s.ok()) {
      ctx->out() << id << "\n";
      continue;
    }
    if (sdk::IsConnectionError(s)) return s;
    errors.push_back(DaemonErrorText(s));
  }
  if (errors.empty()) return absl::OkStatus();
  errors.push_back("Error: failed to start containers: " + absl::StrJoin(inv.args, ", "));
  return absl::UnknownError(absl::StrJoin(errors, "\n"));
}

absl::Status RunAttach(Context* ctx) {
  const Invocation& inv = ctx->inv();
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  if (!inv.attach.detach_keys.empty()) {
    RETURN_IF_ERROR(ParseDetachKeys(inv.attach.detach_keys).status());
  }
  ASSIGN_OR_RETURN(auto info, client->InspectContainer(inv.args[0]));
  if (!info.state().running()) {
    return absl::FailedPreconditionError(
        "You cannot attach to a stopped container, start it first");
  }
  if (info.state().paused()) {
    return absl::FailedPreconditionError(
        "You cannot attach to a paused container, unpause it first");
  }
  AttachPlan plan;
  plan.stdin = !inv.attach.no_stdin && info.config().open_stdin();
  plan.tty = info.config().tty();
  plan.sig_proxy = inv.attach.sig_proxy;
  plan.detach_keys = inv.attach.detach_keys;
  if (plan.stdin && plan.tty && !ctx->in_is_tty) {
    return absl::FailedPreconditionError("the input device is not a TTY");
  }
  ASSIGN_OR_RETURN(auto session, OpenAttach(client, info.id(), plan));
  SessionResult r = Pump(ctx, client, info.id(), session.get(), plan);
  if (r.detached) return absl::OkStatus();
  if (!r.status.ok() && r.status.code() != absl::StatusCode::kCancelled) return r.status;
  ASSIGN_OR_RETURN(int code, WaitExit(client, info.id()));
  ctx->exit_code = code;
  return absl::OkStatus();
}

absl::Status RunExec(Context* ctx) {
  const Invocation& inv = ctx->inv();
  const ExecOptions& o = inv.exec;
  ASSIGN_OR_RETURN(auto req, BuildExecRequest(o, inv.args, GetEnv, ReadClientFile));
  if (o.tty && o.interactive && !o.detach && !ctx->in_is_tty) {
    return absl::FailedPreconditionError("the input device is not a TTY");
  }
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto created, client->ExecCreate(req));
  const std::string exec_id = created.id();
  berth::v1::ExecStartOpen open;
  open.set_exec_id(exec_id);
  open.set_detach(o.detach);
  open.set_tty(o.tty);
  ASSIGN_OR_RETURN(auto session, client->ExecStart(open));
  if (o.detach) {
    berth::v1::AttachOutput out;
    while (session->Read(&out)) {
    }
    absl::Status s = session->Finish();
    if (!s.ok()) {
      ctx->err() << DaemonErrorText(s) << "\n";
      ctx->exit_code = ExitCodeForStartError(s) == 125 ? 1 : ExitCodeForStartError(s);
    }
    return absl::OkStatus();
  }
  SessionOptions so;
  so.stdin = o.interactive;
  so.tty = o.tty;
  so.on_resize = [client, exec_id](uint32_t rows, uint32_t cols) {
    client->ExecResize(exec_id, rows, cols).IgnoreError();
  };
  SessionResult r = RunSession(ctx, session.get(), so);
  if (r.detached) {
    ctx->err() << "read escape sequence\n";
    return absl::OkStatus();
  }
  if (!r.status.ok()) {
    if (sdk::IsConnectionError(r.status)) return r.status;
    ctx->err() << DaemonErrorText(r.status) << "\n";
    int code = ExitCodeForStartError(r.status);
    ctx->exit_code = code == 125 ? 126 : code;
    return absl::OkStatus();
  }
  // The exit code, once the daemon has recorded it.
  for (int i = 0; i < 200; ++i) {
    ASSIGN_OR_RETURN(auto info, client->ExecInspect(exec_id));
    if (!info.running() && (info.has_exit_code() || i > 50)) {
      ctx->exit_code = static_cast<int>(info.exit_code());
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError("the exec did not report its exit code");
}

}  // namespace cli
