// The runtime's process creation: CreateInit (clone into new namespaces),
// CreateExec (join a running container), the parent<->child sync protocol
// and the exec barrier. See runtime.h for the contract.
//
// Sync protocol over a SOCK_SEQPACKET socketpair (one message per packet):
//   parent -> child: 'G' go, 'S' start (exec). For an init, 'G' carries the
//   seccomp filter (4 bytes of flags, then the program) and comes once the
//   init has written itself into its cgroup and built its root; for exec,
//   'G' is a bare byte telling the joiner it is in the cgroup.
//   Exec processes are created with CLONE_PARENT: the caller's children,
//   so no child-subreaper is needed to wait for them.
//   child -> parent: 'P' + SCM_RIGHTS pty master, 'C' + pid (exec: the
//   process that joined the container), 'R' ready (waiting for 'S'),
//   'E' + code byte + text: an error; the child then exits.
// The child's end is O_CLOEXEC, so a successful execve shows as EOF.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/unique_fd.h"
#include "shim/oci/cgroups.h"
#include "shim/oci/child.h"
#include "shim/oci/mounts.h"
#include "shim/oci/namespaces.h"
#include "shim/oci/runtime.h"
#include "shim/oci/seccomp.h"
#include "shim/oci/seccomp_cache.h"
#include "shim/oci/spec.h"

namespace shim::oci {
namespace {

// ---- messages ----------------------------------------------------------------

struct Message {
  std::string data;  // empty on EOF
  base::UniqueFd fd;
};

absl::StatusOr<Message> ReadMessage(int sock) {
  Message m;
  char buf[4096];
  char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{buf, sizeof(buf)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return base::ErrnoError(errno, "read from the container process");
  m.data.assign(buf, n);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof(int));
      m.fd.reset(fd);
    }
  }
  return m;
}

absl::Status ErrorFromMessage(absl::string_view data) {
  if (data.size() < 2) return absl::InternalError("malformed error from the container process");
  auto code = static_cast<absl::StatusCode>(static_cast<unsigned char>(data[1]));
  return absl::Status(code, data.substr(2));
}

// ---- parent side ----------------------------------------------------------------

class ProcessImpl : public Process {
 public:
  ProcessImpl(pid_t pid, base::UniqueFd sock, base::UniqueFd pty)
      : pid_(pid), sock_(std::move(sock)), pty_(std::move(pty)) {}

  pid_t pid() const override { return pid_; }
  int pty_master() const override { return pty_.get(); }
  int TakePtyMaster() override { return pty_.release(); }

  absl::Status Start() override {
    if (!sock_.valid()) return absl::FailedPreconditionError("process already started");
    base::UniqueFd sock = std::move(sock_);
    if (!SendBytes(sock.get(), "S")) {
      return base::ErrnoError(errno, "start the container process");
    }
    ASSIGN_OR_RETURN(Message m, ReadMessage(sock.get()));
    if (m.data.empty()) return absl::OkStatus();  // EOF: execve succeeded
    if (m.data[0] == 'E') return ErrorFromMessage(m.data);
    return absl::InternalError("unexpected message from the container process");
  }

 private:
  pid_t pid_;
  base::UniqueFd sock_;
  base::UniqueFd pty_;
};

// Reads setup messages until 'R' (and, with `exec_pid`, the 'C' message
// of the joiner, which may come after). Fills `pty` and `*exec_pid`.
absl::Status AwaitReady(int sock, base::UniqueFd* pty, pid_t* exec_pid) {
  bool ready = false;
  for (;;) {
    if (ready && (exec_pid == nullptr || *exec_pid > 0)) return absl::OkStatus();
    ASSIGN_OR_RETURN(Message m, ReadMessage(sock));
    if (m.data.empty()) {
      return absl::InternalError("the container process exited during setup");
    }
    switch (m.data[0]) {
      case 'R':
        ready = true;
        break;
      case 'E':
        return ErrorFromMessage(m.data);
      case 'P':
        *pty = std::move(m.fd);
        break;
      case 'C':
        if (exec_pid != nullptr && m.data.size() == 1 + sizeof(pid_t)) {
          memcpy(exec_pid, m.data.data() + 1, sizeof(pid_t));
        }
        break;
      default:
        return absl::InternalError("unexpected message from the container process");
    }
  }
}

