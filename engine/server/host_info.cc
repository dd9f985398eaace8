#include "engine/server/host_info.h"

#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace server {
namespace {

std::string GoArch(absl::string_view machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i386" || machine == "i686") return "386";
  if (absl::StartsWith(machine, "armv")) return "arm";
  return std::string(machine);
}

bool IsUuid(absl::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !absl::ascii_isxdigit(s[i])) return false;
  }
  return true;
}

}  // namespace

std::string ParseOsReleasePrettyName(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "PRETTY_NAME=")) continue;
    std::string out;
    char quote = 0;
    if (!line.empty() && (line[0] == '"' || line[0] == '\'')) {
      quote = line[0];
      line.remove_prefix(1);
    }
    for (size_t i = 0; i < line.size(); ++i) {
      if (quote != 0 && line[i] == quote) break;
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      out.push_back(line[i]);
    }
    return out;
  }
  return "";
}

int64_t ParseMemTotal(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "MemTotal:")) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, "kB");
    int64_t kb;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kb)) return kb * 1024;
  }
  return 0;
}

HostInfo CollectHostInfo() {
  HostInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) info.hostname = host;
  struct utsname uts;
  if (uname(&uts) == 0) {
    info.kernel_version = uts.release;
    info.architecture = GoArch(uts.machine);
  }
  absl::StatusOr<std::string> os = base::ReadFile("/etc/os-release", 1 << 16);
  if (!os.ok()) os = base::ReadFile("/usr/lib/os-release", 1 << 16);
  if (os.ok()) info.operating_system = ParseOsReleasePrettyName(*os);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  info.ncpu = ncpu > 0 ? ncpu : 0;
  absl::StatusOr<std::string> mem = base::ReadFile("/proc/meminfo", 1 << 16);
  if (mem.ok()) info.mem_total = ParseMemTotal(*mem);
  info.cgroup_version =
      base::PathExists("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1";
  return info;
}

absl::StatusOr<std::string> LoadOrCreateEngineId(absl::string_view data_root) {
  std::string path = base::JoinPath(data_root, "engine-id");
  absl::StatusOr<std::string> existing = base::ReadFile(path, 4096);
  if (existing.ok()) {
    std::string id(absl::StripAsciiWhitespace(*existing));
    if (IsUuid(id)) return id;
    return absl::DataLossError(absl::StrCat("engine ID file ", path,
                                            " is corrupt; remove it to make a new ID"));
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  unsigned char b[16];
  if (getrandom(b, sizeof(b), 0) != static_cast<ssize_t>(sizeof(b))) {
    return base::ErrnoError(errno, "getrandom");
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  std::string id = absl::StrFormat(
      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
      b[12], b[13], b[14], b[15]);
  RETURN_IF_ERROR(base::WriteFileAtomic(path, id + "\n", 0600));
  return id;
}

}  // namespace server
}  // namespace engine
