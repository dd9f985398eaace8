// ContainerManager: kill, stop, restart, pause, unpause, rename, resize,
// wait, remove, prune, restore after a daemon restart, and the small parsers.

#include <signal.h>

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/runtime/container_filters.h"
#include "engine/runtime/container_manager.h"
#include "engine/runtime/container_manager_internal.h"
#include "shim/exit_file.h"

namespace engine::runtime {

using containers::ContainerRecord;
using containers::ShortId;

namespace {

struct SignalName {
  const char* name;
  int number;
};

constexpr SignalName kSignals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},     {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"FPE", SIGFPE},   {"HUP", SIGHUP},     {"ILL", SIGILL},
    {"INT", SIGINT},   {"IO", SIGIO},     {"IOT", SIGIOT},     {"KILL", SIGKILL},
    {"PIPE", SIGPIPE}, {"PROF", SIGPROF}, {"PWR", SIGPWR},     {"QUIT", SIGQUIT},
    {"SEGV", SIGSEGV}, {"STKFLT", SIGSTKFLT}, {"STOP", SIGSTOP}, {"SYS", SIGSYS},
    {"TERM", SIGTERM}, {"TRAP", SIGTRAP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"USR1", SIGUSR1},   {"USR2", SIGUSR2},
    {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

absl::Status NotRunning(absl::string_view id) {
  return absl::FailedPreconditionError(absl::StrCat("Container ", id, " is not running"));
}

}  // namespace

absl::StatusOr<int> ParseSignal(absl::string_view signal) {
  int n;
  if (absl::SimpleAtoi(signal, &n)) {
    if (n <= 0 || n > 64) return absl::InvalidArgumentError(absl::StrCat("Invalid signal: ", signal));
    return n;
  }
  std::string upper = absl::AsciiStrToUpper(signal);
  absl::string_view s = upper;
  absl::ConsumePrefix(&s, "SIG");
  for (const SignalName& sig : kSignals) {
    if (s == sig.name) return sig.number;
  }
  if (absl::ConsumePrefix(&s, "RTMIN+") && absl::SimpleAtoi(s, &n) && n >= 0 &&
      SIGRTMIN + n <= SIGRTMAX) {
    return SIGRTMIN + n;
  }
  return absl::InvalidArgumentError(absl::StrCat("Invalid signal: ", signal));
}

absl::StatusOr<int64_t> ParseByteSize(absl::string_view text) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  absl::string_view t = lower;
  absl::ConsumeSuffix(&t, "b");
  int64_t mult = 1;
  if (!t.empty()) {
    switch (t.back()) {
      case 'k': mult = int64_t{1} << 10; break;
      case 'm': mult = int64_t{1} << 20; break;
      case 'g': mult = int64_t{1} << 30; break;
      case 't': mult = int64_t{1} << 40; break;
      default: mult = 0;
    }
    if (mult != 0) t.remove_suffix(1); else mult = 1;
  }
  double v;
  if (!absl::SimpleAtod(t, &v) || v < 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid size: '", text, "'"));
  }
  return static_cast<int64_t>(v * static_cast<double>(mult));
}

std::vector<std::string> MergedArgs(const berth::v1::ContainerConfig& config,
                                    const registry::ImageConfig& image) {
  std::vector<std::string> args;
  if (config.has_entrypoint()) {
    args.assign(config.entrypoint().values().begin(), config.entrypoint().values().end());
  } else {
    args = image.config.entrypoint;
  }
  if (config.cmd_size() > 0) {
    args.insert(args.end(), config.cmd().begin(), config.cmd().end());
  } else if (!config.has_entrypoint()) {
    args.insert(args.end(), image.config.cmd.begin(), image.config.cmd.end());
  }
  return args;
}

absl::Status ContainerManager::Kill(absl::string_view ref, absl::string_view signal) {
  int sig = SIGKILL;
  if (!signal.empty()) {
    ASSIGN_OR_RETURN(sig, ParseSignal(signal));
  }
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  const std::string& status = record.state().status();
  if (status != "running" && status != "paused") return NotRunning(record.id());
  ShimClient shim = Shim(record.id());
  RETURN_IF_ERROR(shim.Kill("", sig, false));
  Publish("kill", record, {{"signal", absl::StrCat(sig)}});
  if (status == "paused" && sig == SIGKILL) (void)shim.Resume();
  return absl::OkStatus();
}