void KillAndReap(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

class ContainerImpl : public Container {
 public:
  ContainerImpl(Spec spec, std::unique_ptr<Cgroup> cgroup,
                std::optional<SeccompProgram> seccomp, pid_t init)
      : spec_(std::move(spec)),
        cgroup_(std::move(cgroup)),
        seccomp_(std::move(seccomp)),
        init_(init) {}

  absl::StatusOr<std::unique_ptr<Process>> CreateExec(absl::string_view process_json,
                                                      const Stdio& stdio) override;
  absl::Status Pause() override { return cgroup_->Freeze(); }
  absl::Status Resume() override { return cgroup_->Thaw(); }
  absl::Status KillAll(int signal) override { return cgroup_->KillAll(signal); }
  bool OomKilled() override { return cgroup_->OomKilled(); }
  int OomEventFd() override { return cgroup_->OomEventFd(); }
  const std::string& cgroup_path() const override { return cgroup_->path(); }
  absl::Status Destroy() override { return cgroup_->Destroy(); }

 private:
  Spec spec_;
  std::unique_ptr<Cgroup> cgroup_;
  std::optional<SeccompProgram> seccomp_;
  pid_t init_;
};

struct StdioFds {
  base::UniqueFd null;
  int fds[3];
};

absl::StatusOr<StdioFds> ResolveStdio(const Stdio& stdio) {
  StdioFds out;
  const int given[3] = {stdio.in, stdio.out, stdio.err};
  for (int i = 0; i < 3; ++i) {
    if (given[i] >= 0) {
      out.fds[i] = given[i];
      continue;
    }
    if (!out.null.valid()) {
      out.null.reset(open("/dev/null", O_RDWR | O_CLOEXEC));
      if (!out.null.valid()) return base::ErrnoError(errno, "open /dev/null");
    }
    out.fds[i] = out.null.get();
  }
  return out;
}

// Writes "0" to `file`: the calling process joins that cgroup.
absl::Status WriteCgroupSelf(const std::string& file) {
  base::UniqueFd fd(open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, absl::StrCat("open ", file));
  return base::WriteAll(fd.get(), "0", file);
}

absl::StatusOr<std::pair<base::UniqueFd, base::UniqueFd>> SyncPair() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return base::ErrnoError(errno, "socketpair");
  }
  return std::make_pair(base::UniqueFd(sv[0]), base::UniqueFd(sv[1]));
}

bool WantsEnosysStub(const Spec& spec) {
  auto it = spec.annotations.find("berth.seccomp.enosys");
  return it == spec.annotations.end() || it->second != "false";
}

absl::StatusOr<std::unique_ptr<Container>> CreateInitImpl(absl::string_view bundle,
                                                          const Stdio& stdio,
                                                          std::unique_ptr<Process>* init,
                                                          const RuntimeOptions& options) {
  std::string bundle_dir(bundle);
  while (bundle_dir.size() > 1 && bundle_dir.back() == '/') bundle_dir.pop_back();
  ASSIGN_OR_RETURN(std::string json, base::ReadFile(base::JoinPath(bundle_dir, "config.json")));
  ASSIGN_OR_RETURN(Spec spec, ParseSpec(json, bundle_dir));
  std::string cgroup_path = spec.cgroups_path;
  if (cgroup_path.empty()) {
    cgroup_path = absl::StrCat("/berth/", bundle_dir.substr(bundle_dir.rfind('/') + 1));
  }
  if (!absl::StartsWith(cgroup_path, "/") || absl::StrContains(cgroup_path, ":")) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid runtime spec: cgroupsPath \"", cgroup_path, "\" is not a path"));
  }
  ASSIGN_OR_RETURN(StdioFds fds, ResolveStdio(stdio));
  ASSIGN_OR_RETURN(std::unique_ptr<Cgroup> cgroup, Cgroup::Create(cgroup_path, spec.resources));
  MountContext mctx;
  for (const auto& [name, dir] : cgroup->controllers()) mctx.cgroup_dirs.emplace_back(name, dir);
  std::vector<std::string> cgroup_procs = cgroup->SelfJoinFiles();

  auto pair = SyncPair();
  if (!pair.ok()) {
    (void)cgroup->Destroy();
    return pair.status();
  }
  base::UniqueFd parent_sock = std::move(pair->first);
  base::UniqueFd child_sock = std::move(pair->second);

  ChildArgs args;
  args.spec = &spec;
  args.process = &spec.process;
  args.mounts = &mctx;
  args.cgroup_procs = &cgroup_procs;
  args.init = true;
  args.sock = child_sock.get();
  for (int i = 0; i < 3; ++i) args.stdio[i] = fds.fds[i];
  args.parent = getpid();

  long pid = syscall(SYS_clone, CloneFlags(spec) | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) {
    absl::Status s = base::ErrnoError(errno, "clone the container's init");
    (void)cgroup->Destroy();
    return s;
  }
  if (pid == 0) {
    parent_sock.reset();
    RunChild(args);
  }
  child_sock.reset();
  // While the init joins its cgroup and builds its root, compile the
  // filter and send it with the go-ahead.
  absl::Status status;
  std::optional<SeccompProgram> seccomp;
  if (spec.seccomp) {
    auto compiled = CompileSeccompCached(*spec.seccomp, WantsEnosysStub(spec),
                                         options.seccomp_cache_dir);
    if (compiled.ok()) {
      seccomp = *std::move(compiled);
    } else {
      status = compiled.status();
    }
  }
  if (status.ok()) {
    std::string go(1, 'G');
    const uint32_t flags = seccomp ? seccomp->flags : 0;
    go.append(reinterpret_cast<const char*>(&flags), sizeof(flags));
    if (seccomp) {
      go.append(reinterpret_cast<const char*>(seccomp->insns.data()),
                seccomp->insns.size() * sizeof(sock_filter));
    }
    // A failed send means the init already exited; its error is queued.
    (void)SendBytes(parent_sock.get(), go);
  }
  base::UniqueFd pty;
  if (status.ok()) status = AwaitReady(parent_sock.get(), &pty, nullptr);
  if (!status.ok()) {
    KillAndReap(static_cast<pid_t>(pid));
    (void)cgroup->Destroy();
    return status;
  }
  *init = std::make_unique<ProcessImpl>(static_cast<pid_t>(pid), std::move(parent_sock),
                                        std::move(pty));
  return std::unique_ptr<Container>(new ContainerImpl(std::move(spec), std::move(cgroup),
                                                      std::move(seccomp),
                                                      static_cast<pid_t>(pid)));
}

