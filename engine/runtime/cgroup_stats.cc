#include "engine/runtime/cgroup_stats.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"

extern char** environ;

namespace engine::runtime {
namespace {

uint64_t ReadU64(const std::string& path, uint64_t fallback = 0) {
  absl::StatusOr<std::string> text = base::ReadFile(path, 1 << 16);
  if (!text.ok()) return fallback;
  uint64_t v;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &v)) return fallback;
  return v;
}

// "key value" lines.
uint64_t StatField(const std::string& path, absl::string_view key) {
  absl::StatusOr<std::string> text = base::ReadFile(path, 1 << 20);
  if (!text.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ' ');
    uint64_t v;
    if (kv.first == key && absl::SimpleAtoi(kv.second, &v)) return v;
  }
  return 0;
}

uint64_t HostMemory() {
  absl::StatusOr<std::string> text = base::ReadFile("/proc/meminfo", 1 << 16);
  if (!text.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (absl::ConsumePrefix(&line, "MemTotal:")) {
      line = absl::StripAsciiWhitespace(line);
      absl::ConsumeSuffix(&line, " kB");
      uint64_t kb;
      if (absl::SimpleAtoi(line, &kb)) return kb * 1024;
    }
  }
  return 0;
}

std::string V1(absl::string_view root, absl::string_view controller, absl::string_view path,
               absl::string_view file) {
  return absl::StrCat(root, "/", controller, path, "/", file);
}

}  // namespace

bool IsCgroupV2(absl::string_view root) {
  return base::PathExists(absl::StrCat(root, "/cgroup.controllers"));
}

absl::StatusOr<CgroupStats> ReadCgroupStats(absl::string_view cgroup_path,
                                            absl::string_view root) {
  CgroupStats s;
  uint64_t host_mem = HostMemory();
  if (IsCgroupV2(root)) {
    std::string dir = absl::StrCat(root, cgroup_path);
    if (!base::PathExists(dir)) return absl::NotFoundError(absl::StrCat("no cgroup ", dir));
    s.cpu_total_ns = StatField(dir + "/cpu.stat", "usage_usec") * 1000;
    uint64_t current = ReadU64(dir + "/memory.current");
    uint64_t inactive = StatField(dir + "/memory.stat", "inactive_file");
    s.memory_cache = StatField(dir + "/memory.stat", "file");
    s.memory_usage = current > inactive ? current - inactive : current;
    s.memory_limit = ReadU64(dir + "/memory.max", host_mem);
    s.pids_current = ReadU64(dir + "/pids.current");
    s.pids_limit = ReadU64(dir + "/pids.max", 0);
    absl::StatusOr<std::string> io = base::ReadFile(dir + "/io.stat", 1 << 20);
    if (io.ok()) {
      for (absl::string_view line : absl::StrSplit(*io, '\n', absl::SkipEmpty())) {
        for (absl::string_view field : absl::StrSplit(line, ' ')) {
          uint64_t v;
          if (absl::ConsumePrefix(&field, "rbytes=") && absl::SimpleAtoi(field, &v)) {
            s.block_read += v;
          } else if (absl::ConsumePrefix(&field, "wbytes=") && absl::SimpleAtoi(field, &v)) {
            s.block_write += v;
          }
        }
      }
    }
  } else {
    bool any = false;
    for (absl::string_view c : {"memory", "cpuacct", "pids"}) {
      any = any || base::PathExists(absl::StrCat(root, "/", c, cgroup_path));
    }
    if (!any) return absl::NotFoundError(absl::StrCat("no cgroup ", cgroup_path));
    s.cpu_total_ns = ReadU64(V1(root, "cpuacct", cgroup_path, "cpuacct.usage"));
    uint64_t usage = ReadU64(V1(root, "memory", cgroup_path, "memory.usage_in_bytes"));
    std::string stat = V1(root, "memory", cgroup_path, "memory.stat");
    uint64_t inactive = StatField(stat, "total_inactive_file");
    s.memory_cache = StatField(stat, "total_cache");
    s.memory_usage = usage > inactive ? usage - inactive : usage;
    s.memory_limit = ReadU64(V1(root, "memory", cgroup_path, "memory.limit_in_bytes"), host_mem);
    if (host_mem != 0 && s.memory_limit > host_mem) s.memory_limit = host_mem;
    s.pids_current = ReadU64(V1(root, "pids", cgroup_path, "pids.current"));
    s.pids_limit = ReadU64(V1(root, "pids", cgroup_path, "pids.max"), 0);
    absl::StatusOr<std::string> io =
        base::ReadFile(V1(root, "blkio", cgroup_path, "blkio.throttle.io_service_bytes"), 1 << 20);
    if (io.ok()) {
      for (absl::string_view line : absl::StrSplit(*io, '\n', absl::SkipEmpty())) {
        std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
        uint64_t v;
        if (f.size() != 3 || !absl::SimpleAtoi(f[2], &v)) continue;
        if (f[1] == "Read") s.block_read += v;
        if (f[1] == "Write") s.block_write += v;
      }
    }
  }
  return s;
}

