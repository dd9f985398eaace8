// ContainerManager: construction, create, start and the exit watchers. The
// other state-changing operations and Restore are in container_manager_ops.cc,
// queries in container_manager_query.cc, attach and exec in
// container_manager_exec.cc, volumes in container_manager_volumes.cc.

#include "engine/runtime/container_manager.h"

#include <signal.h>
#include <sys/stat.h>

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
#include "engine/runtime/cgroup_cleanup.h"
#include "engine/runtime/container_manager_internal.h"
#include "shim/exit_file.h"

namespace engine::runtime {

using containers::ContainerRecord;
using containers::ShortId;

ContainerManager::ContainerManager(ManagerOptions options)
    : options_(std::move(options)),
      catalog_(options_.metadata, options_.content),
      launcher_(options_.shim_binary) {}

absl::StatusOr<std::unique_ptr<ContainerManager>> ContainerManager::Create(
    ManagerOptions options) {
  if (options.store == nullptr || options.metadata == nullptr || options.content == nullptr ||
      options.snapshotter == nullptr) {
    return absl::InvalidArgumentError("container manager needs its stores");
  }
  RETURN_IF_ERROR(base::MakeDirs(base::JoinPath(options.data_root, "containers"), 0710));
  RETURN_IF_ERROR(base::MakeDirs(base::JoinPath(options.exec_root, "containers"), 0711));
  ASSIGN_OR_RETURN(std::unique_ptr<volumes::VolumeStore> volumes,
                   volumes::VolumeStore::Open(base::JoinPath(options.data_root, "volumes")));
  std::unique_ptr<ContainerManager> manager(new ContainerManager(std::move(options)));
  manager->volumes_ = std::move(volumes);
  return manager;
}

ContainerManager::~ContainerManager() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  for (PendingWait* w : pending_) w->Cancel();
  for (auto& [id, exec] : execs_) {
    if (exec->wait != nullptr) exec->wait->Cancel();
  }
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &watchers_));
}

std::string ContainerManager::DataDir(absl::string_view id) const {
  return base::JoinPath(base::JoinPath(options_.data_root, "containers"), id);
}

std::string ContainerManager::Bundle(absl::string_view id) const {
  return base::JoinPath(base::JoinPath(options_.exec_root, "containers"), id);
}

std::shared_ptr<ContainerManager::Live> ContainerManager::GetLive(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  auto& live = live_[std::string(id)];
  if (live == nullptr) live = std::make_shared<Live>();
  return live;
}

absl::StatusOr<ContainerRecord> ContainerManager::Mutate(
    absl::string_view id, const std::function<void(ContainerRecord*)>& fn) {
  absl::MutexLock lock(&rec_mu_);
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Get(id));
  fn(&record);
  RETURN_IF_ERROR(options_.store->Update(record));
  return record;
}

