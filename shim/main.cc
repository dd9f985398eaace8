// berth-shim: the per-container supervisor. See shim_state.h for what it
// does and flags.h for its command line.
//
// Start-up: parse flags, detach (fork, setsid, fork; the first process
// waits for the shim's ready line, copies it to the ready fd and exits, so
// berthd reads the line, sees EOF and reaps it), become the child
// subreaper, create the container's init through the built-in runtime,
// listen on the socket, then report "ok\n" (or "error: ...\n"). Then the
// single-threaded loop runs until `delete`.

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "shim/event_loop.h"
#include "shim/flags.h"
#include "shim/oci/runtime.h"
#include "shim/shim_state.h"

namespace {

int g_signal_pipe = -1;
pid_t g_shim_pid = 0;
volatile sig_atomic_t g_terminate = 0;

// Handlers, not SIG_IGN and not a blocked mask: both of those would be
// inherited by the container's processes across execve, handlers are not.
void OnSignal(int sig) {
  // Between the runtime's clone and execve a child still runs this handler:
  // only the shim itself may touch the pipe.
  if (::getpid() != g_shim_pid) return;
  int saved = errno;
  if (sig == SIGTERM || sig == SIGINT) g_terminate = 1;
  if (sig != SIGPIPE) {
    char c = 0;
    (void)!::write(g_signal_pipe, &c, 1);
  }
  errno = saved;
}

void InstallHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGPIPE, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Closes every inherited fd >= 3 but `keep`: nothing of berthd's stays open.
void CloseInheritedFds(int keep) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return;
  std::vector<int> fds;
  int self = ::dirfd(dir);
  while (struct dirent* e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (fd >= 3 && fd != keep && fd != self) fds.push_back(fd);
  }
  ::closedir(dir);
  for (int fd : fds) ::close(fd);
}

void Report(int ready_fd, absl::string_view line) {
  if (ready_fd < 0) return;
  (void)base::WriteAll(ready_fd, line, "ready fd");
  ::close(ready_fd);
}

// The first process: copies the shim's one line to berthd's ready fd.
// Exits 0 when the shim is ready, 1 otherwise.
int RelayReadyLine(int from, int ready_fd) {
  std::string line;
  char c;
  for (;;) {
    ssize_t n = ::read(from, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.push_back(c);
    if (c == '\n' || line.size() > 4096) break;
  }
  if (line.empty() || line.back() != '\n') {
    line = "error: berth-shim exited before it was ready\n";
  }
  Report(ready_fd, line);
  return line == "ok\n" ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Started from a sealed copy at /proc/self/fd/N, the kernel names the
  // process "N"; ps and top should show what it is.
  ::prctl(PR_SET_NAME, "berth-shim", 0, 0, 0);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<shim::Flags> flags = shim::ParseFlags(args);
  if (!flags.ok()) {
    std::string msg = absl::StrCat("berth-shim: ", flags.status().message(), "\n");
    (void)!::write(2, msg.data(), msg.size());
    return 2;
  }
  int ready_fd = flags->ready_fd;
  if (ready_fd >= 0) ::fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
  CloseInheritedFds(ready_fd);

  // Detach. The first process stays until the shim is ready and relays its
  // line to the ready fd: the shim itself never holds that fd, because the
  // container's init, cloned while the shim holds it and waiting in the
  // created state, would keep berthd's end from seeing EOF. The middle
  // process makes the shim a session leader's orphan, re-parented to init
  // (or berthd's subreaper), so it outlives berthd.
  int relay[2];
  if (::pipe2(relay, O_CLOEXEC) != 0) {
    Report(ready_fd, absl::StrCat("error: pipe: ", std::strerror(errno), "\n"));
    return 1;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    Report(ready_fd, absl::StrCat("error: fork: ", std::strerror(errno), "\n"));
    return 1;
  }
  if (pid > 0) {
    ::close(relay[1]);
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return RelayReadyLine(relay[0], ready_fd);
  }
  ::close(relay[0]);
  if (ready_fd >= 0) ::close(ready_fd);
  ready_fd = relay[1];
  ::setsid();
  pid = ::fork();
  if (pid < 0) {
    Report(ready_fd, absl::StrCat("error: fork: ", std::strerror(errno), "\n"));
    ::_exit(1);
  }
  if (pid > 0) ::_exit(0);

  g_shim_pid = ::getpid();
  shim::ShimOptions options = flags->options;
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::close(devnull);
  }
  ::umask(0022);
  auto fail = [&](const absl::Status& status) {
    LOG_ERROR("shim failed", {{"id", options.id}, {"error", status.ToString()}});
    Report(ready_fd, absl::StrCat("error: ", status.message(), "\n"));
    return 1;
  };
  if (::chdir(options.bundle.c_str()) != 0) {
    return fail(base::ErrnoError(errno, absl::StrCat("chdir ", options.bundle)));
  }
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return fail(base::ErrnoError(errno, "prctl PR_SET_CHILD_SUBREAPER"));
  }
  if (!options.open_stdin) {
    absl::StatusOr<std::string> config =
        base::ReadFile(base::JoinPath(options.bundle, "config.json"), 4 << 20);
    if (config.ok()) options.open_stdin = shim::SpecWantsStdin(*config);
  }

  int sp[2];
  if (::pipe2(sp, O_CLOEXEC | O_NONBLOCK) != 0) return fail(base::ErrnoError(errno, "pipe2"));
  g_signal_pipe = sp[1];
  InstallHandlers();

  absl::StatusOr<std::unique_ptr<shim::EventLoop>> loop = shim::EventLoop::Create();
  if (!loop.ok()) return fail(loop.status());
  shim::oci::RuntimeOptions runtime_options;
  runtime_options.seccomp_cache_dir = flags->seccomp_cache_dir;
  shim::Shim shim(loop->get(), options,
                  [&runtime_options](absl::string_view bundle, const shim::oci::Stdio& stdio,
                                     std::unique_ptr<shim::oci::Process>* init) {
                    return shim::oci::Container::CreateInit(bundle, stdio, init,
                                                            runtime_options);
                  });
  absl::Status s = shim.Setup();
  if (!s.ok()) return fail(s);
  // Creating the container (spec parsing, the seccomp filter) freed a
  // megabyte of heap that glibc would keep; a shim lives as long as its
  // container, so give it back now.
  ::malloc_trim(0);
  s = base::ReplaceFile(base::JoinPath(options.state_dir, "shim.pid"),
                        absl::StrCat(g_shim_pid), 0644);
  if (!s.ok()) LOG_WARN("write shim.pid", {{"error", s.ToString()}});

  shim::EventLoop* l = loop->get();
  s = l->Add(sp[0], EPOLLIN, [&](uint32_t) {
    char buf[64];
    while (::read(sp[0], buf, sizeof buf) > 0) {
    }
    shim.Reap();
    if (g_terminate) {
      g_terminate = 0;
      if (shim.Terminate()) {
        l->Stop();
      } else {
        LOG_INFO("SIGTERM ignored while the container runs", {{"id", options.id}});
      }
    }
  });
  if (!s.ok()) return fail(s);
  Report(ready_fd, "ok\n");
  // A child that exited before the handler was installed.
  shim.Reap();
  s = l->Run();
  if (!s.ok()) {
    LOG_ERROR("event loop", {{"id", options.id}, {"error", s.ToString()}});
    return 1;
  }
  return 0;
}
