#include "shim/oci/child.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"
#include "shim/oci/capabilities.h"
#include "shim/oci/namespaces.h"
#include "shim/oci/process_setup.h"

namespace shim::oci {
namespace {

constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

absl::Status WriteFile(const std::string& path, absl::string_view value) {
  base::UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", path));
  return base::WriteAll(fd.get(), value, path);
}

// Waits for the parent's 'G' message: 'G', the filter flags (4 bytes) and
// the seccomp program (empty: none). Exits quietly on EOF.
SeccompProgram AwaitGo(int sock) {
  std::string buf(1 + sizeof(uint32_t) + BPF_MAXINSNS * sizeof(sock_filter), '\0');
  ssize_t n;
  do {
    n = recv(sock, buf.data(), buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 1 + static_cast<ssize_t>(sizeof(uint32_t)) || buf[0] != 'G') _exit(1);
  SeccompProgram program;
  memcpy(&program.flags, buf.data() + 1, sizeof(uint32_t));
  const size_t count = (n - 1 - sizeof(uint32_t)) / sizeof(sock_filter);
  program.insns.resize(count);
  memcpy(program.insns.data(), buf.data() + 1 + sizeof(uint32_t), count * sizeof(sock_filter));
  return program;
}

void ResetSignals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Makes fds 0..2 the given ones (which may themselves be 0..2).
absl::Status SetupStdio(const int fds[3]) {
  int tmp[3];
  for (int i = 0; i < 3; ++i) {
    tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (tmp[i] < 0) return base::ErrnoError(errno, "dup a stdio descriptor");
  }
  for (int i = 0; i < 3; ++i) {
    if (dup2(tmp[i], i) < 0) return base::ErrnoError(errno, "dup2 a stdio descriptor");
    close(tmp[i]);
  }
  return absl::OkStatus();
}

absl::Status EnterCwd(const std::string& cwd) {
  base::UniqueFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return base::ErrnoError(errno, "open /");
  auto dir = OpenInRoot(root.get(), cwd, O_PATH | O_DIRECTORY);
  if (!dir.ok() && absl::IsNotFound(dir.status())) dir = CreateInRoot(root.get(), cwd, false);
  if (!dir.ok()) {
    if (absl::StrContains(dir.status().message(), "Too many levels")) {
      return absl::InvalidArgumentError(
          absl::StrCat("cwd \"", cwd, "\" goes through a magic link; refused"));
    }
    return base::Annotate(dir.status(), "chdir to the working directory");
  }
  if (fchdir(dir->get()) != 0) return base::ErrnoError(errno, absl::StrCat("chdir ", cwd));
  // CVE-2024-21626: a cwd outside the container's root reads "(unreachable)".
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr || buf[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("cwd \"", cwd, "\" is outside the container's root"));
  }
  return absl::OkStatus();
}

std::string EnvValue(const std::vector<std::string>& env, absl::string_view key) {
  std::optional<std::string> value;
  for (const std::string& e : env) {
    if (absl::StartsWith(e, key) && e.size() > key.size() && e[key.size()] == '=') {
      value = e.substr(key.size() + 1);
    }
  }
  return value.value_or("");
}

// Docker's wording: exec: "x": executable file not found in $PATH.
absl::StatusOr<std::string> FindExecutable(const ProcessSpec& p) {
  const std::string& name = p.args[0];
  if (absl::StrContains(name, '/')) return name;
  std::string path = EnvValue(p.env, "PATH");
  if (path.empty()) path = kDefaultPath;
  bool denied = false;
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    struct stat st;
    if (stat(candidate.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    denied = true;
  }
  if (denied) {
    return absl::PermissionDeniedError(absl::StrCat("exec: \"", name, "\": permission denied"));
  }
  return absl::NotFoundError(
      absl::StrCat("exec: \"", name, "\": executable file not found in $PATH"));
}

void SendError(int sock, const absl::Status& status) {
  std::string msg(1, 'E');
  msg.push_back(static_cast<char>(status.code()));
  msg.append(std::string(status.message()).substr(0, 3000));
  SendBytes(sock, msg);
}

}  // namespace

bool SendBytes(int sock, absl::string_view data) {
  ssize_t n;
  do {
    n = send(sock, data.data(), data.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(data.size());
}


// Child side: waits for `expected`; exits quietly on EOF (the parent gave up).
void Await(int sock, char expected) {
  char c = 0;
  ssize_t n;
  do {
    n = recv(sock, &c, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n != 1 || c != expected) _exit(1);
}

void Fail(int sock, const absl::Status& status, int code) {
  SendError(sock, status);
  _exit(code);
}

absl::Status WriteProcFile(const std::string& path, absl::string_view value) {
  base::UniqueFd fd(open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", path));
  struct statfs fs;
  if (fstatfs(fd.get(), &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not on procfs"));
  }
  return base::WriteAll(fd.get(), value, path);
}

// Everything from the go-ahead to execve. Never returns.
[[noreturn]] void RunChild(const ChildArgs& a) {
  const int sock = a.sock;
  const ProcessSpec& p = *a.process;
  ResetSignals();
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // In a new pid namespace the parent is outside it and reads as 0.
  if (const pid_t pp = getppid(); pp != a.parent && pp != 0) _exit(1);
  // Until execve the process holds the runtime's memory and descriptors:
  // keep the container's processes from ptracing or opening /proc/<pid>/exe.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  umask(0022);
  auto check = [&](const absl::Status& s) {
    if (!s.ok()) Fail(sock, s);
  };
  if (a.init) {
    // The init moves itself into its cgroup (Cgroup::SelfJoinFiles), before
    // its cgroup namespace and any user code.
    for (const std::string& file : *a.cgroup_procs) check(WriteFile(file, "0"));
  }
  if (!p.terminal) check(SetupStdio(a.stdio));
  if (a.init) {
    check(JoinSpecNamespaces(*a.spec));
    for (const NamespaceSpec& ns : a.spec->namespaces) {
      if (ns.type == "network" && ns.path.empty()) check(BringUpLoopback());
    }
    // Through the host's /proc while it is still the one mounted (the
    // namespaced sysctls apply to the namespaces the writer is in), and
    // before /proc/sys becomes read-only.
    if (p.oom_score_adj) {
      check(WriteProcFile("/proc/self/oom_score_adj", absl::StrCat(*p.oom_score_adj)));
    }
    for (const auto& [key, value] : a.spec->sysctl) {
      check(WriteProcFile(absl::StrCat("/proc/sys/", absl::StrReplaceAll(key, {{".", "/"}})),
                          value));
    }
    if (!a.spec->hostname.empty() &&
        sethostname(a.spec->hostname.data(), a.spec->hostname.size()) != 0) {
      Fail(sock, base::ErrnoError(errno, "sethostname"));
    }
    if (!a.spec->domainname.empty() &&
        setdomainname(a.spec->domainname.data(), a.spec->domainname.size()) != 0) {
      Fail(sock, base::ErrnoError(errno, "setdomainname"));
    }
    check(SetupRootfs(*a.spec, *a.mounts));
  }
  const SeccompProgram* seccomp = a.seccomp;
  SeccompProgram received;
  if (a.init) {
    received = AwaitGo(sock);
    if (!received.insns.empty()) seccomp = &received;
  }
  check(ApplyRlimits(p.rlimits));
  if (setsid() < 0) Fail(sock, base::ErrnoError(errno, "setsid"));
  if (p.terminal) {
    auto master = OpenPtyMaster();
    check(master.status());
    if (p.console_height > 0 && p.console_width > 0) {
      struct winsize ws = {};
      ws.ws_row = p.console_height;
      ws.ws_col = p.console_width;
      if (ioctl(master->get(), TIOCSWINSZ, &ws) != 0) {
        Fail(sock, base::ErrnoError(errno, "set the console size"));
      }
    }
    check(SendFd(sock, 'P', master->get()));
    check(AttachPtySlave(master->get()));
    if (a.init && a.spec->HasDevTmpfs()) check(BindConsole());
  }
  if (p.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    Fail(sock, base::ErrnoError(errno, "prctl(PR_SET_NO_NEW_PRIVS)"));
  }
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
  // before the capabilities go (the profile must then allow the remaining
  // setup calls, as Docker's does).
  if (seccomp != nullptr && !p.no_new_privileges) check(LoadSeccomp(*seccomp));
  check(ApplyBoundingSet(p.caps.bounding));
  check(ApplyUser(p));
  check(EnterCwd(p.cwd));
  check(ApplyCapabilities(p.caps));
  if (seccomp != nullptr && p.no_new_privileges) check(LoadSeccomp(*seccomp));
  // No descriptor of the runtime survives execve (CVE-2024-21626).
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    Fail(sock, base::ErrnoError(errno, "close_range"));
  }
  if (!SendBytes(sock, "R")) _exit(1);
  Await(sock, 'S');

  auto path = FindExecutable(p);
  if (!path.ok()) Fail(sock, path.status(), absl::IsNotFound(path.status()) ? 127 : 126);
  if (a.init && a.spec->WantsInit()) {
    auto pid = ForkUnderInit();
    check(pid.status());
    if (*pid > 0) {
      // The reaper never execs: drop every descriptor but stdio now.
      close_range(3, ~0U, 0);
      RunInitReaper(*pid);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  }
  std::vector<char*> argv, envp;
  for (const std::string& s : p.args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  for (const std::string& s : p.env) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);
  execve(path->c_str(), argv.data(), envp.data());
  const int err = errno;
  const std::string& name = p.args[0];
  if (err == ENOENT) {
    Fail(sock, absl::NotFoundError(absl::StrCat("exec: \"", name, "\": stat ", *path,
                                                ": no such file or directory")), 127);
  }
  if (err == EACCES) {
    Fail(sock, absl::PermissionDeniedError(absl::StrCat("exec: \"", name, "\": permission denied")),
         126);
  }
  Fail(sock, base::ErrnoError(err, absl::StrCat("exec: \"", name, "\"")), 126);
}

}  // namespace shim::oci