absl::StatusOr<registry::ImageConfig> ContainerManager::ImageConfigFor(
    absl::string_view image_id) {
  {
    absl::MutexLock lock(&mu_);
    auto it = image_configs_.find(std::string(image_id));
    if (it != image_configs_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(images::LocalImage image, catalog_.Resolve(image_id));
  ASSIGN_OR_RETURN(registry::ImageConfig config, catalog_.Config(image));
  absl::MutexLock lock(&mu_);
  image_configs_[std::string(image_id)] = config;
  return config;
}

void ContainerManager::Publish(absl::string_view action, const ContainerRecord& record,
                               std::map<std::string, std::string> extra) {
  if (options_.bus == nullptr) return;
  events::Event event;
  event.type = "container";
  event.action = std::string(action);
  event.actor_id = record.id();
  for (const auto& [k, v] : record.config().labels()) event.attributes[k] = v;
  event.attributes["image"] = record.image_ref();
  event.attributes["name"] = record.name();
  for (auto& [k, v] : extra) event.attributes[k] = std::move(v);
  options_.bus->Publish(std::move(event));
}

// ---- Create ------------------------------------------------------------------

absl::StatusOr<berth::v1::CreateContainerResponse> ContainerManager::CreateContainer(
    const berth::v1::CreateContainerRequest& request) {
  berth::v1::CreateContainerResponse response;
  const berth::v1::ContainerConfig& config = request.config();
  if (config.image().empty()) return absl::InvalidArgumentError("No image specified");
  if (!request.name().empty()) RETURN_IF_ERROR(containers::ContainerStore::ValidateName(request.name()));
  ASSIGN_OR_RETURN(images::LocalImage image, catalog_.Resolve(config.image()));
  ASSIGN_OR_RETURN(registry::ImageConfig image_config, catalog_.Config(image));
  {
    absl::MutexLock lock(&mu_);
    image_configs_[image.id.str()] = image_config;
  }
  if (MergedArgs(config, image_config).empty()) {
    return absl::InvalidArgumentError("No command specified");
  }
  if (!config.working_dir().empty() && config.working_dir()[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "the working directory '", config.working_dir(), "' is invalid, it needs to be an absolute path"));
  }
  const std::string& nm = request.host_config().network_mode();
  if (!nm.empty() && nm != "none" && nm != "host" && nm != "default" && nm != "bridge") {
    return absl::InvalidArgumentError(absl::StrCat("network ", nm, " not found"));
  }

  ContainerRecord record;
  ASSIGN_OR_RETURN(std::string id, containers::ContainerStore::NewId());
  record.set_id(id);
  absl::string_view given = request.name();
  absl::ConsumePrefix(&given, "/");
  std::string name(given);
  if (name.empty()) {
    ASSIGN_OR_RETURN(name, options_.store->GenerateName());
  }
  record.set_name(name);
  absl::Time now = absl::Now();
  record.mutable_created()->set_seconds(absl::ToUnixSeconds(now));
  record.mutable_created()->set_nanos(static_cast<int32_t>(absl::ToUnixNanos(now) % 1000000000));
  *record.mutable_config() = config;
  if (record.config().hostname().empty()) record.mutable_config()->set_hostname(ShortId(id));
  *record.mutable_host_config() = request.host_config();
  record.set_image_ref(config.image());
  record.set_image_id(image.id.str());
  record.set_snapshot_key(absl::StrCat("container-", id));
  record.mutable_state()->set_status("created");
  const std::string dir = DataDir(id);
  record.set_log_path(base::JoinPath(dir, absl::StrCat(id, "-json.log")));
  record.set_hostname_path(base::JoinPath(dir, "hostname"));
  record.set_hosts_path(base::JoinPath(dir, "hosts"));
  record.set_resolv_conf_path(base::JoinPath(dir, "resolv.conf"));

  std::vector<std::string> warnings;
  ASSIGN_OR_RETURN(SpecFunctions::EtcFiles etc, EtcFilesFor(record, &warnings));

  // The volumes, the snapshot, the files, then the record; undo on error.
  RETURN_IF_ERROR(CreateVolumes(&record, image_config));
  std::string parent = image.manifest.snapshots.empty() ? "" : image.manifest.snapshots.back();
  absl::Status s = options_.snapshotter->Prepare(record.snapshot_key(), parent).status();
  if (!s.ok()) {
    RemoveVolumes(record);
    return s;
  }
  s = [&]() -> absl::Status {
    RETURN_IF_ERROR(base::MakeDirs(dir, 0710));
    RETURN_IF_ERROR(WriteEtcFiles(record, etc, /*only_missing=*/false));
    return options_.store->Create(record);
  }();
  if (!s.ok()) {
    RemoveVolumes(record);
    (void)options_.snapshotter->Remove(record.snapshot_key());
    (void)base::RemoveAll(dir);
    return s;
  }
  Publish("create", record);
  response.set_id(id);
  for (std::string& w : warnings) response.add_warnings(std::move(w));
  return response;
}

absl::StatusOr<SpecFunctions::EtcFiles> ContainerManager::EtcFilesFor(
    const ContainerRecord& record, std::vector<std::string>* warnings) const {
  if (options_.specs.etc_files) return options_.specs.etc_files(record, warnings);
  SpecFunctions::EtcFiles etc;
  etc.hostname = record.config().hostname() + "\n";
  etc.hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  etc.resolv_conf = "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  return etc;
}

// Not fsynced (two fsyncs per file were a fifth of a container start):
// Start writes any of them that a machine crash lost.
absl::Status ContainerManager::WriteEtcFiles(const ContainerRecord& record,
                                             const SpecFunctions::EtcFiles& etc,
                                             bool only_missing) const {
  for (const auto& [path, content] : {std::pair<const std::string&, const std::string&>{
                                          record.hostname_path(), etc.hostname},
                                      {record.hosts_path(), etc.hosts},
                                      {record.resolv_conf_path(), etc.resolv_conf}}) {
    if (only_missing && base::PathExists(path)) continue;
    RETURN_IF_ERROR(base::ReplaceFile(path, content, 0644));
  }
  return absl::OkStatus();
}

// ---- Start -------------------------------------------------------------------

absl::Status ContainerManager::EnsureShim(const ContainerRecord& record) {
  const std::string& id = record.id();
  ShimClient shim = Shim(id);
  if (auto state = shim.State(""); state.ok()) {
    if (state->status() != berth::shim::v1::STATUS_STOPPED) return absl::OkStatus();
    // A leftover from the previous run: release it first.
    TeardownShim(id);
  } else if (base::PathExists(SocketPath(Bundle(id)))) {
    TeardownShim(id);
  }
  ASSIGN_OR_RETURN(registry::ImageConfig image_config, ImageConfigFor(record.image_id()));
  if (!base::PathExists(record.hostname_path()) || !base::PathExists(record.hosts_path()) ||
      !base::PathExists(record.resolv_conf_path())) {
    std::vector<std::string> warnings;
    ASSIGN_OR_RETURN(SpecFunctions::EtcFiles etc, EtcFilesFor(record, &warnings));
    RETURN_IF_ERROR(base::MakeDirs(DataDir(id), 0710));
    RETURN_IF_ERROR(WriteEtcFiles(record, etc, /*only_missing=*/true));
  }
  ASSIGN_OR_RETURN(std::vector<snapshots::Mount> mounts,
                   options_.snapshotter->Mounts(record.snapshot_key()));
  LaunchSpec spec;
  spec.id = id;
  spec.bundle = Bundle(id);
  spec.rootfs_mounts = mounts;
  // The spec is built against the mounted rootfs (users, working dir and
  // mount targets are resolved inside it).
  RETURN_IF_ERROR(base::MakeDirs(spec.bundle, 0711));
  const std::string rootfs = RootfsDir(spec.bundle);
  RETURN_IF_ERROR(MountRootfs(mounts, rootfs));
  if (absl::Status s = PrepareVolumes(record, rootfs); !s.ok()) {
    (void)UnmountRootfs(rootfs);
    return s;
  }
  SpecFiles files{rootfs, record.hostname_path(), record.hosts_path(),
                  record.resolv_conf_path()};
  if (!options_.specs.build_spec) return absl::InternalError("no spec builder");
  absl::StatusOr<std::string> json =
      options_.specs.build_spec(SpecRecord(record), image_config, files);
  if (!json.ok()) {
    (void)UnmountRootfs(rootfs);
    return json.status();
  }
  spec.config_json = *std::move(json);
  const berth::v1::LogConfig& log = record.host_config().log_config();
  spec.no_log = log.type() == "none";
  spec.open_stdin = record.config().open_stdin();
  spec.seccomp_cache_dir = base::JoinPath(options_.exec_root, "seccomp-cache");
  spec.log_path = spec.no_log ? "" : record.log_path();
  if (auto it = log.config().find("max-size"); it != log.config().end()) {
    ASSIGN_OR_RETURN(spec.log_max_size, ParseByteSize(it->second));
  }
  if (auto it = log.config().find("max-file"); it != log.config().end()) {
    if (!absl::SimpleAtoi(it->second, &spec.log_max_file) || spec.log_max_file < 1) {
      return absl::InvalidArgumentError(absl::StrCat("invalid max-file: ", it->second));
    }
  }
  return launcher_.Launch(spec);
}

absl::Status ContainerManager::Start(absl::string_view ref) {
  ASSIGN_OR_RETURN(ContainerRecord record, options_.store->Resolve(ref));
  std::shared_ptr<Live> live = GetLive(record.id());
  absl::MutexLock op(&live->op_mu);
  ASSIGN_OR_RETURN(record, options_.store->Get(record.id()));
  return StartLocked(record);
}

absl::Status ContainerManager::StartLocked(const ContainerRecord& record) {
  const std::string& id = record.id();
  const std::string& status = record.state().status();
  if (status == "running") {
    return absl::FailedPreconditionError(absl::StrCat("container ", id, " is already running"));
  }
  if (status == "paused") {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start a paused container, try unpause instead"));
  }
  if (status == "removing" || status == "dead") {
    return absl::FailedPreconditionError(absl::StrCat(
        "container is marked for removal and cannot be started"));
  }
  absl::Status launched;
  {
    absl::MutexLock lock(&launch_mu_);
    launched = EnsureShim(record);
  }
  auto fail = [&](absl::Status s) {
    // Docker keeps the container "created" with the error and 126/127.
    int code = absl::IsNotFound(s) ? 127 : absl::IsPermissionDenied(s) ? 126 : 128;
    absl::StatusOr<ContainerRecord> failed = Mutate(id, [&](ContainerRecord* r) {
      r->mutable_state()->set_error(std::string(s.message()));
      r->mutable_state()->set_exit_code(code);
    });
    // As dockerd: a container with AutoRemove (`run --rm`) that cannot
    // start is removed with its anonymous volumes, which also ends the
    // client's wait for "removed".
    if (failed.ok() && failed->host_config().auto_remove()) {
      if (absl::Status rm = RemoveLocked(*failed, /*force=*/true, /*volumes=*/true); !rm.ok()) {
        LOG_WARN("auto-remove after a failed start", {{"container", id}, {"error", rm.ToString()}});
      }
    }
    if (absl::IsNotFound(s) || absl::IsPermissionDenied(s)) {
      return absl::InvalidArgumentError(s.message());
    }
    return s;
  };
  if (!launched.ok()) return fail(launched);

  ShimClient shim = Shim(id);
  int64_t generation = ExitGeneration(id);
  absl::StatusOr<int64_t> pid = shim.Start("");
  if (!pid.ok()) {
    TeardownShim(id);
    return fail(pid.status());
  }
  absl::StatusOr<std::unique_ptr<PendingWait>> wait = shim.StartWait("");
  absl::Time now = absl::Now();
  absl::StatusOr<ContainerRecord> updated = Mutate(id, [&](ContainerRecord* r) {
    auto* st = r->mutable_state();
    st->set_status("running");
    st->set_running(true);
    st->set_paused(false);
    st->set_pid(*pid);
    st->set_exit_code(0);
    st->set_error("");
    st->set_oom_killed(false);
    SetProtoTime(now, st->mutable_started_at());
    st->clear_finished_at();
  });
  if (!updated.ok()) return updated.status();
  (void)generation;
  Publish("start", *updated);
  if (!wait.ok()) {
    LOG_WARN("cannot wait for container", {{"id", id}, {"error", wait.status().ToString()}});
    HandleExit(id, 255, absl::Now(), false, /*may_auto_remove=*/false);
    return absl::OkStatus();
  }
  {
    absl::MutexLock lock(&mu_);
    ++watchers_;
    pending_.push_back(wait->get());
  }
  std::thread(&ContainerManager::Watch, this, id, *std::move(wait)).detach();
  return absl::OkStatus();
}

void ContainerManager::Watch(const std::string& id, std::unique_ptr<PendingWait> wait) {
  absl::StatusOr<berth::shim::v1::WaitResponse> result = wait->Result();
  bool shutting_down;
  {
    absl::MutexLock lock(&mu_);
    pending_.erase(std::remove(pending_.begin(), pending_.end(), wait.get()), pending_.end());
    shutting_down = shutting_down_;
  }
  if (!shutting_down || result.ok()) {
    if (result.ok()) {
      absl::Time at = result->exited_at_unix_nanos() != 0
                          ? absl::FromUnixNanos(result->exited_at_unix_nanos())
                          : absl::Now();
      HandleExit(id, result->exit_code(), at, result->oom_killed());
    } else if (!absl::IsCancelled(result.status())) {
      // The shim went away: its exit file, if it wrote one, else 255.
      absl::StatusOr<shim::ExitRecord> exit = shim::ReadExitFile(Bundle(id));
      if (exit.ok()) {
        HandleExit(id, exit->exit_code, exit->exited_at, exit->oom_killed);
      } else {
        HandleExit(id, 255, absl::Now(), false);
      }
    }
  }
  absl::MutexLock lock(&mu_);
  --watchers_;
}

void ContainerManager::HandleExit(const std::string& id, int exit_code, absl::Time exited_at,
                                  bool oom, bool may_auto_remove) {
  std::shared_ptr<Live> live = GetLive(id);
  absl::StatusOr<ContainerRecord> record = Mutate(id, [&](ContainerRecord* r) {
    auto* st = r->mutable_state();
    st->set_status("exited");
    st->set_running(false);
    st->set_paused(false);
    st->set_pid(0);
    st->set_exit_code(exit_code);
    st->set_oom_killed(oom);
    SetProtoTime(exited_at, st->mutable_finished_at());
  });
  TeardownShim(id);
  if (record.ok()) {
    if (oom) Publish("oom", *record);
    Publish("die", *record, {{"exitCode", absl::StrCat(exit_code)}});
  }
  bool auto_remove = may_auto_remove && record.ok() && record->host_config().auto_remove();
  {
    absl::MutexLock lock(&mu_);
    ++live->exit_generation;
    cv_.SignalAll();
    if (live->restarting) auto_remove = false;
  }
  if (auto_remove) {
    absl::MutexLock op(&live->op_mu);
    absl::StatusOr<ContainerRecord> current = options_.store->Get(id);
    if (current.ok() && current->state().status() == "exited") {
      // Docker's AutoRemove removes the anonymous volumes too.
      absl::Status s = RemoveLocked(*current, false, /*volumes=*/true);
      if (!s.ok()) LOG_WARN("auto-remove failed", {{"id", id}, {"error", s.ToString()}});
    }
  }
}

void ContainerManager::TeardownShim(const std::string& id) {
  ShimClient shim = Shim(id);
  const std::string bundle = Bundle(id);
  bool deleted = false;
  if (base::PathExists(SocketPath(bundle))) {
    absl::StatusOr<berth::shim::v1::StateResponse> state = shim.State("");
    if (state.ok() && state->status() != berth::shim::v1::STATUS_STOPPED) {
      if (state->status() == berth::shim::v1::STATUS_PAUSED) (void)shim.Resume();
      (void)shim.Kill("", SIGKILL, true);
      for (int i = 0; i < 100; ++i) {
        state = shim.State("");
        if (!state.ok() || state->status() == berth::shim::v1::STATUS_STOPPED) break;
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
    if (state.ok()) {
      absl::Status s = shim.Delete();
      deleted = s.ok();
      if (!s.ok() && !absl::IsUnavailable(s)) {
        LOG_WARN("shim delete failed", {{"id", id}, {"error", s.ToString()}});
      }
    }
  }
  if (!deleted) {
    // The shim died (or could not delete): kill what it left in the
    // container's cgroup and remove the cgroup, as `runc delete --force`
    // does for containerd. The path is the spec's cgroupsPath.
    absl::Status s = KillAndRemoveCgroup(absl::StrCat("/berth/", id), options_.cgroup_root);
    if (!s.ok()) LOG_WARN("cgroup cleanup failed", {{"id", id}, {"error", s.ToString()}});
  }
  absl::Status s = UnmountRootfs(RootfsDir(bundle));
  if (!s.ok()) LOG_WARN("unmount rootfs failed", {{"id", id}, {"error", s.ToString()}});
  (void)base::RemoveAll(bundle);
}

int64_t ContainerManager::ExitGeneration(const std::string& id) {
  std::shared_ptr<Live> live = GetLive(id);
  absl::MutexLock lock(&mu_);
  return live->exit_generation;
}

bool ContainerManager::WaitForExit(const std::string& id, int64_t generation,
                                   absl::Duration timeout) {
  std::shared_ptr<Live> live = GetLive(id);
  absl::Time deadline = timeout < absl::ZeroDuration() ? absl::InfiniteFuture()
                                                       : absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (live->exit_generation == generation && !live->removed) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) {
      return live->exit_generation != generation || live->removed;
    }
  }
  return true;
}

}  // namespace engine::runtime