absl::Status ContainerManager::Stop(absl::string_view ref, std::optional<int> timeout,
                                    absl::string_view signal) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  std::shared_ptr<Live> live = GetLive(record.id());
  absl::MutexLock op(&live->op_mu);
  ASSIGN_OR_RETURN(record, options_.store->Get(record.id()));
  const std::string& id = record.id();
  const std::string& status = record.state().status();
  if (status != "running" && status != "paused") return absl::OkStatus();

  std::string sig_name(signal);
  if (sig_name.empty()) sig_name = record.config().stop_signal();
  if (sig_name.empty()) {
    absl::StatusOr<registry::ImageConfig> image = ImageConfigFor(record.image_id());
    if (image.ok()) sig_name = image->config.stop_signal;
  }
  int sig = SIGTERM;
  if (!sig_name.empty()) {
    ASSIGN_OR_RETURN(sig, ParseSignal(sig_name));
  }
  int seconds = 10;
  if (timeout.has_value()) {
    seconds = *timeout;
  } else if (record.config().has_stop_timeout()) {
    seconds = record.config().stop_timeout();
  }

  ShimClient shim = Shim(id);
  int64_t generation = ExitGeneration(id);
  if (status == "paused" && sig != SIGKILL) (void)shim.Resume();
  absl::Status s = shim.Kill("", sig, false);
  if (s.ok()) Publish("kill", record, {{"signal", absl::StrCat(sig)}});
  bool exited = s.ok() && WaitForExit(id, generation, seconds < 0 ? absl::InfiniteDuration()
                                                                   : absl::Seconds(seconds));
  if (!exited) {
    (void)shim.Kill("", SIGKILL, true);
    Publish("kill", record, {{"signal", absl::StrCat(SIGKILL)}});
    if (status == "paused") (void)shim.Resume();
    if (!WaitForExit(id, generation, absl::Seconds(30))) {
      return absl::DeadlineExceededError(
          absl::StrCat("container ", id, " did not exit after SIGKILL"));
    }
  }
  Publish("stop", record);
  return absl::OkStatus();
}

absl::Status ContainerManager::Restart(absl::string_view ref, std::optional<int> timeout,
                                       absl::string_view signal) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  std::shared_ptr<Live> live = GetLive(record.id());
  {
    absl::MutexLock lock(&mu_);
    live->restarting = true;
  }
  absl::Status s = Stop(record.id(), timeout, signal);
  if (s.ok()) {
    absl::MutexLock op(&live->op_mu);
    absl::StatusOr<ContainerRecord> current = options_.store->Get(record.id());
    s = current.ok() ? StartLocked(*current) : current.status();
    if (s.ok()) {
      (void)Mutate(record.id(), [](ContainerRecord* r) {
        r->set_restart_count(r->restart_count() + 1);
      });
      Publish("restart", record);
    }
  }
  absl::MutexLock lock(&mu_);
  live->restarting = false;
  return s;
}

absl::Status ContainerManager::Pause(absl::string_view ref) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  std::shared_ptr<Live> live = GetLive(record.id());
  absl::MutexLock op(&live->op_mu);
  ASSIGN_OR_RETURN(record, options_.store->Get(record.id()));
  if (record.state().status() == "paused") {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", record.id(), " is already paused"));
  }
  if (record.state().status() != "running") return NotRunning(record.id());
  RETURN_IF_ERROR(Shim(record.id()).Pause());
  ASSIGN_OR_RETURN(record, Mutate(record.id(), [](ContainerRecord* r) {
                     r->mutable_state()->set_status("paused");
                     r->mutable_state()->set_paused(true);
                   }));
  Publish("pause", record);
  return absl::OkStatus();
}

absl::Status ContainerManager::Unpause(absl::string_view ref) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  std::shared_ptr<Live> live = GetLive(record.id());
  absl::MutexLock op(&live->op_mu);
  ASSIGN_OR_RETURN(record, options_.store->Get(record.id()));
  if (record.state().status() != "paused") {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", record.id(), " is not paused"));
  }
  RETURN_IF_ERROR(Shim(record.id()).Resume());
  ASSIGN_OR_RETURN(record, Mutate(record.id(), [](ContainerRecord* r) {
                     r->mutable_state()->set_status("running");
                     r->mutable_state()->set_paused(false);
                   }));
  Publish("unpause", record);
  return absl::OkStatus();
}

absl::Status ContainerManager::Rename(absl::string_view ref, absl::string_view new_name) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  std::string old_name = record.name();
  {
    absl::MutexLock lock(&rec_mu_);
    RETURN_IF_ERROR(options_.store->Rename(record.id(), new_name));
  }
  ASSIGN_OR_RETURN(record, options_.store->Get(record.id()));
  Publish("rename", record, {{"oldName", absl::StrCat("/", old_name)}});
  return absl::OkStatus();
}

