#include "shim/oci/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"

namespace shim::oci {
namespace {

struct Kind {
  const char* type;  // OCI name
  const char* proc;  // /proc/<pid>/ns/<proc>
  int flag;
};

// The order in which exec joins them: mount last.
constexpr Kind kKinds[] = {
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"ipc", "ipc", CLONE_NEWIPC},
    {"uts", "uts", CLONE_NEWUTS},          {"network", "net", CLONE_NEWNET},
    {"pid", "pid", CLONE_NEWPID},          {"mount", "mnt", CLONE_NEWNS},
};

absl::Status Join(const std::string& path, int flag) {
  base::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", path));
  if (setns(fd.get(), flag) != 0) return base::ErrnoError(errno, absl::StrCat("setns ", path));
  return absl::OkStatus();
}

}  // namespace

int CloneFlags(const Spec& spec) {
  int flags = 0;
  for (const NamespaceSpec& ns : spec.namespaces) {
    if (!ns.path.empty()) continue;
    for (const Kind& k : kKinds) {
      if (ns.type == k.type && k.flag != CLONE_NEWCGROUP) flags |= k.flag;
    }
  }
  return flags;
}

absl::Status JoinSpecNamespaces(const Spec& spec) {
  for (const NamespaceSpec& ns : spec.namespaces) {
    for (const Kind& k : kKinds) {
      if (ns.type != k.type) continue;
      if (!ns.path.empty()) {
        if (absl::Status s = Join(ns.path, k.flag); !s.ok()) return s;
      } else if (k.flag == CLONE_NEWCGROUP && unshare(CLONE_NEWCGROUP) != 0) {
        return base::ErrnoError(errno, "unshare the cgroup namespace");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status BringUpLoopback() {
  base::UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return base::ErrnoError(errno, "socket");
  ifreq req{};
  strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) {
    return base::ErrnoError(errno, "get the flags of lo");
  }
  req.ifr_flags |= IFF_UP;
  if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return base::ErrnoError(errno, "set lo up");
  return absl::OkStatus();
}

absl::Status JoinContainerNamespaces(const Spec& spec, pid_t init_pid) {
  // Open everything first: after joining the mount namespace /proc is the
  // container's.
  std::vector<std::pair<base::UniqueFd, const Kind*>> fds;
  for (const Kind& k : kKinds) {
    for (const NamespaceSpec& ns : spec.namespaces) {
      if (ns.type != k.type) continue;
      std::string path =
          ns.path.empty() ? absl::StrCat("/proc/", init_pid, "/ns/", k.proc) : ns.path;
      base::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", path));
      fds.emplace_back(std::move(fd), &k);
    }
  }
  for (auto& [fd, kind] : fds) {
    if (setns(fd.get(), kind->flag) != 0) {
      return base::ErrnoError(errno, absl::StrCat("join the container's ", kind->type,
                                                  " namespace"));
    }
  }
  return absl::OkStatus();
}

}  // namespace shim::oci
