// -----------------------------------------------------------------------------
// File: shim_state.h
// -----------------------------------------------------------------------------
//
// Shim: everything one berth-shim process knows and does for its
// container. It creates the init process through the runtime, owns the
// stdio of the init and of every exec (ProcessIo), serves the calls of
// proto/berth/shim/v1/shim.proto, reaps every child (it is the child
// subreaper), and records exits:
//
// * A process's exit code is its status, or 128 + signal when killed.
// * An exit is reported (State says STOPPED, `wait` calls are answered, and
//   for the init `<state-dir>/exit` is written) once the process has been
//   reaped and its output has ended, so the log holds every line by then;
//   if some other process keeps the output open, kExitOutputGrace after the
//   exit at the latest.
// * Delete is valid once the init has stopped: the runtime's Destroy()
//   removes the cgroup, the socket is removed, the answer is sent, and
//   finished() becomes true (main then exits 0).
//
// If berthd goes away nothing changes: the shim and its container keep
// running, and a new berthd talks to the same socket.
// Not thread-safe: everything runs on the EventLoop's thread.

#ifndef SHIM_SHIM_STATE_H_
#define SHIM_SHIM_STATE_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/berth/shim/v1/shim.pb.h"
#include "shim/connection.h"
#include "shim/event_loop.h"
#include "shim/io.h"
#include "shim/json_logger.h"
#include "shim/oci/runtime.h"
#include "shim/server.h"

namespace shim {

inline constexpr absl::Duration kExitOutputGrace = absl::Seconds(2);

struct ShimOptions {
  std::string id;
  std::string bundle;      // holds config.json and rootfs
  std::string state_dir;   // where `exit` is written
  std::string socket_path;
  std::string log_path;    // json-file log; unused with no_log
  int64_t log_max_size = -1;  // bytes; < 0 unlimited
  int log_max_file = 1;
  bool no_log = false;
  bool open_stdin = false;  // the init gets a stdin pipe (docker run -i)
};

// Shim::Create's way to make the container: Container::CreateInit in the
// binary, a fake in tests.
using CreateInitFn = std::function<absl::StatusOr<std::unique_ptr<oci::Container>>(
    absl::string_view bundle, const oci::Stdio& stdio, std::unique_ptr<oci::Process>* init)>;

class Shim {
 public:
  Shim(EventLoop* loop, ShimOptions options, CreateInitFn create_init);
  ~Shim();

  // Opens the log, creates the init process (created state) and listens.
  // On error nothing is left running.
  absl::Status Setup();

  // Reaps every exited child (call on SIGCHLD).
  void Reap();

  // SIGTERM: ends the shim like Delete if the init has stopped; ignored
  // (returns false) while it runs.
  bool Terminate();

  // Delete (or Terminate) ran: the process should exit.
  bool finished() const { return finished_; }
  pid_t init_pid() const { return init_.pid; }

 private:
  struct Proc {
    std::string exec_id;
    std::unique_ptr<oci::Process> process;
    pid_t pid = 0;
    berth::shim::v1::Status status = berth::shim::v1::STATUS_CREATED;
    bool reaped = false;
    bool finalized = false;
    int exit_code = 0;
    absl::Time exited_at;
    bool oom_killed = false;
    std::unique_ptr<ProcessIo> io;
    std::vector<std::shared_ptr<Connection>> waiters;
  };

  void HandleCall(std::shared_ptr<Connection> conn, berth::shim::v1::Request request,
                  std::string leftover);
  absl::StatusOr<Proc*> Find(absl::string_view exec_id);
  absl::Status Start(Proc* proc, berth::shim::v1::Response* response);
  absl::Status Kill(const berth::shim::v1::KillRequest& req);
  absl::Status Exec(const berth::shim::v1::ExecRequest& req);
  absl::Status Delete();
  void FillState(const Proc& proc, berth::shim::v1::StateResponse* state) const;
  void OnExit(Proc* proc, int wait_status);
  void Finalize(Proc* proc);
  void WatchOutput(Proc* proc);
  void Cleanup();

  EventLoop* loop_;
  ShimOptions options_;
  CreateInitFn create_init_;
  std::unique_ptr<JsonLogger> logger_;
  std::unique_ptr<oci::Container> container_;
  std::unique_ptr<Server> server_;
  Proc init_;
  std::map<std::string, std::unique_ptr<Proc>> execs_;
  bool paused_ = false;
  bool finished_ = false;
};

}  // namespace shim

#endif  // SHIM_SHIM_STATE_H_