absl::Status ContainerManager::Resize(absl::string_view ref, uint32_t height, uint32_t width) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  const std::string& status = record.state().status();
  if (status != "running" && status != "paused") {
    // The shim of a created container (attached before start) takes it too.
    if (!base::PathExists(SocketPath(Bundle(record.id())))) return NotRunning(record.id());
  }
  return Shim(record.id()).Resize("", height, width);
}

absl::StatusOr<berth::v1::WaitContainerResponse> ContainerManager::Wait(
    absl::string_view ref, berth::v1::WaitCondition condition,
    const std::function<bool()>& cancelled) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  const std::string id = record.id();
  std::shared_ptr<Live> live = GetLive(id);
  int64_t generation;
  {
    absl::MutexLock lock(&mu_);
    generation = live->exit_generation;
  }
  ASSIGN_OR_RETURN(record, options_.store->Get(id));
  berth::v1::WaitContainerResponse response;
  auto running = [](const ContainerRecord& r) {
    return r.state().status() == "running" || r.state().status() == "paused";
  };
  if (condition == berth::v1::WAIT_CONDITION_NOT_RUNNING && !running(record)) {
    response.set_status_code(record.state().exit_code());
    response.set_error(record.state().error());
    return response;
  }
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      bool done = condition == berth::v1::WAIT_CONDITION_REMOVED
                      ? live->removed
                      : (live->exit_generation != generation || live->removed);
      if (!done) cv_.WaitWithTimeout(&mu_, absl::Milliseconds(200));
      done = condition == berth::v1::WAIT_CONDITION_REMOVED
                 ? live->removed
                 : (live->exit_generation != generation || live->removed);
      if (done) break;
    }
    if (cancelled && cancelled()) return absl::CancelledError("wait cancelled");
  }
  absl::StatusOr<ContainerRecord> now = options_.store->Get(id);
  if (now.ok()) {
    record = *std::move(now);
  } else {
    // Removed meanwhile: the status it had when it went.
    absl::MutexLock lock(&mu_);
    if (live->removed) {
      record.mutable_state()->set_exit_code(live->removed_exit_code);
      record.mutable_state()->set_error(live->removed_error);
    }
  }
  response.set_status_code(record.state().exit_code());
  response.set_error(record.state().error());
  return response;
}

absl::Status ContainerManager::Remove(absl::string_view ref, bool force, bool volumes) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  std::shared_ptr<Live> live = GetLive(record.id());
  absl::MutexLock op(&live->op_mu);
  ASSIGN_OR_RETURN(record, options_.store->Get(record.id()));
  return RemoveLocked(record, force, volumes);
}

