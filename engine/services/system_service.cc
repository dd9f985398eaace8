#include "engine/services/system_service.h"

#include "absl/time/clock.h"
#include "engine/server/config.h"
#include "engine/server/host_info.h"
#include "engine/services/status_convert.h"

namespace engine::services {
namespace {

void ToTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  timespec ts = absl::ToTimespec(t);
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace

SystemService::SystemService(SystemServiceOptions options, events::EventBus* bus)
    : options_(std::move(options)), bus_(bus) {}

grpc::Status SystemService::Version(grpc::ServerContext*,
                                    const berth::v1::VersionRequest*,
                                    berth::v1::VersionResponse* response) {
  server::HostInfo host = server::CollectHostInfo();
  response->set_version(server::kBerthVersion);
  response->set_api_version(server::kApiVersion);
  response->set_git_commit(server::GitCommit());
  response->set_os(host.os_type);
  response->set_arch(host.architecture);
  response->set_kernel_version(host.kernel_version);
#if defined(__clang__)
  response->set_compiler("clang " __clang_version__);
#else
  response->set_compiler("gcc " __VERSION__);
#endif
  return grpc::Status::OK;
}

grpc::Status SystemService::Info(grpc::ServerContext*,
                                 const berth::v1::InfoRequest*,
                                 berth::v1::InfoResponse* response) {
  server::HostInfo host = server::CollectHostInfo();
  response->set_id(options_.engine_id);
  response->set_name(host.hostname);
  response->set_server_version(server::kBerthVersion);
  if (options_.image_count) {
    absl::StatusOr<int64_t> images = options_.image_count();
    if (images.ok()) response->set_images(*images);
  }
  response->set_storage_driver("overlayfs");
  response->set_data_root(options_.data_root);
  response->set_exec_root(options_.exec_root);
  response->set_logging_driver("json-file");
  response->set_cgroup_driver("cgroupfs");
  response->set_cgroup_version(host.cgroup_version);
  response->set_kernel_version(host.kernel_version);
  response->set_operating_system(host.operating_system);
  response->set_os_type(host.os_type);
  response->set_architecture(host.architecture);
  response->set_ncpu(host.ncpu);
  response->set_mem_total(host.mem_total);
  for (const std::string& r : options_.insecure_registries) {
    response->add_insecure_registries(r);
  }
  for (const std::string& m : options_.registry_mirrors) {
    response->add_registry_mirrors(m);
  }
  response->set_max_concurrent_downloads(options_.max_concurrent_downloads);
  response->add_security_options("name=seccomp,profile=builtin");
  response->set_default_runtime("berth");
  ToTimestamp(absl::Now(), response->mutable_system_time());
  response->set_debug(options_.debug);
  return grpc::Status::OK;
}

grpc::Status SystemService::Events(grpc::ServerContext* context,
                                   const berth::v1::EventsRequest* request,
                                   grpc::ServerWriter<berth::v1::Event>* writer) {
  events::EventFilter filter;
  for (const berth::v1::Filter& f : request->filters()) {
    absl::Status added = filter.Add(f.key(), f.value());
    if (!added.ok()) return ToGrpcStatus(added);
  }
  absl::Time since = request->has_since() ? FromTimestamp(request->since())
                                          : absl::InfiniteFuture();
  absl::Time until = request->has_until() ? FromTimestamp(request->until())
                                          : absl::InfiniteFuture();
  if (request->has_until() && !request->has_since()) {
    // `docker events --until` alone replays what is buffered up to `until`.
    since = absl::InfinitePast();
  }
  std::unique_ptr<events::Subscription> sub =
      bus_->Subscribe(std::move(filter), since, until);
  // The sync API has no cancellation callback, so an idle stream checks
  // IsCancelled every `events_poll`.
  while (!context->IsCancelled()) {
    absl::StatusOr<events::Event> ev =
        sub->Next(absl::Now() + options_.events_poll);
    if (absl::IsDeadlineExceeded(ev.status())) continue;
    if (!ev.ok()) break;  // until reached, or the daemon is shutting down
    berth::v1::Event out;
    out.set_type(ev->type);
    out.set_action(ev->action);
    out.set_actor_id(ev->actor_id);
    for (const auto& [k, v] : ev->attributes) (*out.mutable_attributes())[k] = v;
    ToTimestamp(ev->time, out.mutable_time());
    if (!writer->Write(out)) break;  // the client went away
  }
  return grpc::Status::OK;
}

}  // namespace engine::services
