#include "engine/containers/capabilities.h"

#include <sys/prctl.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace containers {
namespace {

// Indexed by capability number (linux/capability.h).
constexpr const char* kCapabilities[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
constexpr int kKnown = sizeof(kCapabilities) / sizeof(kCapabilities[0]);

bool Contains(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

absl::StatusOr<std::vector<std::string>> NormalizeAll(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::string n, NormalizeCapability(name));
    if (!Contains(out, n)) out.push_back(std::move(n));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& DefaultCapabilities() {
  static const auto* caps = new std::vector<std::string>{
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",  "CAP_FOWNER",           "CAP_MKNOD",
      "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",  "CAP_SETFCAP",          "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};
  return *caps;
}

std::vector<std::string> AllCapabilities() {
  int last = kKnown - 1;
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  std::string text;
  int kernel_last = 0;
  if (in && std::getline(in, text) &&
      absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &kernel_last) && kernel_last >= 0) {
    last = std::min(last, kernel_last);
  }
  // Only those the daemon itself may pass on: a capability outside its
  // bounding set cannot be granted (capset fails with EPERM), as when berthd
  // itself runs in a container with a reduced set. Docker does the same.
  std::vector<std::string> out;
  for (int cap = 0; cap <= last; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) out.push_back(kCapabilities[cap]);
  }
  return out;
}

absl::StatusOr<std::string> NormalizeCapability(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (upper == "ALL") return upper;
  if (!absl::StartsWith(upper, "CAP_")) upper = absl::StrCat("CAP_", upper);
  for (const char* known : kCapabilities) {
    if (upper == known) return upper;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown capability: \"", upper, "\""));
}

absl::StatusOr<std::vector<std::string>> TweakCapabilities(const std::vector<std::string>& base,
                                                           const std::vector<std::string>& adds,
                                                           const std::vector<std::string>& drops,
                                                           bool privileged) {
  if (privileged) return AllCapabilities();
  ASSIGN_OR_RETURN(std::vector<std::string> add, NormalizeAll(adds));
  ASSIGN_OR_RETURN(std::vector<std::string> drop, NormalizeAll(drops));
  std::vector<std::string> caps;
  if (Contains(add, "ALL")) {
    for (std::string& c : AllCapabilities()) {
      if (!Contains(drop, c)) caps.push_back(std::move(c));
    }
    return caps;
  }
  if (!Contains(drop, "ALL")) {
    for (const std::string& c : base) {
      if (!Contains(drop, c) && !Contains(caps, c)) caps.push_back(c);
    }
  }
  for (std::string& c : add) {
    if (!Contains(caps, c)) caps.push_back(std::move(c));
  }
  return caps;
}

}  // namespace containers
}  // namespace engine
