// Berth's default seccomp profile. The policy is Docker's default profile's
// (the allowlist container users expect, see security.md §1.2): everything
// not listed fails with EPERM; capability-gated and architecture-specific
// groups are added only when the container has the capability or runs on
// that architecture.

#include "engine/containers/seccomp_profile.h"

namespace engine {
namespace containers {
namespace {

// System calls every container may make.
constexpr const char* kAlwaysAllowed[] = {
    "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
    "cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
    "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
    "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
    "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
    "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
    "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr",
    "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64",
    "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue",
    "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "get_robust_list",
    "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
    "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
    "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid",
    "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
    "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
    "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
    "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
    "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount", "listxattr", "listxattrat",
    "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
    "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
    "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
    "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget",
    "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at",
    "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open",
    "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
    "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
    "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read",
    "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "removexattrat", "rename",
    "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir", "rseq", "rt_sigaction",
    "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
    "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
    "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
    "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_robust_list",
    "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
    "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
    "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
    "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32", "setxattr",
    "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
    "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync",
    "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
    "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev",
};

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
  p.syscalls.push_back(
      Allow(std::vector<std::string>(std::begin(kAlwaysAllowed), std::end(kAlwaysAllowed))));

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
  return p;
}

}  // namespace

const SeccompProfile& DefaultSeccompProfile() {
  static const SeccompProfile* profile = new SeccompProfile(Build());
  return *profile;
}

}  // namespace containers
}  // namespace engine
