#include "shim/oci/device_filter.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"

namespace shim::oci {
namespace {

// Registers: r1 the bpf_cgroup_dev_ctx on entry, then scratch; r2 the device
// type, r3 the requested access, r4 the major, r5 the minor.
bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn insn;
  std::memset(&insn, 0, sizeof(insn));
  insn.code = code;
  insn.dst_reg = dst;
  insn.src_reg = src;
  insn.off = off;
  insn.imm = imm;
  return insn;
}

bpf_insn LoadU32(uint8_t dst, int16_t offset) {
  return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, 1, offset, 0);
}
bpf_insn JumpIfNotEqual(uint8_t reg, int32_t value, int16_t skip) {
  return Insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, skip, value);
}
bpf_insn Return(int32_t value) { return Insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, value); }
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t AccessBits(const std::string& access) {
  int32_t bits = 0;
  for (char c : access) {
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
  }
  return bits;
}

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// The checks of one rule; each jump skips to the end of the block.
std::vector<bpf_insn> RuleBlock(const DeviceRule& rule) {
  std::vector<bpf_insn> checks;
  if (rule.type == 'c' || rule.type == 'b') {
    checks.push_back(JumpIfNotEqual(2, rule.type == 'c' ? BPF_DEVCG_DEV_CHAR
                                                        : BPF_DEVCG_DEV_BLOCK, 0));
  }
  const int32_t access = rule.access.empty() ? kAllAccess : AccessBits(rule.access);
  if (access != kAllAccess) {
    // Matches only when the request asks for nothing beyond `access`.
    checks.push_back(Insn(BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0));
    checks.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, ~access & kAllAccess));
    checks.push_back(JumpIfNotEqual(1, 0, 0));
  }
  if (rule.major >= 0) checks.push_back(JumpIfNotEqual(4, static_cast<int32_t>(rule.major), 0));
  if (rule.minor >= 0) checks.push_back(JumpIfNotEqual(5, static_cast<int32_t>(rule.minor), 0));
  checks.push_back(Return(rule.allow ? 1 : 0));
  checks.push_back(Exit());
  // Every conditional jump lands just past the block's exit.
  const int n = static_cast<int>(checks.size());
  for (int i = 0; i < n; ++i) {
    if ((checks[i].code & 0x07) == BPF_JMP && (checks[i].code & 0xf0) == BPF_JNE) {
      checks[i].off = static_cast<int16_t>(n - i - 1);
    }
  }
  return checks;
}

}  // namespace

std::vector<bpf_insn> CompileDeviceFilter(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> prog = {
      LoadU32(2, offsetof(bpf_cgroup_dev_ctx, access_type)),
      Insn(BPF_ALU | BPF_MOV | BPF_X, 3, 2, 0, 0),
      Insn(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff),
      Insn(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16),
      LoadU32(4, offsetof(bpf_cgroup_dev_ctx, major)),
      LoadU32(5, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  // The last matching rule decides: test them from the last. A rule that
  // matches everything ends the program (the verifier refuses code that
  // can never run).
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    std::vector<bpf_insn> block = RuleBlock(*it);
    prog.insert(prog.end(), block.begin(), block.end());
    if (block.size() == 2) return prog;
  }
  prog.push_back(Return(1));
  prog.push_back(Exit());
  return prog;
}

absl::Status AttachDeviceFilter(const std::string& cgroup_dir,
                                const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> prog = CompileDeviceFilter(rules);
  char log[4096] = {0};
  static const char kLicense[] = "Apache-2.0";
  bpf_attr load;
  std::memset(&load, 0, sizeof(load));
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(prog.data());
  load.insn_cnt = static_cast<uint32_t>(prog.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  load.log_buf = reinterpret_cast<uint64_t>(log);
  load.log_size = sizeof(log);
  load.log_level = 1;
  base::UniqueFd prog_fd(static_cast<int>(syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load))));
  if (!prog_fd.valid()) {
    absl::Status s = base::ErrnoError(errno, "load the cgroup device filter");
    return log[0] != '\0' ? base::Annotate(s, log) : s;
  }
  base::UniqueFd cgroup(open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup.valid()) return base::ErrnoError(errno, absl::StrCat("open ", cgroup_dir));
  bpf_attr attach;
  std::memset(&attach, 0, sizeof(attach));
  attach.target_fd = static_cast<uint32_t>(cgroup.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog_fd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) != 0) {
    return base::ErrnoError(errno, absl::StrCat("attach the device filter to ", cgroup_dir));
  }
  return absl::OkStatus();
}

}  // namespace shim::oci
