// The mount half of spec_builder.h: Docker's default mounts, user mounts,
// the /etc file binds, and the masked paths.

#include <glob.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "engine/containers/rootfs_files.h"
#include "engine/containers/spec_internal.h"

namespace engine {
namespace containers {
namespace internal {
namespace {

constexpr const char* kMaskedPaths[] = {
    "/proc/acpi",          "/proc/asound",       "/proc/interrupts", "/proc/kcore",
    "/proc/keys",          "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
    "/proc/timer_list",    "/proc/timer_stats",  "/sys/devices/virtual/powercap",
    "/sys/firmware",
};
size_t Depth(absl::string_view path) {
  return std::count(path.begin(), path.end(), '/');
}

std::vector<MountSpec> DefaultMounts(const berth::v1::HostConfig& host) {
  int64_t shm = host.shm_size() > 0 ? host.shm_size() : kDefaultShmSize;
  std::vector<MountSpec> m = {
      {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts", "devpts", "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"/dev/shm", "tmpfs", "shm",
       {"nosuid", "noexec", "nodev", "mode=1777", absl::StrCat("size=", shm)}},
  };
  if (host.privileged()) {
    for (MountSpec& mount : m) {
      if (mount.destination == "/sys" || mount.destination == "/sys/fs/cgroup") {
        mount.options.erase(std::remove(mount.options.begin(), mount.options.end(), "ro"),
                            mount.options.end());
      }
    }
  }
  return m;
}

absl::StatusOr<MountSpec> UserMount(const berth::v1::Mount& m) {
  if (m.target().empty() || m.target()[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid mount config: the mount destination '", m.target(),
                     "' is not an absolute path"));
  }
  MountSpec out;
  out.destination = CleanPath(m.target());
  if (m.type() == "tmpfs") {
    out.type = "tmpfs";
    out.source = "tmpfs";
    std::vector<std::string> defaults = {"noexec", "nosuid", "nodev"};
    for (const std::string& o : m.options()) {
      // "exec", "suid", "dev" lift a default.
      for (const char* flag : {"exec", "suid", "dev"}) {
        if (o == flag) {
          defaults.erase(std::remove(defaults.begin(), defaults.end(), absl::StrCat("no", flag)),
                         defaults.end());
        }
      }
    }
    out.options = defaults;
    for (const std::string& o : m.options()) {
      if (o != "exec" && o != "suid" && o != "dev") out.options.push_back(o);
    }
    if (m.read_only()) out.options.push_back("ro");
    return out;
  }
  if (m.type() == "bind" || m.type() == "volume" || m.type().empty()) {
    if (m.source().empty() || m.source()[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid mount config: the mount source '", m.source(), "' is not an absolute path"));
    }
    out.type = "bind";
    out.source = m.source();
    out.options = {"rbind"};
    bool propagation = false;
    for (const std::string& o : m.options()) {
      if (absl::EndsWith(o, "private") || absl::EndsWith(o, "shared") ||
          absl::EndsWith(o, "slave")) {
        propagation = true;
      }
      if (o != "ro" && o != "rw") out.options.push_back(o);
    }
    if (!propagation) out.options.push_back("rprivate");
    out.options.push_back(m.read_only() ? "ro" : "rw");
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat("invalid mount config: mount type unknown: \"",
                                                 m.type(), "\""));
}

}  // namespace

absl::StatusOr<std::vector<MountSpec>> AllMounts(const ContainerRecord& record,
                                                 const SpecPaths& paths) {
  const berth::v1::HostConfig& host = record.host_config();
  std::vector<MountSpec> extra;  // user mounts and the /etc files
  for (const berth::v1::Mount& m : host.mounts()) {
    ASSIGN_OR_RETURN(MountSpec spec, UserMount(m));
    for (const MountSpec& seen : extra) {
      if (seen.destination == spec.destination) {
        return absl::InvalidArgumentError(
            absl::StrCat("Duplicate mount point: ", spec.destination));
      }
    }
    extra.push_back(std::move(spec));
  }
  auto user_has = [&](absl::string_view dest) {
    return std::any_of(extra.begin(), extra.end(),
                       [&](const MountSpec& m) { return m.destination == dest; });
  };
  for (auto [dest, source] : {std::make_pair("/etc/resolv.conf", &paths.resolv_conf_file),
                              std::make_pair("/etc/hostname", &paths.hostname_file),
                              std::make_pair("/etc/hosts", &paths.hosts_file)}) {
    if (source->empty() || user_has(dest)) continue;
    extra.push_back(MountSpec{dest, "bind", *source,
                              {"rbind", "rprivate", host.read_only() ? "ro" : "rw"}});
  }
  std::vector<MountSpec> mounts;
  for (MountSpec& m : DefaultMounts(host)) {
    if (user_has(m.destination)) continue;  // the user's replaces Docker's default
    if (host.read_only() && (m.destination == "/sys" || m.destination == "/sys/fs/cgroup") &&
        std::find(m.options.begin(), m.options.end(), "ro") == m.options.end()) {
      m.options.push_back("ro");
    }
    mounts.push_back(std::move(m));
  }
  // Parents before children, otherwise in the given order.
  std::stable_sort(extra.begin(), extra.end(), [](const MountSpec& a, const MountSpec& b) {
    return Depth(a.destination) < Depth(b.destination);
  });
  for (MountSpec& m : extra) mounts.push_back(std::move(m));
  return mounts;
}

std::vector<std::string> MaskedPaths() {
  std::vector<std::string> out(std::begin(kMaskedPaths), std::end(kMaskedPaths));
  glob_t g;
  if (::glob("/sys/devices/system/cpu/cpu[0-9]*/thermal_throttle", GLOB_ONLYDIR, nullptr, &g) ==
      0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

}  // namespace internal
}  // namespace containers
}  // namespace engine
