#include "engine/runtime/cgroup_cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"

namespace engine::runtime {
namespace {

bool IsDir(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Subdirectories of `dir` (child cgroups), without "." and "..".
std::vector<std::string> Children(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = readdir(d)) {
    absl::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string p = absl::StrCat(dir, "/", name);
    if (IsDir(p)) out.push_back(std::move(p));
  }
  closedir(d);
  return out;
}

// Every pid in `dir` and its descendants.
void CollectPids(const std::string& dir, std::set<pid_t>* pids) {
  absl::StatusOr<std::string> text = base::ReadFile(absl::StrCat(dir, "/cgroup.procs"), 16 << 20);
  if (text.ok()) {
    for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
      int pid;
      if (absl::SimpleAtoi(line, &pid) && pid > 0) pids->insert(pid);
    }
  }
  for (const std::string& child : Children(dir)) CollectPids(child, pids);
}

// Writes a control file in place (cgroup files cannot be replaced).
absl::Status WriteControl(const std::string& file, absl::string_view value) {
  base::UniqueFd fd(open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", file));
  return base::WriteAll(fd.get(), value, file);
}

// Removes `dir` after its children, retrying EBUSY (exiting tasks are still
// counted for a moment) until `deadline`.
absl::Status RemoveTree(const std::string& dir, absl::Time deadline) {
  for (const std::string& child : Children(dir)) {
    absl::Status s = RemoveTree(child, deadline);
    if (!s.ok()) return s;
  }
  while (rmdir(dir.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    if (errno != EBUSY || absl::Now() > deadline) {
      return base::ErrnoError(errno, absl::StrCat("rmdir ", dir));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> CgroupDirs(absl::string_view cgroup_path, absl::string_view root) {
  std::vector<std::string> dirs;
  const std::string base_dir(root);
  if (base::PathExists(absl::StrCat(base_dir, "/cgroup.controllers"))) {
    std::string d = absl::StrCat(base_dir, cgroup_path);
    if (IsDir(d)) dirs.push_back(d);
    return dirs;
  }
  // v1: one hierarchy per real directory (cpu -> cpu,cpuacct links are
  // skipped by lstat, their target is listed itself).
  for (const std::string& hierarchy : Children(base_dir)) {
    std::string d = absl::StrCat(hierarchy, cgroup_path);
    if (IsDir(d)) dirs.push_back(d);
  }
  return dirs;
}

absl::Status KillAndRemoveCgroup(absl::string_view cgroup_path, absl::string_view root,
                                 int timeout_ms) {
  if (!absl::StartsWith(cgroup_path, "/") || absl::StrContains(cgroup_path, "..") ||
      cgroup_path == "/") {
    return absl::InvalidArgumentError(absl::StrCat("bad cgroup path: ", cgroup_path));
  }
  std::vector<std::string> dirs = CgroupDirs(cgroup_path, root);
  if (dirs.empty()) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + absl::Milliseconds(timeout_ms);
  const bool v2 = base::PathExists(absl::StrCat(root, "/cgroup.controllers"));

  // The freeze control, when there is one: v1 freezer.state, v2 cgroup.freeze.
  std::string freeze_file, frozen = "FROZEN", thawed = "THAWED";
  if (v2) {
    std::string dir = absl::StrCat(root, cgroup_path);
    if (base::PathExists(dir + "/cgroup.kill")) {
      (void)WriteControl(dir + "/cgroup.kill", "1");
    }
    if (base::PathExists(dir + "/cgroup.freeze")) {
      freeze_file = dir + "/cgroup.freeze";
      frozen = "1";
      thawed = "0";
    }
  } else {
    std::string f = absl::StrCat(root, "/freezer", cgroup_path, "/freezer.state");
    if (base::PathExists(f)) freeze_file = f;
  }

  while (true) {
    std::set<pid_t> pids;
    for (const std::string& d : dirs) CollectPids(d, &pids);
    if (pids.empty()) break;
    if (absl::Now() > deadline) {
      if (!freeze_file.empty()) (void)WriteControl(freeze_file, thawed);
      return absl::DeadlineExceededError(absl::StrCat(
          "cgroup ", cgroup_path, " still has ", pids.size(), " processes"));
    }
    // Frozen, nothing forks or exits (so no pid is reused) between the
    // listing and the signal; SIGKILL takes effect at the thaw.
    bool froze = !freeze_file.empty() && WriteControl(freeze_file, frozen).ok();
    if (froze) {
      pids.clear();
      for (const std::string& d : dirs) CollectPids(d, &pids);
    }
    for (pid_t pid : pids) (void)kill(pid, SIGKILL);
    if (!freeze_file.empty()) (void)WriteControl(freeze_file, thawed);
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (!freeze_file.empty()) (void)WriteControl(freeze_file, thawed);

  absl::Status status;
  for (const std::string& d : dirs) {
    absl::Status s = RemoveTree(d, deadline);
    if (!s.ok() && status.ok()) status = s;
  }
  return status;
}

}  // namespace engine::runtime