absl::StatusOr<std::vector<pid_t>> CgroupPids(absl::string_view cgroup_path,
                                              absl::string_view root) {
  std::vector<std::string> candidates;
  if (IsCgroupV2(root)) {
    candidates.push_back(absl::StrCat(root, cgroup_path, "/cgroup.procs"));
  } else {
    for (absl::string_view c : {"pids", "memory", "freezer", "cpuacct"}) {
      candidates.push_back(V1(root, c, cgroup_path, "cgroup.procs"));
    }
  }
  for (const std::string& file : candidates) {
    absl::StatusOr<std::string> text = base::ReadFile(file, 16 << 20);
    if (!text.ok()) continue;
    std::vector<pid_t> pids;
    for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
      int pid;
      if (absl::SimpleAtoi(line, &pid)) pids.push_back(pid);
    }
    std::sort(pids.begin(), pids.end());
    return pids;
  }
  return absl::NotFoundError(absl::StrCat("no cgroup ", cgroup_path));
}

absl::StatusOr<uint64_t> SystemCpuUsageNanos() {
  absl::StatusOr<std::string> text = base::ReadFile("/proc/stat", 1 << 20);
  if (!text.ok()) return text.status();
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (!absl::ConsumePrefix(&line, "cpu ")) continue;
    uint64_t ticks = 0;
    for (absl::string_view f : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      uint64_t v;
      if (absl::SimpleAtoi(f, &v)) ticks += v;
    }
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0) hz = 100;
    return ticks * (1000000000ull / static_cast<uint64_t>(hz));
  }
  return absl::InternalError("no cpu line in /proc/stat");
}

uint32_t OnlineCpus() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<uint32_t>(n) : 1;
}

absl::StatusOr<berth::v1::TopResponse> ParsePsOutput(absl::string_view output,
                                                     const std::vector<pid_t>& pids) {
  std::vector<absl::string_view> lines = absl::StrSplit(output, '\n', absl::SkipEmpty());
  if (lines.empty()) return absl::InvalidArgumentError("ps printed nothing");
  berth::v1::TopResponse top;
  std::vector<absl::string_view> titles = absl::StrSplit(lines[0], ' ', absl::SkipEmpty());
  int pid_index = -1;
  for (size_t i = 0; i < titles.size(); ++i) {
    top.add_titles(std::string(titles[i]));
    if (titles[i] == "PID") pid_index = static_cast<int>(i);
  }
  if (pid_index < 0) {
    return absl::InvalidArgumentError("Couldn't find PID field in ps output");
  }
  std::set<pid_t> wanted(pids.begin(), pids.end());
  for (size_t l = 1; l < lines.size(); ++l) {
    std::vector<absl::string_view> fields = absl::StrSplit(lines[l], ' ', absl::SkipEmpty());
    if (fields.size() <= static_cast<size_t>(pid_index)) continue;
    int pid;
    if (!absl::SimpleAtoi(fields[pid_index], &pid) || wanted.count(pid) == 0) continue;
    berth::v1::TopRow* row = top.add_processes();
    // The last column takes the rest of the line (a command with spaces).
    for (size_t i = 0; i < titles.size() && i < fields.size(); ++i) {
      if (i + 1 == titles.size()) {
        const char* start = fields[i].data();
        absl::string_view rest(start, lines[l].data() + lines[l].size() - start);
        row->add_values(std::string(rest));
      } else {
        row->add_values(std::string(fields[i]));
      }
    }
  }
  return top;
}

absl::StatusOr<berth::v1::TopResponse> RunTop(const std::vector<pid_t>& pids,
                                              absl::string_view ps_args) {
  std::vector<std::string> args = {"ps"};
  if (ps_args.empty()) ps_args = "-ef";
  for (absl::string_view a : absl::StrSplit(ps_args, ' ', absl::SkipEmpty())) {
    args.emplace_back(a);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return base::ErrnoError(errno, "pipe");
  base::UniqueFd r(p[0]), w(p[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, w.get(), 2);
  pid_t pid;
  int err = posix_spawnp(&pid, "ps", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return base::ErrnoError(err, "run ps");
  w.reset();
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(r.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < (64 << 20)) out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Error running ps: ", absl::StripAsciiWhitespace(out)));
  }
  return ParsePsOutput(out, pids);
}

}  // namespace engine::runtime
