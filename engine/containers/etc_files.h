// -----------------------------------------------------------------------------
// File: etc_files.h
// -----------------------------------------------------------------------------
//
// Contents of the per-container /etc/hostname, /etc/hosts and
// /etc/resolv.conf that berthd writes in <data-root>/containers/<id>/ and
// bind-mounts into the container, with Docker's rules (libnetwork etchosts
// and resolvconf).
//
// Thread-safety: pure functions.

#ifndef ENGINE_CONTAINERS_ETC_FILES_H_
#define ENGINE_CONTAINERS_ETC_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace containers {

// "<hostname>\n".
std::string HostnameFileContent(absl::string_view hostname);

struct HostsOptions {
  std::string hostname;
  std::string domainname;
  // The container's own address; empty when it has none besides loopback
  // (network none, or the default network of this release): then no line
  // names the hostname, as Docker does for --network none.
  std::string ip;
  // "host:ip" entries (--add-host), appended in order.
  std::vector<std::string> extra_hosts;
};

// The localhost lines (IPv4 and IPv6), then "<ip>\t<hostname>[.domain]
// <hostname>" when `ip` is set, then the extra hosts. InvalidArgument
// "invalid argument \"x\" for \"--add-host\" flag" for an extra host that
// is not "host:ip".
absl::StatusOr<std::string> HostsFileContent(const HostsOptions& options);

struct ResolvConf {
  std::string content;
  // True when no usable nameserver was left and Docker's fallback
  // (8.8.8.8, 8.8.4.4) was written; the daemon warns.
  bool used_fallback = false;
};

// From the host's resolv.conf: with `host_network` a verbatim copy; else
// nameservers on loopback (127.0.0.0/8, ::1) are removed and, if none is
// left, 8.8.8.8 and 8.8.4.4 are added. `dns` (--dns), when non-empty,
// replaces every nameserver line.
ResolvConf ResolvConfContent(absl::string_view host_resolv_conf, bool host_network,
                             const std::vector<std::string>& dns);

// The host file to copy: /etc/resolv.conf, or systemd-resolved's upstream
// file when /etc/resolv.conf only names its 127.0.0.53 stub.
std::string HostResolvConfPath();

}  // namespace containers
}  // namespace engine

#endif  // ENGINE_CONTAINERS_ETC_FILES_H_
