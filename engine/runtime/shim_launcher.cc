#include "engine/runtime/shim_launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/unique_fd.h"
#include "shim/oci/sealed_binary.h"

extern char** environ;

namespace engine::runtime {
namespace {

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

bool IsMountPoint(const std::string& path) {
  struct stat st {}, parent {};
  if (lstat(path.c_str(), &st) != 0) return false;
  if (lstat((path + "/..").c_str(), &parent) != 0) return false;
  if (st.st_dev != parent.st_dev) return true;
  // A bind mount of a directory on the same device: look in mountinfo.
  absl::StatusOr<std::string> info = base::ReadFile("/proc/self/mountinfo");
  if (!info.ok()) return false;
  for (absl::string_view line : absl::StrSplit(*info, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (f.size() > 4 && f[4] == path) return true;
  }
  return false;
}

}  // namespace

std::string RootfsDir(absl::string_view bundle) { return base::JoinPath(bundle, "rootfs"); }
std::string SocketPath(absl::string_view bundle) { return base::JoinPath(bundle, "shim.sock"); }

absl::StatusOr<std::string> FindShimBinary(absl::string_view override_path) {
  if (!override_path.empty()) {
    std::string p(override_path);
    if (!IsExecutable(p)) {
      return absl::NotFoundError(absl::StrCat("shim binary ", p, " is not an executable file"));
    }
    return p;
  }
  std::vector<std::string> tried;
  std::string self = SelfDir();
  if (!self.empty()) {
    tried.push_back(self + "/berth-shim");
    tried.push_back(self + "/../shim/berth-shim");
  }
  const char* path_env = getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path_env ? path_env : "", ':', absl::SkipEmpty())) {
    tried.push_back(absl::StrCat(dir, "/berth-shim"));
  }
  for (const std::string& p : tried) {
    if (IsExecutable(p)) {
      char resolved[PATH_MAX];
      if (realpath(p.c_str(), resolved) != nullptr) return std::string(resolved);
      return p;
    }
  }
  return absl::NotFoundError(
      absl::StrCat("berth-shim not found (looked next to berthd, in ../shim and in $PATH; "
                   "set --shim-binary)"));
}

