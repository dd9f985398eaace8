#include "shim/oci/cgroups.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "shim/oci/device_filter.h"

namespace shim::oci {
namespace {

constexpr const char* kControllers[] = {"memory",  "cpu",     "cpuacct", "pids",
                                        "freezer", "devices", "blkio",   "cpuset"};

absl::Status WriteCgroupFile(const std::string& file, absl::string_view value) {
  base::UniqueFd fd(open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", file));
  ssize_t n = write(fd.get(), value.data(), value.size());
  if (n < 0) {
    return base::ErrnoError(errno, absl::StrCat("write \"", value, "\" to ", file));
  }
  return absl::OkStatus();
}

std::string ReadCgroupFile(const std::string& file) {
  auto text = base::ReadFile(file, 1 << 20);
  return text.ok() ? *text : std::string();
}

// Returns the value of `key` in a "key value" per line file, or -1.
int64_t KeyedValue(absl::string_view text, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ' ');
    int64_t v = 0;
    if (kv.first == key && absl::SimpleAtoi(kv.second, &v)) return v;
  }
  return -1;
}

// Finds the mount point of each v1 controller in /proc/self/mountinfo.
std::vector<std::pair<std::string, std::string>> V1Mounts() {
  std::vector<std::pair<std::string, std::string>> out;
  std::string info = ReadCgroupFile("/proc/self/mountinfo");
  for (absl::string_view line : absl::StrSplit(info, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> halves = absl::StrSplit(line, " - ");
    if (halves.size() != 2) continue;
    std::vector<absl::string_view> pre = absl::StrSplit(halves[0], ' ');
    std::vector<absl::string_view> post = absl::StrSplit(halves[1], ' ');
    if (pre.size() < 5 || post.size() < 3 || post[0] != "cgroup") continue;
    for (absl::string_view opt : absl::StrSplit(post[2], ',')) {
      for (const char* c : kControllers) {
        if (opt == c) out.emplace_back(c, std::string(pre[4]));
      }
    }
  }
  return out;
}

bool IsV2() {
  struct statfs fs;
  return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

// cpuset v1 children start with empty cpus/mems; copy the parent's down the
// path so that tasks can join.
void FillCpuset(const std::string& mount, absl::string_view path) {
  std::string dir = mount;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    std::string child = absl::StrCat(dir, "/", part);
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
      std::string mine = ReadCgroupFile(absl::StrCat(child, "/", f));
      if (!absl::StripAsciiWhitespace(mine).empty()) continue;
      std::string parent = ReadCgroupFile(absl::StrCat(dir, "/", f));
      (void)WriteCgroupFile(absl::StrCat(child, "/", f),
                            absl::StripAsciiWhitespace(parent));
    }
    dir = child;
  }
}

// What every container needs to work (as runc appends): mknod of anything,
// the standard nodes, and ptys.
std::vector<DeviceRule> WithStandardDevices(const std::vector<DeviceRule>& rules) {
  std::vector<DeviceRule> out = rules;
  auto allow = [&out](char type, int64_t major, int64_t minor, const char* access) {
    DeviceRule r;
    r.allow = true;
    r.type = type;
    r.major = major;
    r.minor = minor;
    r.access = access;
    out.push_back(r);
  };
  allow('c', -1, -1, "m");
  allow('b', -1, -1, "m");
  for (int64_t minor : {3, 5, 7, 8, 9}) allow('c', 1, minor, "rwm");  // null zero full random urandom
  allow('c', 5, 0, "rwm");     // tty
  allow('c', 5, 2, "rwm");     // ptmx
  allow('c', 136, -1, "rwm");  // pts
  return out;
}

std::string DeviceRuleText(const DeviceRule& r) {
  if (r.type == 'a') return "a";
  auto num = [](int64_t v) { return v < 0 ? std::string("*") : absl::StrCat(v); };
  return absl::StrCat(std::string(1, r.type), " ", num(r.major), ":", num(r.minor), " ",
                      r.access);
}

}  // namespace

