#include "shim/oci/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"

namespace shim::oci {
namespace {

constexpr const char* kCapNames[] = {
    "CHOWN",           "DAC_OVERRIDE",     "DAC_READ_SEARCH", "FOWNER",
    "FSETID",          "KILL",             "SETGID",          "SETUID",
    "SETPCAP",         "LINUX_IMMUTABLE",  "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_ADMIN",       "NET_RAW",          "IPC_LOCK",        "IPC_OWNER",
    "SYS_MODULE",      "SYS_RAWIO",        "SYS_CHROOT",      "SYS_PTRACE",
    "SYS_PACCT",       "SYS_ADMIN",        "SYS_BOOT",        "SYS_NICE",
    "SYS_RESOURCE",    "SYS_TIME",         "SYS_TTY_CONFIG",  "MKNOD",
    "LEASE",           "AUDIT_WRITE",      "AUDIT_CONTROL",   "SETFCAP",
    "MAC_OVERRIDE",    "MAC_ADMIN",        "SYSLOG",          "WAKE_ALARM",
    "BLOCK_SUSPEND",   "AUDIT_READ",       "PERFMON",         "BPF",
    "CHECKPOINT_RESTORE",
};
constexpr int kNumCaps = sizeof(kCapNames) / sizeof(kCapNames[0]);

}  // namespace

int CapabilityFromName(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view n = upper;
  absl::ConsumePrefix(&n, "CAP_");
  for (int i = 0; i < kNumCaps; ++i) {
    if (n == kCapNames[i]) return i;
  }
  return -1;
}

int LastCapability() {
  static int last = [] {
    auto text = base::ReadFile("/proc/sys/kernel/cap_last_cap", 64);
    int v = 0;
    if (text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &v)) {
      return v;
    }
    return CAP_LAST_CAP;
  }();
  return last;
}

absl::Status ApplyBoundingSet(uint64_t bounding) {
  const int last = LastCapability();
  for (int cap = 0; cap <= last && cap < 64; ++cap) {
    if (bounding & (uint64_t{1} << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return base::ErrnoError(errno, absl::StrCat("drop capability ", cap,
                                                  " from the bounding set"));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyCapabilities(const CapSets& caps) {
  const int last = LastCapability();
  uint64_t known = last >= 63 ? ~uint64_t{0} : ((uint64_t{1} << (last + 1)) - 1);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  auto split = [&](uint64_t mask, __u32 __user_cap_data_struct::*field) {
    mask &= known;
    data[0].*field = static_cast<__u32>(mask);
    data[1].*field = static_cast<__u32>(mask >> 32);
  };
  split(caps.effective, &__user_cap_data_struct::effective);
  split(caps.permitted, &__user_cap_data_struct::permitted);
  split(caps.inheritable, &__user_cap_data_struct::inheritable);
  if (syscall(SYS_capset, &header, data) != 0) {
    return base::ErrnoError(errno, "capset");
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return base::ErrnoError(errno, "clear ambient capabilities");
  }
  for (int cap = 0; cap <= last && cap < 64; ++cap) {
    if (!(caps.ambient & (uint64_t{1} << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      return base::ErrnoError(errno, absl::StrCat("raise ambient capability ", cap));
    }
  }
  return absl::OkStatus();
}

}  // namespace shim::oci
