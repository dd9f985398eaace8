#include "shim/oci/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"

namespace shim::oci {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("seccomp: ", what));
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

absl::StatusOr<uint32_t> Action(absl::string_view name, std::optional<unsigned> errno_ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  return Invalid(absl::StrCat("unsupported action \"", name, "\""));
}

absl::StatusOr<scmp_compare> Op(absl::string_view name) {
  if (name == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (name == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (name == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (name == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (name == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (name == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (name == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return Invalid(absl::StrCat("unsupported operator \"", name, "\""));
}

absl::StatusOr<uint32_t> Arch(absl::string_view name) {
  absl::string_view n = name;
  absl::ConsumePrefix(&n, "SCMP_ARCH_");
  std::string lower = absl::AsciiStrToLower(n);
  uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
  if (arch == 0) return Invalid(absl::StrCat("unknown architecture \"", name, "\""));
  return arch;
}

// One block of the ENOSYS stub: on `audit_arch`, a number in [lo, hi) above
// `max` returns ENOSYS.
void AppendStubBlock(std::vector<sock_filter>* out, uint32_t audit_arch, uint32_t lo,
                     uint32_t hi, uint32_t max) {
  const sock_filter block[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 3),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, hi, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
  };
  out->insert(out->end(), std::begin(block), std::end(block));
}

constexpr uint32_t kX32Bit = 0x40000000;

}  // namespace

absl::StatusOr<SeccompProgram> CompileSeccomp(const SeccompSpec& spec, bool enosys_stub) {
  auto default_action = Action(spec.default_action, spec.default_errno_ret);
  if (!default_action.ok()) return default_action.status();
  Ctx ctx(seccomp_init(*default_action));
  if (!ctx) return Invalid("seccomp_init failed");
  // The runtime sets no_new_privs itself when the spec asks; libseccomp's
  // default would turn it on for every container.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  std::vector<uint32_t> arches = {seccomp_arch_native()};
  for (const std::string& name : spec.architectures) {
    auto arch = Arch(name);
    if (!arch.ok()) return arch.status();
    int rc = seccomp_arch_add(ctx.get(), *arch);
    if (rc != 0 && rc != -EEXIST) {
      return Invalid(absl::StrCat("add architecture ", name, ": ", strerror(-rc)));
    }
    if (rc == 0) arches.push_back(*arch);
  }
  SeccompProgram program;
  for (const std::string& flag : spec.flags) {
    if (flag == "SECCOMP_FILTER_FLAG_LOG") {
      program.flags |= SECCOMP_FILTER_FLAG_LOG;
    } else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
      program.flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else if (flag == "SECCOMP_FILTER_FLAG_TSYNC") {
      // Single-threaded at load time: nothing to synchronise.
    } else {
      return Invalid(absl::StrCat("unsupported flag \"", flag, "\""));
    }
  }
  std::vector<uint32_t> max_nr(arches.size(), 0);
  for (const SeccompRule& rule : spec.syscalls) {
    auto action = Action(rule.action, rule.errno_ret);
    if (!action.ok()) return action.status();
    std::vector<scmp_arg_cmp> cmps;
    bool same_index = false;
    for (size_t i = 0; i < rule.args.size(); ++i) {
      auto op = Op(rule.args[i].op);
      if (!op.ok()) return op.status();
      scmp_arg_cmp c{};
      c.arg = rule.args[i].index;
      c.op = *op;
      c.datum_a = rule.args[i].value;
      c.datum_b = rule.args[i].value_two;
      cmps.push_back(c);
      for (size_t j = 0; j < i; ++j) {
        if (rule.args[j].index == rule.args[i].index) same_index = true;
      }
    }
    for (const std::string& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // unknown to libseccomp: skipped
      for (size_t a = 0; a < arches.size(); ++a) {
        int anr = seccomp_syscall_resolve_name_arch(arches[a], name.c_str());
        if (anr < 0) continue;
        uint32_t u = static_cast<uint32_t>(anr);
        if (arches[a] == SCMP_ARCH_X32) u |= kX32Bit;
        if (u > max_nr[a]) max_nr[a] = u;
      }
      if (*action == *default_action) continue;
      int rc;
      if (same_index) {
        // OCI semantics (runc): args on the same index are alternatives.
        for (const scmp_arg_cmp& c : cmps) {
          rc = seccomp_rule_add_array(ctx.get(), *action, nr, 1, &c);
          if (rc != 0) break;
        }
      } else {
        rc = seccomp_rule_add_array(ctx.get(), *action, nr, cmps.size(), cmps.data());
      }
      if (rc != 0) {
        return Invalid(absl::StrCat("add rule for ", name, ": ", strerror(-rc)));
      }
    }
  }
  base::UniqueFd memfd(memfd_create("berth-seccomp", MFD_CLOEXEC));
  if (!memfd.valid()) return base::ErrnoError(errno, "memfd_create");
  int rc = seccomp_export_bpf(ctx.get(), memfd.get());
  if (rc != 0) return Invalid(absl::StrCat("export filter: ", strerror(-rc)));
  off_t size = lseek(memfd.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) return Invalid("bad exported filter");
  std::vector<sock_filter> body(size / sizeof(sock_filter));
  if (pread(memfd.get(), body.data(), size, 0) != size) {
    return base::ErrnoError(errno, "read exported seccomp filter");
  }
  if (enosys_stub && *default_action != SCMP_ACT_ALLOW) {
    for (size_t a = 0; a < arches.size(); ++a) {
      if (max_nr[a] == 0) continue;
      if (arches[a] == SCMP_ARCH_X32) {
        AppendStubBlock(&program.insns, AUDIT_ARCH_X86_64, kX32Bit, 0xffffffffu, max_nr[a]);
      } else if (arches[a] == SCMP_ARCH_X86_64) {
        AppendStubBlock(&program.insns, AUDIT_ARCH_X86_64, 0, kX32Bit, max_nr[a]);
      } else {
        AppendStubBlock(&program.insns, arches[a], 0, 0xffffffffu, max_nr[a]);
      }
    }
  }
  program.insns.insert(program.insns.end(), body.begin(), body.end());
  if (program.insns.size() > BPF_MAXINSNS) return Invalid("filter is too long");
  return program;
}

absl::Status LoadSeccomp(const SeccompProgram& program) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.insns.size());
  prog.filter = const_cast<sock_filter*>(program.insns.data());
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &prog) != 0) {
    return base::ErrnoError(errno, "load seccomp filter");
  }
  return absl::OkStatus();
}

}  // namespace shim::oci