absl::Status Cgroup::Init(absl::string_view path) {
  if (!absl::StartsWith(path, "/") || absl::StrContains(path, "..")) {
    return absl::InvalidArgumentError(absl::StrCat("bad cgroup path \"", path, "\""));
  }
  path_ = std::string(path);
  v2_ = IsV2();
  if (v2_) {
    controllers_.emplace_back("", absl::StrCat("/sys/fs/cgroup", path_));
  } else {
    for (const auto& [name, mount] : V1Mounts()) {
      controllers_.emplace_back(name, absl::StrCat(mount, path_));
    }
    if (controllers_.empty()) return absl::FailedPreconditionError("no cgroup v1 controllers are mounted");
  }
  for (const auto& c : controllers_) {
    if (std::find(dirs_.begin(), dirs_.end(), c.second) == dirs_.end()) {
      dirs_.push_back(c.second);
    }
  }
  return absl::OkStatus();
}

std::string Cgroup::Dir(absl::string_view controller) const {
  if (v2_) return controllers_.front().second;
  for (const auto& c : controllers_) {
    if (c.first == controller) return c.second;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<Cgroup>> Cgroup::Open(absl::string_view path) {
  std::unique_ptr<Cgroup> cg(new Cgroup());
  RETURN_IF_ERROR(cg->Init(path));
  return cg;
}

absl::StatusOr<std::unique_ptr<Cgroup>> Cgroup::Create(absl::string_view path,
                                                       const Resources& resources) {
  std::unique_ptr<Cgroup> cg(new Cgroup());
  RETURN_IF_ERROR(cg->Init(path));
  absl::Status status;
  if (cg->v2_) {
    // Enable the controllers on every level above the leaf.
    std::string dir = "/sys/fs/cgroup";
    for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
      for (const char* c : {"+memory", "+cpu", "+pids", "+cpuset"}) {
        (void)WriteCgroupFile(absl::StrCat(dir, "/cgroup.subtree_control"), c);
      }
      dir = absl::StrCat(dir, "/", part);
      if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        status = base::ErrnoError(errno, absl::StrCat("mkdir ", dir));
        break;
      }
    }
    if (status.ok()) status = cg->ApplyV2(resources);
  } else {
    for (const std::string& dir : cg->dirs_) {
      // Usually only the leaf is missing: one mkdir, not one per component.
      if (mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) continue;
      status = base::MakeDirs(dir);
      if (!status.ok()) break;
    }
    if (status.ok()) {
      for (const auto& [name, dir] : cg->controllers_) {
        if (name == "cpuset") {
          FillCpuset(dir.substr(0, dir.size() - cg->path_.size()), cg->path_);
        }
      }
      status = cg->ApplyV1(resources);
    }
  }
  if (!status.ok()) {
    (void)cg->Destroy();
    return base::Annotate(status, "create cgroup");
  }
  return cg;
}

absl::Status Cgroup::ApplyV1(const Resources& r) {
  const std::string mem = Dir("memory");
  if (!mem.empty()) {
    if (r.memory_reservation && *r.memory_reservation > 0) {
      RETURN_IF_ERROR(WriteCgroupFile(mem + "/memory.soft_limit_in_bytes",
                                      absl::StrCat(*r.memory_reservation)));
    }
    if (r.memory_limit && *r.memory_limit != 0) {
      RETURN_IF_ERROR(
          WriteCgroupFile(mem + "/memory.limit_in_bytes", absl::StrCat(*r.memory_limit)));
    }
    if (r.memory_swap && *r.memory_swap != 0 &&
        base::PathExists(mem + "/memory.memsw.limit_in_bytes")) {
      RETURN_IF_ERROR(WriteCgroupFile(mem + "/memory.memsw.limit_in_bytes",
                                      absl::StrCat(*r.memory_swap)));
    }
    if (r.disable_oom_killer) {
      RETURN_IF_ERROR(WriteCgroupFile(mem + "/memory.oom_control", "1"));
    }
  }
  const std::string cpu = Dir("cpu");
  if (!cpu.empty()) {
    if (r.cpu_shares && *r.cpu_shares > 0) {
      RETURN_IF_ERROR(WriteCgroupFile(cpu + "/cpu.shares", absl::StrCat(*r.cpu_shares)));
    }
    if (r.cpu_period && *r.cpu_period > 0) {
      RETURN_IF_ERROR(
          WriteCgroupFile(cpu + "/cpu.cfs_period_us", absl::StrCat(*r.cpu_period)));
    }
    if (r.cpu_quota && *r.cpu_quota != 0) {
      RETURN_IF_ERROR(WriteCgroupFile(cpu + "/cpu.cfs_quota_us", absl::StrCat(*r.cpu_quota)));
    }
  }
  const std::string pids = Dir("pids");
  if (!pids.empty() && r.pids_limit && *r.pids_limit != 0) {
    RETURN_IF_ERROR(WriteCgroupFile(
        pids + "/pids.max", *r.pids_limit > 0 ? absl::StrCat(*r.pids_limit) : "max"));
  }
  const std::string cpuset = Dir("cpuset");
  if (!cpuset.empty()) {
    if (!r.cpuset_cpus.empty()) {
      RETURN_IF_ERROR(WriteCgroupFile(cpuset + "/cpuset.cpus", r.cpuset_cpus));
    }
    if (!r.cpuset_mems.empty()) {
      RETURN_IF_ERROR(WriteCgroupFile(cpuset + "/cpuset.mems", r.cpuset_mems));
    }
  }
  const std::string devices = Dir("devices");
  if (!devices.empty() && !r.devices.empty()) {
    for (const DeviceRule& rule : WithStandardDevices(r.devices)) {
      RETURN_IF_ERROR(WriteCgroupFile(
          devices + (rule.allow ? "/devices.allow" : "/devices.deny"), DeviceRuleText(rule)));
    }
  }
  return absl::OkStatus();
}

