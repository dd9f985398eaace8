#include "shim/oci/seccomp_cache.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/base/file_util.h"
#include "engine/base/unique_fd.h"

namespace shim::oci {
namespace {

constexpr char kFormat[] = "berth-seccomp-cache-v1";
constexpr size_t kMaxEntry = 1 << 20;

void AppendField(std::string* out, absl::string_view field) {
  absl::StrAppend(out, field.size(), ":", field, ";");
}

uint64_t Fnv1a(absl::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Entry: u32 key size, key, u32 flags, instructions.
std::string Encode(absl::string_view key, const SeccompProgram& program) {
  std::string out;
  auto put32 = [&out](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  put32(static_cast<uint32_t>(key.size()));
  out.append(key.data(), key.size());
  put32(program.flags);
  out.append(reinterpret_cast<const char*>(program.insns.data()),
             program.insns.size() * sizeof(sock_filter));
  return out;
}

bool Decode(absl::string_view data, absl::string_view key, SeccompProgram* program) {
  auto get32 = [&data](uint32_t* v) {
    if (data.size() < 4) return false;
    std::memcpy(v, data.data(), 4);
    data.remove_prefix(4);
    return true;
  };
  uint32_t key_size;
  if (!get32(&key_size) || key_size != key.size() || data.size() < key_size ||
      data.substr(0, key_size) != key) {
    return false;
  }
  data.remove_prefix(key_size);
  uint32_t flags;
  if (!get32(&flags) || data.empty() || data.size() % sizeof(sock_filter) != 0 ||
      data.size() / sizeof(sock_filter) > BPF_MAXINSNS) {
    return false;
  }
  program->flags = flags;
  program->insns.resize(data.size() / sizeof(sock_filter));
  std::memcpy(program->insns.data(), data.data(), data.size());
  return true;
}

// Reads an entry written by root and writable by root only.
bool ReadEntry(const std::string& path, std::string* out) {
  base::UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
      static_cast<size_t>(st.st_size) > kMaxEntry) {
    return false;
  }
  out->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = read(fd.get(), out->data() + done, out->size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void WriteEntry(absl::string_view dir, const std::string& path, absl::string_view data) {
  if (mkdir(std::string(dir).c_str(), 0700) != 0 && errno != EEXIST) return;
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  base::UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  if (!base::WriteAll(fd.get(), data, tmp).ok() || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
  }
}

}  // namespace

std::string SeccompCacheKey(const SeccompSpec& spec, bool enosys_stub) {
  const scmp_version* v = seccomp_version();
  std::string key = absl::StrCat(kFormat, ";libseccomp ", v->major, ".", v->minor, ".",
                                 v->micro, ";enosys=", enosys_stub ? 1 : 0, ";");
  AppendField(&key, spec.default_action);
  AppendField(&key, spec.default_errno_ret ? absl::StrCat(*spec.default_errno_ret) : "-");
  for (const auto& a : spec.architectures) AppendField(&key, a);
  key += "|";
  for (const auto& f : spec.flags) AppendField(&key, f);
  key += "|";
  for (const SeccompRule& rule : spec.syscalls) {
    key += "(";
    for (const auto& n : rule.names) AppendField(&key, n);
    AppendField(&key, rule.action);
    AppendField(&key, rule.errno_ret ? absl::StrCat(*rule.errno_ret) : "-");
    for (const SeccompArg& arg : rule.args) {
      AppendField(&key, absl::StrCat(arg.index, ",", arg.value, ",", arg.value_two, ",", arg.op));
    }
    key += ")";
  }
  return key;
}

absl::StatusOr<SeccompProgram> CompileSeccompCached(const SeccompSpec& spec,
                                                    bool enosys_stub,
                                                    absl::string_view dir) {
  if (dir.empty()) return CompileSeccomp(spec, enosys_stub);
  const std::string key = SeccompCacheKey(spec, enosys_stub);
  const std::string path = absl::StrFormat("%s/%016x", dir, Fnv1a(key));
  std::string data;
  SeccompProgram program;
  if (ReadEntry(path, &data) && Decode(data, key, &program)) return program;
  absl::StatusOr<SeccompProgram> compiled = CompileSeccomp(spec, enosys_stub);
  if (compiled.ok()) WriteEntry(dir, path, Encode(key, *compiled));
  return compiled;
}

}  // namespace shim::oci