absl::Status MountRootfs(const std::vector<snapshots::Mount>& mounts, const std::string& target) {
  RETURN_IF_ERROR(base::MakeDirs(target, 0755));
  if (IsMountPoint(target)) return absl::OkStatus();
  if (mounts.empty()) return absl::InvalidArgumentError("no rootfs mounts");
  for (const snapshots::Mount& m : mounts) {
    if (m.type == "overlay") {
      std::string data = absl::StrJoin(m.options, ",");
      if (mount("overlay", target.c_str(), "overlay", 0, data.c_str()) != 0) {
        return base::ErrnoError(errno, absl::StrCat("mount overlay on ", target));
      }
    } else if (m.type == "bind") {
      bool ro = false;
      for (const std::string& o : m.options) ro = ro || o == "ro";
      if (mount(m.source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        return base::ErrnoError(errno, absl::StrCat("bind mount ", m.source, " on ", target));
      }
      if (ro && mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                      nullptr) != 0) {
        int e = errno;
        umount2(target.c_str(), MNT_DETACH);
        return base::ErrnoError(e, absl::StrCat("remount read-only ", target));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unsupported mount type ", m.type));
    }
  }
  return absl::OkStatus();
}

absl::Status UnmountRootfs(const std::string& target) {
  for (int i = 0; i < 8 && IsMountPoint(target); ++i) {
    if (umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      return base::ErrnoError(errno, absl::StrCat("unmount ", target));
    }
  }
  return absl::OkStatus();
}

absl::Status ShimErrorStatus(absl::string_view message) {
  absl::string_view m = absl::StripAsciiWhitespace(message);
  absl::ConsumePrefix(&m, "error: ");
  std::string text(m);
  if (absl::StrContains(m, "executable file not found") ||
      absl::StrContains(m, "no such file or directory")) {
    return absl::NotFoundError(text);
  }
  if (absl::StrContains(m, "permission denied")) return absl::PermissionDeniedError(text);
  return absl::InvalidArgumentError(text);
}

absl::StatusOr<int> ShimLauncher::SealedBinary() const {
  absl::MutexLock lock(&mu_);
  if (!sealed_.valid()) {
    ASSIGN_OR_RETURN(sealed_, shim::oci::MakeSealedCopy(shim_binary_));
  }
  return sealed_.get();
}

absl::Status ShimLauncher::Launch(const LaunchSpec& spec) const {
  RETURN_IF_ERROR(base::MakeDirs(spec.bundle, 0711));
  const std::string rootfs = RootfsDir(spec.bundle);
  RETURN_IF_ERROR(MountRootfs(spec.rootfs_mounts, rootfs));
  bool ok = false;
  struct Cleanup {
    const std::string& rootfs;
    bool& ok;
    ~Cleanup() {
      if (!ok) (void)UnmountRootfs(rootfs);
    }
  } cleanup{rootfs, ok};

  // Runtime state (the exec root): a reboot makes it meaningless, so no fsync.
  RETURN_IF_ERROR(base::ReplaceFile(base::JoinPath(spec.bundle, "config.json"),
                                    spec.config_json, 0600));
  (void)unlink(base::JoinPath(spec.bundle, "exit").c_str());
  (void)unlink(SocketPath(spec.bundle).c_str());

  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return base::ErrnoError(errno, "pipe");
  base::UniqueFd ready_r(p[0]);
  // Keep the write end away from 0..3 so the dup2 below always clears
  // its close-on-exec flag.
  base::UniqueFd ready_w(fcntl(p[1], F_DUPFD_CLOEXEC, 10));
  close(p[1]);
  if (!ready_w.valid()) return base::ErrnoError(errno, "fcntl F_DUPFD");
  constexpr int kReadyFd = 3;

  std::vector<std::string> args = {
      shim_binary_,  "--id",        spec.id,
      "--bundle",    spec.bundle,   "--state-dir",
      spec.bundle,   "--socket",    SocketPath(spec.bundle),
      "--log-path",  spec.log_path, "--log-max-size",
      absl::StrCat(spec.log_max_size), "--log-max-file", absl::StrCat(spec.log_max_file),
      "--ready-fd",  absl::StrCat(kReadyFd)};
  if (spec.no_log) args.push_back("--no-log");
  if (spec.open_stdin) args.push_back("--stdin");
  if (!spec.seccomp_cache_dir.empty()) {
    args.push_back("--seccomp-cache");
    args.push_back(spec.seccomp_cache_dir);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::string shim_log = base::JoinPath(spec.bundle, "shim.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, shim_log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, ready_w.get(), kReadyFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  absl::StatusOr<int> sealed = SealedBinary();
  if (!sealed.ok()) {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return sealed.status();
  }
  // Keep the copy open across exec (dup2 onto itself clears close-on-exec
  // in the child only): a #! script, unlike an ELF binary, is re-opened by
  // its interpreter through /proc/self/fd/N after the exec.
  posix_spawn_file_actions_adddup2(&actions, *sealed, *sealed);
  const std::string exe = absl::StrCat("/proc/self/fd/", *sealed);
  int err = posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) return base::ErrnoError(err, absl::StrCat("start ", shim_binary_));
  ready_w.reset();

  // Read the readiness line. The first process exits once the shim has
  // detached; the shim closes the pipe after writing its line.
  std::string line;
  absl::Time deadline = absl::Now() + spec.ready_timeout;
  absl::Status result = absl::OkStatus();
  for (;;) {
    int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (ms <= 0) {
      result = absl::DeadlineExceededError(
          absl::StrCat("shim for ", spec.id, " not ready after ",
                       absl::FormatDuration(spec.ready_timeout)));
      break;
    }
    pollfd pfd{ready_r.get(), POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(ms));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = read(ready_r.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
    if (line.size() > 64 << 10) break;
  }
  // Reap the first process (it exits right after detaching, or died).
  if (!result.ok()) kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!result.ok()) return result;
  absl::string_view text = absl::StripAsciiWhitespace(line);
  if (text == "ok") {
    ok = true;
    return absl::OkStatus();
  }
  if (absl::StartsWith(text, "error:")) return ShimErrorStatus(text);
  std::string shim_err;
  if (auto log = base::ReadFile(shim_log, 1 << 16); log.ok()) {
    shim_err = std::string(absl::StripAsciiWhitespace(*log));
  }
  return absl::UnavailableError(absl::StrCat(
      "shim for ", spec.id, " exited before it was ready",
      shim_err.empty() ? "" : ": ", shim_err));
}

}  // namespace engine::runtime