absl::Status Cgroup::ApplyV2(const Resources& r) {
  const std::string dir = Dir("");
  if (r.memory_reservation && *r.memory_reservation > 0) {
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/memory.low", absl::StrCat(*r.memory_reservation)));
  }
  if (r.memory_limit && *r.memory_limit != 0) {
    RETURN_IF_ERROR(WriteCgroupFile(
        dir + "/memory.max", *r.memory_limit > 0 ? absl::StrCat(*r.memory_limit) : "max"));
    if (r.memory_swap && *r.memory_swap != 0 && base::PathExists(dir + "/memory.swap.max")) {
      std::string swap = "max";
      if (*r.memory_swap > 0 && *r.memory_limit > 0) {
        swap = absl::StrCat(std::max<int64_t>(0, *r.memory_swap - *r.memory_limit));
      }
      RETURN_IF_ERROR(WriteCgroupFile(dir + "/memory.swap.max", swap));
    }
  }
  if (r.cpu_shares && *r.cpu_shares > 0) {
    uint64_t shares = std::clamp<uint64_t>(*r.cpu_shares, 2, 262144);
    uint64_t weight = 1 + ((shares - 2) * 9999) / 262142;
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/cpu.weight", absl::StrCat(weight)));
  }
  if ((r.cpu_quota && *r.cpu_quota != 0) || (r.cpu_period && *r.cpu_period > 0)) {
    std::string quota = r.cpu_quota && *r.cpu_quota > 0 ? absl::StrCat(*r.cpu_quota) : "max";
    uint64_t period = r.cpu_period && *r.cpu_period > 0 ? *r.cpu_period : 100000;
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/cpu.max", absl::StrCat(quota, " ", period)));
  }
  if (r.pids_limit && *r.pids_limit != 0) {
    RETURN_IF_ERROR(WriteCgroupFile(
        dir + "/pids.max", *r.pids_limit > 0 ? absl::StrCat(*r.pids_limit) : "max"));
  }
  if (!r.cpuset_cpus.empty()) {
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/cpuset.cpus", r.cpuset_cpus));
  }
  if (!r.cpuset_mems.empty()) {
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/cpuset.mems", r.cpuset_mems));
  }
  if (!r.devices.empty()) {
    RETURN_IF_ERROR(AttachDeviceFilter(dir, WithStandardDevices(r.devices)));
  }
  return absl::OkStatus();
}

absl::Status Cgroup::AddProcess(pid_t pid) {
  for (const std::string& dir : dirs_) {
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/cgroup.procs", absl::StrCat(pid)));
  }
  return absl::OkStatus();
}

std::vector<std::string> Cgroup::SelfJoinFiles() const {
  std::vector<std::string> files;
  for (const std::string& dir : dirs_) files.push_back(dir + (v2_ ? "/cgroup.procs" : "/tasks"));
  return files;
}

