// ContainerManager: list, inspect, logs, top and stats.

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/runtime/cgroup_stats.h"
#include "engine/runtime/container_filters.h"
#include "engine/runtime/container_manager.h"
#include "engine/runtime/container_manager_internal.h"
#include "engine/runtime/log_reader.h"

namespace engine::runtime {

using containers::ContainerRecord;

namespace {

bool IsRunning(const ContainerRecord& r) {
  return r.state().status() == "running" || r.state().status() == "paused";
}

std::string CgroupPath(absl::string_view id) { return absl::StrCat("/berth/", id); }

}  // namespace

absl::StatusOr<berth::v1::ListContainersResponse> ContainerManager::List(
    const berth::v1::ListContainersRequest& request) {
  FilterResolvers resolvers;
  resolvers.container_created = [this](absl::string_view ref) -> absl::StatusOr<absl::Time> {
    ASSIGN_OR_RETURN(ContainerRecord r, options_.store->Resolve(ref));
    return FromProtoTime(r.created());
  };
  resolvers.image_id = [this](absl::string_view ref) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(images::LocalImage image, catalog_.Resolve(ref));
    return image.id.str();
  };
  ASSIGN_OR_RETURN(ContainerFilter filter, ContainerFilter::Parse(request.filters(), resolvers));
  ASSIGN_OR_RETURN(std::vector<ContainerRecord> records, options_.store->List());
  bool all = request.all() || request.limit() > 0 || request.latest();
  // Filtering on a stopped state implies --all, as Docker does.
  for (const berth::v1::Filter& f : request.filters()) {
    if (f.key() == "exited" || (f.key() == "status" && f.value() != "running" &&
                                f.value() != "paused")) {
      all = true;
    }
  }
  int limit = request.latest() ? 1 : request.limit();
  absl::Time now = absl::Now();
  berth::v1::ListContainersResponse response;
  int seen = 0;
  for (const ContainerRecord& r : records) {
    if (limit > 0 && seen >= limit) break;
    if (!all && !IsRunning(r)) continue;
    berth::v1::ContainerSummary s;
    s.set_id(r.id());
    s.add_names(absl::StrCat("/", r.name()));
    s.set_image(r.image_ref());
    s.set_image_id(r.image_id());
    absl::StatusOr<registry::ImageConfig> image = ImageConfigFor(r.image_id());
    s.set_command(CommandText(image.ok() ? MergedArgs(r.config(), *image)
                                         : std::vector<std::string>(r.config().cmd().begin(),
                                                                    r.config().cmd().end())));
    *s.mutable_created() = r.created();
    s.set_state(r.state().status());
    s.set_status(StatusText(r.state().status(), r.state().exit_code(),
                            FromProtoTime(r.state().started_at()),
                            FromProtoTime(r.state().finished_at()), now));
    *s.mutable_labels() = r.config().labels();
    s.set_network_mode(r.host_config().network_mode().empty() ? "default"
                                                              : r.host_config().network_mode());
    MountPointsOf(r, s.mutable_mounts());
    if (!filter.Matches(FilterSubject{&s, r.state().exit_code()})) continue;
    ++seen;
    if (request.size()) {
      absl::StatusOr<int64_t> usage = options_.snapshotter->Usage(r.snapshot_key());
      if (usage.ok()) s.set_size_rw(*usage);
    }
    *response.add_containers() = std::move(s);
  }
  return response;
}

absl::StatusOr<berth::v1::ContainerInfo> ContainerManager::Inspect(absl::string_view ref,
                                                                   bool size) {
  ASSIGN_OR_RETURN(ContainerRecord r, options_.store->Resolve(ref));
  berth::v1::ContainerInfo info;
  info.set_id(r.id());
  *info.mutable_created() = r.created();
  *info.mutable_state() = r.state();
  if (info.state().status().empty()) info.mutable_state()->set_status("created");
  info.set_image(r.image_id());
  info.set_name(absl::StrCat("/", r.name()));
  info.set_restart_count(r.restart_count());
  info.set_driver("overlayfs");
  info.set_platform("linux");
  info.set_resolv_conf_path(r.resolv_conf_path());
  info.set_hostname_path(r.hostname_path());
  info.set_hosts_path(r.hosts_path());
  info.set_log_path(r.log_path());
  *info.mutable_config() = r.config();
  *info.mutable_host_config() = r.host_config();
  absl::StatusOr<registry::ImageConfig> image = ImageConfigFor(r.image_id());
  if (image.ok()) {
    std::vector<std::string> args = MergedArgs(r.config(), *image);
    if (!args.empty()) {
      info.set_path(args[0]);
      for (size_t i = 1; i < args.size(); ++i) info.add_args(args[i]);
    }
    // Config with the image's defaults merged in, as Docker shows it.
    berth::v1::ContainerConfig* c = info.mutable_config();
    if (!c->has_entrypoint() && !image->config.entrypoint.empty()) {
      for (const std::string& e : image->config.entrypoint) c->mutable_entrypoint()->add_values(e);
    }
    if (c->cmd_size() == 0 && !r.config().has_entrypoint()) {
      for (const std::string& a : image->config.cmd) c->add_cmd(a);
    }
    std::vector<std::string> env = image->config.env;
    for (const std::string& e : r.config().env()) {
      std::string key = e.substr(0, e.find('='));
      bool replaced = false;
      for (std::string& have : env) {
        if (have.substr(0, have.find('=')) == key) {
          have = e;
          replaced = true;
        }
      }
      if (!replaced) env.push_back(e);
    }
    c->clear_env();
    for (const std::string& e : env) c->add_env(e);
    if (c->working_dir().empty()) c->set_working_dir(image->config.working_dir);
    if (c->user().empty()) c->set_user(image->config.user);
    for (const auto& [k, v] : image->config.labels) c->mutable_labels()->insert({k, v});
  }
  MountPointsOf(r, info.mutable_mounts());
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, exec] : execs_) {
      if (exec->container_id == r.id()) info.add_exec_ids(id);
    }
  }
  absl::StatusOr<snapshots::SnapshotInfo> snap = options_.snapshotter->Stat(r.snapshot_key());
  if (snap.ok()) {
    (*info.mutable_graph_driver_data())["UpperDir"] = snap->upper_dir;
    std::string dir = snap->upper_dir.substr(0, snap->upper_dir.rfind('/'));
    (*info.mutable_graph_driver_data())["WorkDir"] = dir + "/work";
    (*info.mutable_graph_driver_data())["MergedDir"] = RootfsDir(Bundle(r.id()));
  }
  if (size) {
    absl::StatusOr<int64_t> usage = options_.snapshotter->Usage(r.snapshot_key());
    if (usage.ok()) info.set_size_rw(*usage);
  }
  return info;
}

