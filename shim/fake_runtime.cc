#include "shim/fake_runtime.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/unique_fd.h"
#include "rapidjson/document.h"

namespace shim {
namespace {

absl::StatusOr<std::vector<std::string>> ParseArgs(absl::string_view process_json) {
  rapidjson::Document doc;
  doc.Parse(process_json.data(), process_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("process: not a JSON object");
  }
  const rapidjson::Value* process = &doc;
  auto p = doc.FindMember("process");
  if (p != doc.MemberEnd()) process = &p->value;
  auto args = process->FindMember("args");
  if (args == process->MemberEnd() || !args->value.IsArray() || args->value.Empty()) {
    return absl::InvalidArgumentError("process.args: missing");
  }
  std::vector<std::string> out;
  for (const auto& a : args->value.GetArray()) out.emplace_back(a.GetString());
  return out;
}

class FakeProcess : public oci::Process {
 public:
  FakeProcess(pid_t pid, base::UniqueFd go, base::UniqueFd err, std::string arg0)
      : pid_(pid), go_(std::move(go)), err_(std::move(err)), arg0_(std::move(arg0)) {}
  pid_t pid() const override { return pid_; }
  int pty_master() const override { return -1; }
  int TakePtyMaster() override { return -1; }
  absl::Status Start() override {
    char c = 1;
    if (::write(go_.get(), &c, 1) != 1) return base::ErrnoError(errno, "start");
    go_.reset();
    int child_errno = 0;
    ssize_t n = ::read(err_.get(), &child_errno, sizeof child_errno);
    err_.reset();
    if (n == sizeof child_errno) {
      if (child_errno == ENOENT) {
        return absl::NotFoundError(
            absl::StrCat("exec: \"", arg0_, "\": executable file not found in $PATH"));
      }
      return base::ErrnoError(child_errno, absl::StrCat("exec ", arg0_));
    }
    return absl::OkStatus();
  }

 private:
  pid_t pid_;
  base::UniqueFd go_, err_;
  std::string arg0_;
};

absl::StatusOr<std::unique_ptr<FakeProcess>> Spawn(const std::vector<std::string>& args,
                                                   const oci::Stdio& stdio) {
  int go[2], err[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    return base::ErrnoError(errno, "pipe2");
  }
  pid_t pid = ::fork();
  if (pid < 0) return base::ErrnoError(errno, "fork");
  if (pid == 0) {
    ::setpgid(0, 0);
    int in = stdio.in >= 0 ? stdio.in : ::open("/dev/null", O_RDONLY);
    int out = stdio.out >= 0 ? stdio.out : ::open("/dev/null", O_WRONLY);
    int er = stdio.err >= 0 ? stdio.err : ::open("/dev/null", O_WRONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(er, 2);
    char c;
    if (::read(go[0], &c, 1) != 1) _exit(126);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    int e = errno;
    (void)!::write(err[1], &e, sizeof e);
    _exit(e == ENOENT ? 127 : 126);
  }
  ::close(go[0]);
  ::close(err[1]);
  return std::make_unique<FakeProcess>(pid, base::UniqueFd(go[1]), base::UniqueFd(err[0]),
                                       args[0]);
}

class FakeContainer : public oci::Container {
 public:
  absl::StatusOr<std::unique_ptr<oci::Process>> CreateExec(absl::string_view process_json,
                                                           const oci::Stdio& stdio) override {
    absl::StatusOr<std::vector<std::string>> args = ParseArgs(process_json);
    if (!args.ok()) return args.status();
    absl::StatusOr<std::unique_ptr<FakeProcess>> p = Spawn(*args, stdio);
    if (!p.ok()) return p.status();
    pids_.push_back((*p)->pid());
    return std::unique_ptr<oci::Process>(std::move(*p));
  }
  absl::Status Pause() override { return Signal(SIGSTOP); }
  absl::Status Resume() override { return Signal(SIGCONT); }
  absl::Status KillAll(int signal) override { return Signal(signal); }
  bool OomKilled() override { return false; }
  int OomEventFd() override { return -1; }
  const std::string& cgroup_path() const override { return path_; }
  absl::Status Destroy() override {
    destroyed_ = true;
    return absl::OkStatus();
  }
  void Add(pid_t pid) { pids_.push_back(pid); }

 private:
  absl::Status Signal(int sig) {
    for (pid_t pid : pids_) ::kill(-pid, sig);
    return absl::OkStatus();
  }
  std::vector<pid_t> pids_;
  std::string path_ = "/berth/fake";
  bool destroyed_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<oci::Container>> FakeCreateInit(
    absl::string_view bundle, const oci::Stdio& stdio, std::unique_ptr<oci::Process>* init) {
  absl::StatusOr<std::string> config = base::ReadFile(base::JoinPath(bundle, "config.json"));
  if (!config.ok()) return config.status();
  absl::StatusOr<std::vector<std::string>> args = ParseArgs(*config);
  if (!args.ok()) return args.status();
  absl::StatusOr<std::unique_ptr<FakeProcess>> p = Spawn(*args, stdio);
  if (!p.ok()) return p.status();
  auto container = std::make_unique<FakeContainer>();
  container->Add((*p)->pid());
  *init = std::move(*p);
  return std::unique_ptr<oci::Container>(std::move(container));
}

}  // namespace shim