absl::StatusOr<std::vector<pid_t>> Cgroup::Pids() {
  std::string dir = v2_ ? Dir("") : Dir("freezer");
  if (dir.empty()) dir = dirs_.front();
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(dir + "/cgroup.procs", 16 << 20));
  std::vector<pid_t> pids;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    pid_t pid = 0;
    if (absl::SimpleAtoi(line, &pid)) pids.push_back(pid);
  }
  return pids;
}

absl::Status Cgroup::Freeze() {
  if (v2_) {
    RETURN_IF_ERROR(WriteCgroupFile(Dir("") + "/cgroup.freeze", "1"));
    for (int i = 0; i < 1000; ++i) {
      if (KeyedValue(ReadCgroupFile(Dir("") + "/cgroup.events"), "frozen") == 1) {
        return absl::OkStatus();
      }
      usleep(1000);
    }
    return absl::DeadlineExceededError("cgroup did not freeze");
  }
  const std::string dir = Dir("freezer");
  if (dir.empty()) return absl::FailedPreconditionError("no freezer cgroup");
  for (int i = 0; i < 1000; ++i) {
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/freezer.state", "FROZEN"));
    std::string state = ReadCgroupFile(dir + "/freezer.state");
    if (absl::StripAsciiWhitespace(state) == "FROZEN") return absl::OkStatus();
    usleep(1000);
  }
  (void)Thaw();
  return absl::DeadlineExceededError("cgroup did not freeze");
}

absl::Status Cgroup::Thaw() {
  if (v2_) return WriteCgroupFile(Dir("") + "/cgroup.freeze", "0");
  const std::string dir = Dir("freezer");
  if (dir.empty()) return absl::FailedPreconditionError("no freezer cgroup");
  return WriteCgroupFile(dir + "/freezer.state", "THAWED");
}

absl::Status Cgroup::KillAll(int signal) {
  if (v2_ && signal == SIGKILL && base::PathExists(Dir("") + "/cgroup.kill")) {
    return WriteCgroupFile(Dir("") + "/cgroup.kill", "1");
  }
  const bool frozen = Freeze().ok();
  absl::Status status;
  auto pids = Pids();
  if (!pids.ok()) {
    status = pids.status();
  } else {
    for (pid_t pid : *pids) {
      if (kill(pid, signal) != 0 && errno != ESRCH && status.ok()) {
        status = base::ErrnoError(errno, absl::StrCat("kill ", pid));
      }
    }
  }
  if (frozen) {
    absl::Status thaw = Thaw();
    if (status.ok()) status = thaw;
  }
  return status;
}

bool Cgroup::OomKilled() {
  if (v2_) return KeyedValue(ReadCgroupFile(Dir("") + "/memory.events"), "oom_kill") > 0;
  const std::string mem = Dir("memory");
  if (mem.empty()) return false;
  return KeyedValue(ReadCgroupFile(mem + "/memory.oom_control"), "oom_kill") > 0;
}

int Cgroup::OomEventFd() {
  if (oom_fd_tried_) return oom_fd_.get();
  oom_fd_tried_ = true;
  if (v2_) {
    base::UniqueFd fd(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!fd.valid()) return -1;
    std::string events = Dir("") + "/memory.events";
    if (inotify_add_watch(fd.get(), events.c_str(), IN_MODIFY) < 0) return -1;
    oom_fd_ = std::move(fd);
    return oom_fd_.get();
  }
  const std::string mem = Dir("memory");
  if (mem.empty()) return -1;
  base::UniqueFd efd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  base::UniqueFd control(open((mem + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
  if (!efd.valid() || !control.valid()) return -1;
  if (!WriteCgroupFile(mem + "/cgroup.event_control",
                       absl::StrCat(efd.get(), " ", control.get()))
           .ok()) {
    return -1;
  }
  oom_control_fd_ = std::move(control);
  oom_fd_ = std::move(efd);
  return oom_fd_.get();
}

absl::Status Cgroup::Destroy() {
  oom_fd_.reset();
  oom_control_fd_.reset();
  absl::Status status;
  for (const std::string& dir : dirs_) {
    int err = 0;
    for (int i = 0; i < 400; ++i) {
      if (rmdir(dir.c_str()) == 0 || errno == ENOENT) {
        err = 0;
        break;
      }
      err = errno;
      if (err != EBUSY) break;
      usleep(5000);
    }
    if (err != 0 && status.ok()) status = base::ErrnoError(err, absl::StrCat("rmdir ", dir));
  }
  return status;
}

}  // namespace shim::oci
