// ContainerManager: a container's volumes (engine/volumes). They are made
// at create, filled from the image (copy-up) before the container first
// starts, mounted as binds of their _data directories, shown by inspect,
// and the anonymous ones removed with `rm -v` or --rm.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/base/log.h"
#include "engine/base/status_macros.h"
#include "engine/containers/rootfs_files.h"
#include "engine/runtime/container_manager.h"
#include "engine/runtime/container_manager_internal.h"

namespace engine::runtime {

using containers::ContainerRecord;
using VolumeMount = ::berth::engine::v1::VolumeMount;

namespace {

bool HasOption(const google::protobuf::RepeatedPtrField<std::string>& options,
               absl::string_view option) {
  return std::find(options.begin(), options.end(), option) != options.end();
}

absl::Status CheckTarget(const std::string& target) {
  if (target.empty() || target[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid mount config: the mount destination '", target,
                     "' is not an absolute path"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ContainerManager::CreateVolumes(ContainerRecord* record,
                                             const registry::ImageConfig& image) {
  std::vector<std::string> covered;
  for (const berth::v1::Mount& m : record->host_config().mounts()) {
    covered.push_back(containers::CleanPath(m.target()));
  }
  std::vector<std::string> made;
  absl::Status s = [&]() -> absl::Status {
    for (const berth::v1::Mount& m : record->host_config().mounts()) {
      if (m.type() != "volume") continue;
      RETURN_IF_ERROR(CheckTarget(m.target()));
      const bool copy_up = !HasOption(m.options(), "nocopy");
      VolumeMount vm;
      vm.set_destination(containers::CleanPath(m.target()));
      vm.set_read_only(m.read_only());
      *vm.mutable_options() = m.options();
      volumes::Volume volume;
      if (m.source().empty()) {
        ASSIGN_OR_RETURN(volume, volumes_->CreateAnonymous(copy_up));
        made.push_back(volume.name);
        vm.set_anonymous(true);
        record->add_anonymous_volumes(volume.name);
      } else {
        ASSIGN_OR_RETURN(volume, volumes_->Ensure(m.source(), copy_up));
      }
      vm.set_name(volume.name);
      *record->add_volume_mounts() = std::move(vm);
    }
    // `-v /path` and the image's VOLUMEs, unless a mount covers the path.
    std::vector<std::string> anonymous(record->config().volumes().begin(),
                                       record->config().volumes().end());
    anonymous.insert(anonymous.end(), image.config.volumes.begin(), image.config.volumes.end());
    for (const std::string& target : anonymous) {
      RETURN_IF_ERROR(CheckTarget(target));
      std::string dest = containers::CleanPath(target);
      if (std::find(covered.begin(), covered.end(), dest) != covered.end()) continue;
      covered.push_back(dest);
      ASSIGN_OR_RETURN(volumes::Volume volume, volumes_->CreateAnonymous(/*copy_up=*/true));
      made.push_back(volume.name);
      VolumeMount* vm = record->add_volume_mounts();
      vm->set_name(volume.name);
      vm->set_destination(dest);
      vm->set_anonymous(true);
      record->add_anonymous_volumes(volume.name);
    }
    return absl::OkStatus();
  }();
  if (!s.ok()) {
    for (const std::string& name : made) (void)volumes_->Remove(name);
    record->clear_volume_mounts();
    record->clear_anonymous_volumes();
  }
  return s;
}

absl::Status ContainerManager::PrepareVolumes(const ContainerRecord& record,
                                              absl::string_view rootfs) {
  for (const VolumeMount& vm : record.volume_mounts()) {
    if (HasOption(vm.options(), "nocopy")) continue;
    RETURN_IF_ERROR(volumes_->CopyUpIfPending(vm.name(), rootfs, vm.destination()));
  }
  return absl::OkStatus();
}

ContainerRecord ContainerManager::SpecRecord(const ContainerRecord& record) const {
  ContainerRecord out = record;
  if (record.volume_mounts().empty()) return out;
  auto* mounts = out.mutable_host_config()->mutable_mounts();
  mounts->Clear();
  auto is_volume_dest = [&](const std::string& target) {
    std::string dest = containers::CleanPath(target);
    for (const VolumeMount& vm : record.volume_mounts()) {
      if (vm.destination() == dest) return true;
    }
    return false;
  };
  for (const berth::v1::Mount& m : record.host_config().mounts()) {
    if (m.type() == "volume" && is_volume_dest(m.target())) continue;
    *mounts->Add() = m;
  }
  for (const VolumeMount& vm : record.volume_mounts()) {
    berth::v1::Mount* m = mounts->Add();
    m->set_type("volume");
    m->set_source(volumes_->DataPath(vm.name()));
    m->set_target(vm.destination());
    m->set_read_only(vm.read_only());
    for (const std::string& o : vm.options()) {
      // Docker-only modes, not mount options.
      if (o != "nocopy" && o != "z" && o != "Z") m->add_options(o);
    }
  }
  return out;
}

void ContainerManager::MountPointsOf(
    const ContainerRecord& record,
    google::protobuf::RepeatedPtrField<berth::v1::MountPoint>* out) const {
  for (const berth::v1::Mount& m : record.host_config().mounts()) {
    if (m.type() == "volume") continue;
    berth::v1::MountPoint* p = out->Add();
    p->set_type(m.type());
    p->set_source(m.source());
    p->set_destination(m.target());
    p->set_rw(!m.read_only());
    p->set_mode(m.read_only() ? "ro" : "");
    p->set_propagation(m.type() == "bind" ? "rprivate" : "");
  }
  for (const VolumeMount& vm : record.volume_mounts()) {
    berth::v1::MountPoint* p = out->Add();
    p->set_type("volume");
    p->set_name(vm.name());
    p->set_source(volumes_->DataPath(vm.name()));
    p->set_destination(vm.destination());
    p->set_driver(volumes::kLocalDriver);
    p->set_rw(!vm.read_only());
    // Docker shows "z" for a named volume given without a mode.
    p->set_mode(vm.read_only() ? "ro" : vm.anonymous() ? "" : "z");
  }
}

void ContainerManager::RemoveVolumes(const ContainerRecord& record) {
  if (record.anonymous_volumes().empty()) return;
  absl::StatusOr<std::vector<ContainerRecord>> all = options_.store->List();
  for (const std::string& name : record.anonymous_volumes()) {
    bool in_use = false;
    if (all.ok()) {
      for (const ContainerRecord& other : *all) {
        if (other.id() == record.id()) continue;
        for (const VolumeMount& vm : other.volume_mounts()) {
          if (vm.name() == name) in_use = true;
        }
      }
    }
    if (in_use) {
      LOG_WARN("volume is in use, not removed", {{"volume", name}, {"id", record.id()}});
      continue;
    }
    absl::Status s = volumes_->Remove(name);
    if (!s.ok() && !absl::IsNotFound(s)) {
      LOG_WARN("cannot remove volume", {{"volume", name}, {"error", s.ToString()}});
    }
  }
}

}  // namespace engine::runtime
