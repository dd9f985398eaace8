// Berth's default seccomp profile, written by the project to the policy
// container users expect from Docker's default (security.md §1.2): an
// allowlist, EPERM for everything else; capability-gated and
// architecture-specific groups apply only when the container has the
// capability or runs on that architecture.

#include <seccomp.h>

#include <cstdlib>
#include <set>

#include "engine/containers/seccomp_profile.h"

namespace engine {
namespace containers {
namespace {

// System calls no container may make, whatever its capabilities: kernel
// state that is not namespaced (keyrings, swap, kexec, modules by name),
// large or historically exploited attack surface (io_uring, userfaultfd),
// NUMA page moves across processes, a second pivot_root, and obsolete or
// never-implemented entry points.
constexpr const char* kNeverAllowed[] = {
    "add_key", "keyctl", "request_key",
    "io_uring_enter", "io_uring_register", "io_uring_setup",
    "userfaultfd",
    "kexec_file_load", "kexec_load",
    "swapoff", "swapon",
    "pivot_root",
    "migrate_pages", "move_pages",
    "_sysctl", "create_module", "get_kernel_syms", "nfsservctl", "query_module", "uselib",
    "ustat", "vm86", "vm86old",
    "afs_syscall", "break", "ftime", "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil",
    "putpmsg", "security", "stty", "tuxcall", "vserver", "bdflush", "sysfs",
};

// Every system call libseccomp knows on x86-64 and its 32-bit ABI, minus
// those denied above and those governed by a conditional rule (`governed`).
// Deriving the list from the syscall tables rather than writing it out keeps
// the policy in the two short lists a reader can check.
std::vector<std::string> UnconditionallyAllowed(const std::set<std::string>& governed) {
  std::set<std::string> names;
  for (uint32_t arch : {uint32_t{SCMP_ARCH_X86_64}, uint32_t{SCMP_ARCH_X86}}) {
    for (int nr = 0; nr < 1024; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(arch, nr);
      if (name == nullptr) continue;
      names.insert(name);
      free(name);
    }
  }
  for (const char* denied : kNeverAllowed) names.erase(denied);
  for (const std::string& name : governed) names.erase(name);
  return std::vector<std::string>(names.begin(), names.end());
}

SeccompRule Allow(std::vector<std::string> names) {
  SeccompRule r;
  r.names = std::move(names);
  r.action = "SCMP_ACT_ALLOW";
  return r;
}

SeccompRule AllowIf(std::vector<std::string> names, std::vector<std::string> caps,
                    std::vector<std::string> arches = {}) {
  SeccompRule r = Allow(std::move(names));
  r.includes.caps = std::move(caps);
  r.includes.arches = std::move(arches);
  return r;
}

SeccompRule AllowArg(const char* name, uint32_t index, uint64_t value, const char* op) {
  SeccompRule r = Allow({name});
  r.args.push_back(SeccompArg{index, value, 0, op});
  return r;
}

SeccompProfile Build() {
  SeccompProfile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno_ret = 1;  // EPERM
  p.arch_map = {
      {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
      {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM"}},
      {"SCMP_ARCH_MIPS64", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
      {"SCMP_ARCH_MIPS64N32", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"}},
      {"SCMP_ARCH_MIPSEL64", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
      {"SCMP_ARCH_MIPSEL64N32", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"}},
      {"SCMP_ARCH_S390X", {"SCMP_ARCH_S390"}},
      {"SCMP_ARCH_RISCV64", {}},
      {"SCMP_ARCH_LOONGARCH64", {}},
  };
  // ptrace cannot bypass seccomp since 4.8.
  SeccompRule ptrace = Allow({"process_vm_readv", "process_vm_writev", "ptrace"});
  ptrace.includes.min_kernel = "4.8";
  p.syscalls.push_back(std::move(ptrace));

  // Sockets of every family but AF_ALG (38) and AF_VSOCK (40).
  p.syscalls.push_back(AllowArg("socket", 0, 38, "SCMP_CMP_LT"));
  p.syscalls.push_back(AllowArg("socket", 0, 39, "SCMP_CMP_EQ"));
  p.syscalls.push_back(AllowArg("socket", 0, 40, "SCMP_CMP_GT"));

  // personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query.
  for (uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    p.syscalls.push_back(AllowArg("personality", 0, persona, "SCMP_CMP_EQ"));
  }

  // Architecture-specific calls.
  p.syscalls.push_back(AllowIf({"sync_file_range2", "swapcontext"}, {}, {"ppc64le"}));
  p.syscalls.push_back(AllowIf({"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2",
                                "breakpoint", "cacheflush", "set_tls"},
                               {}, {"arm", "arm64"}));
  p.syscalls.push_back(AllowIf({"arch_prctl"}, {}, {"amd64", "x32"}));
  p.syscalls.push_back(AllowIf({"modify_ldt"}, {}, {"amd64", "x32", "x86"}));
  p.syscalls.push_back(AllowIf({"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"},
                               {}, {"s390", "s390x"}));
  p.syscalls.push_back(AllowIf({"riscv_flush_icache"}, {}, {"riscv64"}));

  // Capability-gated calls.
  p.syscalls.push_back(AllowIf({"open_by_handle_at"}, {"CAP_DAC_READ_SEARCH"}));
  p.syscalls.push_back(AllowIf(
      {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
       "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
       "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
       "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare"},
      {"CAP_SYS_ADMIN"}));
  // Without CAP_SYS_ADMIN, clone may not create namespaces:
  // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET = 0x7E020000.
  SeccompRule clone = Allow({"clone"});
  clone.args.push_back(SeccompArg{0, 0x7E020000, 0, "SCMP_CMP_MASKED_EQ"});
  clone.excludes.caps = {"CAP_SYS_ADMIN"};
  clone.excludes.arches = {"s390", "s390x"};
  p.syscalls.push_back(std::move(clone));
  SeccompRule clone_s390 = Allow({"clone"});  // flags are the second argument there
  clone_s390.args.push_back(SeccompArg{1, 0x7E020000, 0, "SCMP_CMP_MASKED_EQ"});
  clone_s390.includes.arches = {"s390", "s390x"};
  clone_s390.excludes.caps = {"CAP_SYS_ADMIN"};
  p.syscalls.push_back(std::move(clone_s390));
  // clone3's flags are out of seccomp's sight: ENOSYS makes libc fall back
  // to clone, where the check above applies.
  SeccompRule clone3;
  clone3.names = {"clone3"};
  clone3.action = "SCMP_ACT_ERRNO";
  clone3.errno_ret = 38;  // ENOSYS
  clone3.excludes.caps = {"CAP_SYS_ADMIN"};
  p.syscalls.push_back(std::move(clone3));

  p.syscalls.push_back(AllowIf({"reboot"}, {"CAP_SYS_BOOT"}));
  p.syscalls.push_back(AllowIf({"chroot"}, {"CAP_SYS_CHROOT"}));
  p.syscalls.push_back(
      AllowIf({"delete_module", "init_module", "finit_module"}, {"CAP_SYS_MODULE"}));
  p.syscalls.push_back(AllowIf({"acct"}, {"CAP_SYS_PACCT"}));
  p.syscalls.push_back(AllowIf({"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
                                "process_vm_writev", "ptrace"},
                               {"CAP_SYS_PTRACE"}));
  p.syscalls.push_back(AllowIf({"iopl", "ioperm"}, {"CAP_SYS_RAWIO"}));
  p.syscalls.push_back(AllowIf({"settimeofday", "stime", "clock_settime", "clock_settime64"},
                               {"CAP_SYS_TIME"}));
  p.syscalls.push_back(AllowIf({"vhangup"}, {"CAP_SYS_TTY_CONFIG"}));
  p.syscalls.push_back(
      AllowIf({"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"},
              {"CAP_SYS_NICE"}));
  p.syscalls.push_back(AllowIf({"syslog"}, {"CAP_SYSLOG"}));
  p.syscalls.push_back(AllowIf({"bpf"}, {"CAP_BPF"}));
  p.syscalls.push_back(AllowIf({"perf_event_open"}, {"CAP_PERFMON"}));

  std::set<std::string> governed;
  for (const SeccompRule& rule : p.syscalls) governed.insert(rule.names.begin(), rule.names.end());
  p.syscalls.insert(p.syscalls.begin(), Allow(UnconditionallyAllowed(governed)));
  return p;
}

}  // namespace

const SeccompProfile& DefaultSeccompProfile() {
  static const SeccompProfile* profile = new SeccompProfile(Build());
  return *profile;
}

}  // namespace containers
}  // namespace engine
