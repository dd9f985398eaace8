// -----------------------------------------------------------------------------
// File: spec_builder.h
// -----------------------------------------------------------------------------
//
// Builds a container's OCI runtime-spec config.json (and an exec's OCI
// "process" object) from its record, its image's config and its paths,
// with Docker's rules (moby daemon/oci_linux.go, daemon/create.go,
// oci/defaults.go):
//
//   - args: Entrypoint + Cmd. A user Cmd replaces the image's; a present
//     user Entrypoint replaces the image's and, unless a Cmd is given, drops
//     the image's Cmd. Nothing left: InvalidArgument "No command specified".
//   - env: PATH (default /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:
//     /sbin:/bin), HOSTNAME, TERM=xterm with a tty, then the image's env,
//     then the user's (a key set again is replaced in place; "KEY" alone
//     unsets it); last, as runc does, HOME from the user's passwd entry
//     ("/" when it has none) unless the environment already sets HOME.
//   - cwd: the user's, else the image's, else "/"; it must be absolute and
//     must not resolve (through the rootfs's symlinks) into /proc.
//   - user and groups: resolved in the rootfs's /etc/passwd and /etc/group
//     (user_lookup.h); ids beyond int32 are refused.
//   - hostname: the record's, else the first 12 digits of the ID (the
//     host's name with network_mode host).
//   - namespaces pid, ipc, uts, mount, cgroup and network (not with
//     network_mode host); Docker's default mounts, then user binds/tmpfs and
//     the /etc/hostname, /etc/hosts, /etc/resolv.conf binds, parents first;
//     masked and read-only paths (none when privileged); capabilities
//     (capabilities.h); seccomp (seccomp_profile.h) unless unconfined or
//     privileged; no_new_privileges from security_opt; rlimits (nofile
//     1048576 unless a ulimit sets it); resources; cgroupsPath
//     "/berth/<id>"; `"berth.init": "true"` for --init.
//
// Errors: InvalidArgument for anything the user or the image got wrong
// (with Docker's wording where Docker has one); errno statuses when the
// rootfs cannot be read.
//
// Thread-safety: pure functions (they read the rootfs and /proc/sys).

#ifndef ENGINE_CONTAINERS_SPEC_BUILDER_H_
#define ENGINE_CONTAINERS_SPEC_BUILDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/containers/container_store.h"
#include "engine/registry/manifest.h"
#include "proto/berth/v1/containers.pb.h"

namespace engine {
namespace containers {

inline constexpr char kDefaultPathEnv[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
inline constexpr int64_t kDefaultShmSize = 64 << 20;

struct SpecPaths {
  std::string rootfs;  // mounted rootfs dir (bundle/rootfs)
  std::string hostname_file, hosts_file, resolv_conf_file;
};

// The config.json text.
absl::StatusOr<std::string> BuildSpec(const ContainerRecord& record,
                                      const registry::ImageConfig& image,
                                      const SpecPaths& paths);

// The OCI "process" object (JSON text) for an exec into the running
// container. Its cmd must not be empty ("No exec command specified").
absl::StatusOr<std::string> BuildExecProcess(const ContainerRecord& record,
                                             const registry::ImageConfig& image,
                                             const berth::v1::ExecCreateRequest& exec,
                                             absl::string_view rootfs);

// Contents of the container's /etc/hostname, /etc/hosts and
// /etc/resolv.conf (etc_files.h), from its record (hostname, domainname,
// network mode, dns, extra hosts) and the host's files. With network_mode
// "host", /etc/hosts is a copy of the host's (plus extra hosts). A warning
// is appended to `warnings` (may be null) when resolv.conf falls back to
// public DNS servers.
struct EtcFilesContent {
  std::string hostname, hosts, resolv_conf;
};
absl::StatusOr<EtcFilesContent> BuildEtcFiles(const ContainerRecord& record,
                                              std::vector<std::string>* warnings);

// --- The pieces, exposed for the services layer (inspect) and tests. -------

// Entrypoint + Cmd after the merge; InvalidArgument "No command specified"
// when empty.
absl::StatusOr<std::vector<std::string>> MergedArgs(const berth::v1::ContainerConfig& config,
                                                    const registry::ImageConfig& image);

// The process environment (see the file comment).
std::vector<std::string> MergedEnv(const berth::v1::ContainerConfig& config,
                                   const registry::ImageConfig& image,
                                   absl::string_view hostname);

// Appends "HOME=<home>" unless `env` already has a HOME entry (runc sets
// HOME from the process user's passwd entry the same way).
void AddDefaultHome(std::vector<std::string>* env, absl::string_view home);

// The container's hostname: configured, else the short ID (the host's name
// with network_mode "host").
std::string EffectiveHostname(const ContainerRecord& record);

// The working directory (see the file comment); `rootfs` is used to
// resolve symlinks, and may be "" to skip that check.
absl::StatusOr<std::string> WorkingDir(absl::string_view configured,
                                       const registry::ImageConfig& image,
                                       absl::string_view rootfs);

// The capability set the container's processes get.
absl::StatusOr<std::vector<std::string>> ContainerCapabilities(const berth::v1::HostConfig& host);

struct SecurityOptions {
  bool seccomp_unconfined = false;
  std::string seccomp_profile_json;  // a user profile (Docker format), if any
  bool no_new_privileges = false;
};

// Parses security_opt entries: "seccomp=unconfined", "seccomp=<JSON>",
// "no-new-privileges[:true|false]" (also with "="), "apparmor=..." and
// "label=..." (accepted, not applied). InvalidArgument
// "invalid --security-opt 2: \"x\"" otherwise.
absl::StatusOr<SecurityOptions> ParseSecurityOptions(const std::vector<std::string>& opts);

}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_SPEC_BUILDER_H_