absl::Status ContainerManager::Logs(const berth::v1::LogsRequest& request,
                                    const std::function<bool(const berth::v1::LogEntry&)>& sink,
                                    const std::function<bool()>& cancelled) {
  ASSIGN_OR_RETURN(ContainerRecord r, options_.store->Resolve(request.id()));
  if (r.host_config().log_config().type() == "none") {
    return absl::FailedPreconditionError(
        "configured logging driver does not support reading");
  }
  LogReadOptions options;
  options.want_stdout = request.stdout() || (!request.stdout() && !request.stderr());
  options.want_stderr = request.stderr() || (!request.stdout() && !request.stderr());
  if (request.has_since()) {
    absl::Time t = FromProtoTime(request.since());
    if (t != absl::UnixEpoch()) options.since = t;
  }
  if (request.has_until()) {
    absl::Time t = FromProtoTime(request.until());
    if (t != absl::UnixEpoch()) options.until = t;
  }
  ASSIGN_OR_RETURN(options.tail, ParseTail(request.tail()));
  options.follow = request.follow() && IsRunning(r);
  const std::string id = r.id();
  std::shared_ptr<Live> live = GetLive(id);
  int64_t generation;
  {
    absl::MutexLock lock(&mu_);
    generation = live->exit_generation;
  }
  auto stop = [&]() {
    if (cancelled && cancelled()) return true;
    absl::MutexLock lock(&mu_);
    return live->exit_generation != generation || live->removed;
  };
  return ReadLogs(
      r.log_path(), options,
      [&](const LogLine& line) {
        if (cancelled && cancelled()) return false;
        berth::v1::LogEntry entry;
        entry.set_stream(line.is_stderr ? berth::v1::STD_STREAM_STDERR
                                        : berth::v1::STD_STREAM_STDOUT);
        entry.set_data(line.data);
        SetProtoTime(line.time, entry.mutable_time());
        return sink(entry);
      },
      stop);
}

absl::StatusOr<berth::v1::TopResponse> ContainerManager::Top(absl::string_view ref,
                                                             absl::string_view ps_args) {
  ASSIGN_OR_RETURN(ContainerRecord r, options_.store->Resolve(ref));
  if (!IsRunning(r)) {
    return absl::FailedPreconditionError(absl::StrCat("Container ", r.id(), " is not running"));
  }
  ASSIGN_OR_RETURN(std::vector<pid_t> pids, CgroupPids(CgroupPath(r.id()), options_.cgroup_root));
  return RunTop(pids, ps_args);
}

absl::Status ContainerManager::Stats(
    absl::string_view ref, bool stream,
    const std::function<bool(const berth::v1::ContainerStats&)>& sink) {
  ASSIGN_OR_RETURN(ContainerRecord r, options_.store->Resolve(ref));
  const std::string id = r.id();
  for (;;) {
    berth::v1::ContainerStats stats;
    stats.set_id(id);
    absl::StatusOr<ContainerRecord> now = options_.store->Get(id);
    if (!now.ok()) return now.status();
    stats.set_name(absl::StrCat("/", now->name()));
    SetProtoTime(absl::Now(), stats.mutable_read());
    if (IsRunning(*now)) {
      absl::StatusOr<CgroupStats> cg = ReadCgroupStats(CgroupPath(id), options_.cgroup_root);
      if (cg.ok()) {
        stats.set_cpu_total_usage(cg->cpu_total_ns);
        stats.set_memory_usage(cg->memory_usage);
        stats.set_memory_limit(cg->memory_limit);
        stats.set_memory_cache(cg->memory_cache);
        stats.set_pids_current(cg->pids_current);
        stats.set_pids_limit(cg->pids_limit);
        stats.set_block_read_bytes(cg->block_read);
        stats.set_block_write_bytes(cg->block_write);
      }
      absl::StatusOr<uint64_t> sys = SystemCpuUsageNanos();
      if (sys.ok()) stats.set_system_cpu_usage(*sys);
      stats.set_online_cpus(OnlineCpus());
    }
    if (!sink(stats) || !stream) return absl::OkStatus();
    absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace engine::runtime