absl::StatusOr<std::unique_ptr<Process>> ContainerImpl::CreateExec(
    absl::string_view process_json, const Stdio& stdio) {
  ASSIGN_OR_RETURN(ProcessSpec process, ParseProcess(process_json));
  ASSIGN_OR_RETURN(StdioFds fds, ResolveStdio(stdio));
  ASSIGN_OR_RETURN(auto pair, SyncPair());
  base::UniqueFd parent_sock = std::move(pair.first);
  base::UniqueFd child_sock = std::move(pair.second);
  ChildArgs args;
  args.spec = &spec_;
  args.process = &process;
  args.seccomp = seccomp_ ? &*seccomp_ : nullptr;
  args.sock = child_sock.get();
  for (int i = 0; i < 3; ++i) args.stdio[i] = fds.fds[i];
  args.parent = getpid();
  const std::vector<std::string> join_files = cgroup_->SelfJoinFiles();

  pid_t joiner = fork();
  if (joiner < 0) return base::ErrnoError(errno, "fork");
  if (joiner == 0) {
    // The joiner enters the namespaces, then clones the real process as a
    // sibling (CLONE_PARENT: the caller's child) inside the pid namespace.
    parent_sock.reset();
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // The joiner moves itself into the cgroup (see Cgroup::SelfJoinFiles):
    // the exec process it clones is born there.
    for (const std::string& file : join_files) {
      if (absl::Status s = WriteCgroupSelf(file); !s.ok()) Fail(args.sock, s);
    }
    Await(args.sock, 'G');
    if (process.oom_score_adj) {
      if (absl::Status s = WriteProcFile("/proc/self/oom_score_adj",
                                         absl::StrCat(*process.oom_score_adj));
          !s.ok()) {
        Fail(args.sock, s);
      }
    }
    if (absl::Status s = JoinContainerNamespaces(spec_, init_); !s.ok()) Fail(args.sock, s);
    long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) Fail(args.sock, base::ErrnoError(errno, "clone the exec process"));
    if (pid == 0) RunChild(args);
    std::string msg(1, 'C');
    pid_t p = static_cast<pid_t>(pid);
    msg.append(reinterpret_cast<const char*>(&p), sizeof(p));
    SendBytes(args.sock, msg);
    _exit(0);
  }
  child_sock.reset();
  absl::Status status;
  if (!SendBytes(parent_sock.get(), "G")) {
    status = base::ErrnoError(errno, "signal the exec process");
  }
  pid_t exec_pid = 0;
  base::UniqueFd pty;
  if (status.ok()) status = AwaitReady(parent_sock.get(), &pty, &exec_pid);
  if (!status.ok()) {
    KillAndReap(exec_pid);
    KillAndReap(joiner);
    return status;
  }
  while (waitpid(joiner, nullptr, 0) < 0 && errno == EINTR) {
  }
  return std::unique_ptr<Process>(
      new ProcessImpl(exec_pid, std::move(parent_sock), std::move(pty)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Container>> Container::CreateInit(
    absl::string_view bundle, const Stdio& stdio, std::unique_ptr<Process>* init,
    const RuntimeOptions& options) {
  return CreateInitImpl(bundle, stdio, init, options);
}

}  // namespace shim::oci