absl::Status ContainerManager::RemoveLocked(const ContainerRecord& record, bool force,
                                            bool volumes) {
  const std::string& id = record.id();
  const std::string& status = record.state().status();
  if (status == "running" || status == "paused") {
    if (!force) {
      return absl::FailedPreconditionError(absl::StrCat(
          "You cannot remove a ", status, " container ", id,
          ". Stop the container before attempting removal or force remove"));
    }
    int64_t generation = ExitGeneration(id);
    ShimClient shim = Shim(id);
    (void)shim.Kill("", SIGKILL, true);
    if (status == "paused") (void)shim.Resume();
    if (!WaitForExit(id, generation, absl::Seconds(15))) {
      // The shim did not answer: record the exit ourselves.
      HandleExit(id, 137, absl::Now(), false, /*may_auto_remove=*/false);
    }
  }
  (void)Mutate(id, [](ContainerRecord* r) { r->mutable_state()->set_status("removing"); });
  TeardownShim(id);
  absl::Status s = options_.snapshotter->Remove(record.snapshot_key());
  if (!s.ok() && !absl::IsNotFound(s)) {
    (void)Mutate(id, [](ContainerRecord* r) { r->mutable_state()->set_status("dead"); });
    return base::Annotate(s, "remove container's writable layer");
  }
  (void)base::RemoveAll(DataDir(id));
  // The last recorded exit (HandleExit may have updated it since `record`).
  absl::StatusOr<ContainerRecord> last = options_.store->Get(id);
  const ContainerRecord& final_record = last.ok() ? *last : record;
  s = options_.store->Remove(id);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  if (volumes) RemoveVolumes(final_record);
  {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<Live> live = live_[id];
    if (live != nullptr) {
      live->removed = true;
      live->removed_exit_code = final_record.state().exit_code();
      live->removed_error = final_record.state().error();
    }
    for (auto it = execs_.begin(); it != execs_.end();) {
      if (it->second->container_id == id && !it->second->running) {
        it = execs_.erase(it);
      } else {
        ++it;
      }
    }
    cv_.SignalAll();
  }
  Publish("destroy", record);
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::PruneContainersResponse> ContainerManager::Prune(
    const berth::v1::PruneContainersRequest& request) {
  for (const berth::v1::Filter& f : request.filters()) {
    if (f.key() != "until" && f.key() != "label") {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", f.key(), "'"));
    }
  }
  ASSIGN_OR_RETURN(ContainerFilter filter, ContainerFilter::Parse(request.filters(), {}));
  ASSIGN_OR_RETURN(std::vector<ContainerRecord> records, options_.store->List());
  berth::v1::PruneContainersResponse response;
  for (const ContainerRecord& record : records) {
    const std::string& status = record.state().status();
    if (status == "running" || status == "paused" || status == "removing") continue;
    berth::v1::ContainerSummary summary;
    summary.set_id(record.id());
    *summary.mutable_created() = record.created();
    *summary.mutable_labels() = record.config().labels();
    if (!filter.Matches(FilterSubject{&summary, record.state().exit_code()})) continue;
    absl::StatusOr<int64_t> usage = options_.snapshotter->Usage(record.snapshot_key());
    std::shared_ptr<Live> live = GetLive(record.id());
    absl::MutexLock op(&live->op_mu);
    absl::StatusOr<ContainerRecord> current = options_.store->Get(record.id());
    if (!current.ok()) continue;
    const std::string& now = current->state().status();
    if (now == "running" || now == "paused") continue;
    absl::Status s = RemoveLocked(*current, false, /*volumes=*/false);
    if (!s.ok()) {
      LOG_WARN("prune: cannot remove container", {{"id", record.id()}, {"error", s.ToString()}});
      continue;
    }
    response.add_deleted(record.id());
    if (usage.ok()) response.set_space_reclaimed(response.space_reclaimed() + *usage);
  }
  return response;
}

std::optional<ContainerManager::ImageUser> ContainerManager::FindImageUser(
    absl::string_view image_id) {
  absl::StatusOr<std::vector<ContainerRecord>> records = options_.store->List();
  if (!records.ok()) return std::nullopt;
  std::optional<ImageUser> user;
  for (const ContainerRecord& r : *records) {
    if (r.image_id() != image_id) continue;
    bool running = r.state().status() == "running" || r.state().status() == "paused";
    if (!user.has_value() || (running && !user->running)) {
      user = ImageUser{ShortId(r.id()), running};
    }
  }
  return user;
}

// ---- Restore -----------------------------------------------------------------

absl::Status ContainerManager::Restore() {
  ASSIGN_OR_RETURN(std::vector<ContainerRecord> records, options_.store->List());
  for (const ContainerRecord& record : records) {
    const std::string& id = record.id();
    const std::string& status = record.state().status();
    if (status == "removing") {
      (void)Mutate(id, [](ContainerRecord* r) { r->mutable_state()->set_status("dead"); });
      continue;
    }
    if (status != "running" && status != "paused") {
      // A created container may have a prepared shim; it stays usable.
      continue;
    }
    ShimClient shim = Shim(id);
    absl::StatusOr<berth::shim::v1::StateResponse> state = shim.State("");
    if (state.ok() && state->status() != berth::shim::v1::STATUS_STOPPED) {
      absl::StatusOr<std::unique_ptr<PendingWait>> wait = shim.StartWait("");
      if (wait.ok()) {
        bool paused = state->status() == berth::shim::v1::STATUS_PAUSED;
        if (paused != (status == "paused")) {
          (void)Mutate(id, [&](ContainerRecord* r) {
            r->mutable_state()->set_status(paused ? "paused" : "running");
            r->mutable_state()->set_paused(paused);
          });
        }
        {
          absl::MutexLock lock(&mu_);
          ++watchers_;
          pending_.push_back(wait->get());
        }
        std::thread(&ContainerManager::Watch, this, id, *std::move(wait)).detach();
        LOG_INFO("reconnected to container shim", {{"id", id}});
        continue;
      }
    }
    if (state.ok()) {
      absl::Time at = state->exited_at_unix_nanos() != 0
                          ? absl::FromUnixNanos(state->exited_at_unix_nanos())
                          : absl::Now();
      HandleExit(id, state->exit_code(), at, state->oom_killed());
      continue;
    }
    absl::StatusOr<shim::ExitRecord> exit = shim::ReadExitFile(Bundle(id));
    LOG_INFO("container exited while the daemon was down", {{"id", id}});
    if (exit.ok()) {
      HandleExit(id, exit->exit_code, exit->exited_at, exit->oom_killed);
    } else {
      HandleExit(id, 255, absl::Now(), false);
    }
  }
  return absl::OkStatus();
}

}  // namespace engine::runtime
