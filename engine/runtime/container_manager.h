// -----------------------------------------------------------------------------
// File: container_manager.h
// -----------------------------------------------------------------------------
//
// ContainerManager is the engine's container logic behind the Containers
// API, with Docker's semantics and state machine:
//
//   created --start--> running <--pause/unpause--> paused
//      ^                  |  (exit, kill, stop)
//      |                  v
//      +--(start)----- exited ----remove----> (removing) ----> gone
//                                              (dead if removal failed)
//
// It owns no storage. A container is a record (ContainerStore), a writable
// snapshot "container-<id>" over its image's top layer, a data dir
// <data-root>/containers/<id>/ (hostname, hosts, resolv.conf, json log) and,
// while it has processes, a bundle <exec-root>/containers/<id>/ served by a
// berth-shim. Attaching to a created container launches its shim early (the
// init waits in the created state) so that `run` sees all output.
//
// One watcher thread per started container waits on the shim; when the
// process exits it records the exit (code, time, OOM), publishes "oom" and
// "die", releases the shim and the rootfs mount, and removes the container
// if it was created with --rm. Restore() reattaches to the shims that
// survived a restart of berthd and records the exits that happened meanwhile.
//
// Thread-safe. Lifecycle operations on one container are serialised; reads
// run concurrently.
//
// Errors follow the API's contract (proto/berth/v1/containers.proto):
// NotFound "No such container: x"; FailedPrecondition for a wrong state
// ("Container <id> is not running", "cannot remove a running container");
// InvalidArgument for a process that cannot be invoked or found (message
// from the runtime, e.g. `exec: "nosuch": executable file not found in
// $PATH`) and for bad options.

#ifndef ENGINE_RUNTIME_CONTAINER_MANAGER_H_
#define ENGINE_RUNTIME_CONTAINER_MANAGER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/containers/container_store.h"
#include "engine/content/content_store.h"
#include "engine/events/event_bus.h"
#include "engine/images/image_catalog.h"
#include "engine/metadata/metadata_store.h"
#include "engine/registry/manifest.h"
#include "engine/runtime/detach_keys.h"
#include "engine/runtime/shim_client.h"
#include "engine/runtime/shim_launcher.h"
#include "engine/snapshots/overlay_snapshotter.h"
#include "engine/volumes/volume_store.h"
#include "proto/berth/v1/containers.pb.h"

namespace engine::runtime {

// Paths the OCI spec refers to.
struct SpecFiles {
  std::string rootfs;  // the mounted rootfs
  std::string hostname_file, hosts_file, resolv_conf_file;
};

// What the manager needs from engine/containers (spec generation and the
// /etc files), injectable for tests. Server wiring binds the real ones.
struct SpecFunctions {
  std::function<absl::StatusOr<std::string>(const containers::ContainerRecord&,
                                            const registry::ImageConfig&, const SpecFiles&)>
      build_spec;
  std::function<absl::StatusOr<std::string>(const containers::ContainerRecord&,
                                            const registry::ImageConfig&,
                                            const berth::v1::ExecCreateRequest&,
                                            absl::string_view rootfs)>
      build_exec_process;
  // Contents of /etc/hostname, /etc/hosts, /etc/resolv.conf for a new
  // container; may append warnings.
  struct EtcFiles {
    std::string hostname, hosts, resolv_conf;
  };
  std::function<absl::StatusOr<EtcFiles>(const containers::ContainerRecord&,
                                         std::vector<std::string>* warnings)>
      etc_files;
};

struct ManagerOptions {
  // Containers' data dirs go in <data_root>/containers, volumes in
  // <data_root>/volumes.
  std::string data_root;
  std::string exec_root;    // bundles go in <exec_root>/containers
  std::string shim_binary;  // resolved berth-shim path
  containers::ContainerStore* store = nullptr;
  metadata::MetadataStore* metadata = nullptr;
  content::ContentStore* content = nullptr;
  snapshots::OverlaySnapshotter* snapshotter = nullptr;
  events::EventBus* bus = nullptr;  // may be null
  SpecFunctions specs;
  std::string cgroup_root = "/sys/fs/cgroup";
};

// One attached stdio session (Attach, or ExecStart with attach).
class AttachSession {
 public:
  AttachSession(std::unique_ptr<AttachStream> stream, std::string detach_keys, bool tty,
                std::function<void()> on_detach_or_end);
  ~AttachSession();

  // Next output chunk. `*stream` is STDOUT or STDERR. OutOfRange when the
  // output has ended (or after a detach); Cancelled after Close().
  absl::Status Read(berth::v1::StdStream* stream, std::string* data);

  // Forwards stdin through the detach-key filter. Sets `*detached` when the
  // client typed the detach keys: the session is then over (Read returns
  // OutOfRange).
  absl::Status WriteStdin(absl::string_view data, bool* detached);
  // True once the detach keys were typed. Set before Read is unblocked, so
  // a reader that sees Read fail can tell a detach from the end of output.
  bool detached() const { return detached_; }
  absl::Status CloseStdin();
  absl::Status Resize(uint32_t height, uint32_t width);

  // Ends the session (unblocks Read). Idempotent; any thread.
  void Close();

 private:
  std::unique_ptr<AttachStream> stream_;
  DetachKeyFilter filter_;
  bool tty_;
  std::atomic<bool> detached_{false};
  std::function<void()> on_end_;
  absl::Mutex write_mu_;
};

class ContainerManager {
 public:
  static absl::StatusOr<std::unique_ptr<ContainerManager>> Create(ManagerOptions options);
  // Stops watching (containers keep running under their shims).
  ~ContainerManager();
  ContainerManager(const ContainerManager&) = delete;
  ContainerManager& operator=(const ContainerManager&) = delete;

  // At daemon start: reconnects to the shims of running/paused containers,
  // records exits that happened while berthd was down (exit file, else 255
  // when the shim is gone), and releases their mounts.
  absl::Status Restore();

  absl::StatusOr<berth::v1::CreateContainerResponse> CreateContainer(
      const berth::v1::CreateContainerRequest& request);
  absl::Status Start(absl::string_view ref);
  absl::Status Kill(absl::string_view ref, absl::string_view signal);
  // `timeout` in seconds (-1 forever); nullopt = the container's or 10.
  absl::Status Stop(absl::string_view ref, std::optional<int> timeout,
                    absl::string_view signal = "");
  absl::Status Restart(absl::string_view ref, std::optional<int> timeout,
                       absl::string_view signal = "");
  // With `volumes` (rm -v), the container's anonymous volumes are removed
  // too; named volumes never are. --rm containers lose their anonymous
  // volumes when they are removed after their exit, as with Docker.
  absl::Status Remove(absl::string_view ref, bool force, bool volumes);
  // Blocks until `condition` holds or `cancelled()` returns true (polled).
  absl::StatusOr<berth::v1::WaitContainerResponse> Wait(
      absl::string_view ref, berth::v1::WaitCondition condition,
      const std::function<bool()>& cancelled);
  absl::StatusOr<berth::v1::ListContainersResponse> List(
      const berth::v1::ListContainersRequest& request);
  absl::StatusOr<berth::v1::ContainerInfo> Inspect(absl::string_view ref, bool size);
  // Streams log entries; returns when done, when `sink` returns false or
  // (with follow) when `cancelled()` and the log is drained.
  absl::Status Logs(const berth::v1::LogsRequest& request,
                    const std::function<bool(const berth::v1::LogEntry&)>& sink,
                    const std::function<bool()>& cancelled);
  absl::Status Pause(absl::string_view ref);
  absl::Status Unpause(absl::string_view ref);
  absl::Status Rename(absl::string_view ref, absl::string_view new_name);
  absl::Status Resize(absl::string_view ref, uint32_t height, uint32_t width);
  absl::StatusOr<berth::v1::TopResponse> Top(absl::string_view ref, absl::string_view ps_args);
  // One sample, or one about every second until `sink` returns false.
  absl::Status Stats(absl::string_view ref, bool stream,
                     const std::function<bool(const berth::v1::ContainerStats&)>& sink);
  absl::StatusOr<berth::v1::PruneContainersResponse> Prune(
      const berth::v1::PruneContainersRequest& request);

  // Attach: launches the shim of a created container if needed. With
  // `logs`, the log is replayed first through `replay` (before streaming).
  absl::StatusOr<std::unique_ptr<AttachSession>> Attach(
      const berth::v1::AttachOpen& open,
      const std::function<bool(const berth::v1::LogEntry&)>& replay);

  absl::StatusOr<std::string> ExecCreate(const berth::v1::ExecCreateRequest& request);
  // Starts a created exec. Returns the attached session, or null with
  // `detach`.
  absl::StatusOr<std::unique_ptr<AttachSession>> ExecStart(const berth::v1::ExecStartOpen& open);
  absl::Status ExecResize(absl::string_view exec_id, uint32_t height, uint32_t width);
  absl::StatusOr<berth::v1::ExecInfo> ExecInspect(absl::string_view exec_id);

  // For image removal: a container (short ID) using `image_id`, preferring
  // a running one; `running` says whether it runs. nullopt when none.
  struct ImageUser {
    std::string short_id;
    bool running = false;
  };
  std::optional<ImageUser> FindImageUser(absl::string_view image_id);

 private:
  struct Live;
  struct Exec;
  explicit ContainerManager(ManagerOptions options);

  // Paths.
  std::string DataDir(absl::string_view id) const;
  std::string Bundle(absl::string_view id) const;
  ShimClient Shim(absl::string_view id) const { return ShimClient(SocketPath(Bundle(id))); }

  std::shared_ptr<Live> GetLive(absl::string_view id);
  absl::StatusOr<containers::ContainerRecord> Mutate(
      absl::string_view id, const std::function<void(containers::ContainerRecord*)>& fn);
  absl::StatusOr<registry::ImageConfig> ImageConfigFor(absl::string_view image_id);
  absl::StatusOr<SpecFunctions::EtcFiles> EtcFilesFor(const containers::ContainerRecord& record,
                                                      std::vector<std::string>* warnings) const;
  absl::Status WriteEtcFiles(const containers::ContainerRecord& record,
                             const SpecFunctions::EtcFiles& etc, bool only_missing) const;
  void Publish(absl::string_view action, const containers::ContainerRecord& record,
               std::map<std::string, std::string> extra = {});

  // Launches the shim (init created, not started) unless one serves already.
  absl::Status EnsureShim(const containers::ContainerRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(launch_mu_);
  absl::Status StartLocked(const containers::ContainerRecord& record);
  void Watch(const std::string& id, std::unique_ptr<PendingWait> wait);
  // Records an exit. `may_auto_remove` is false when the caller holds the
  // container's op_mu (the removal would need it).
  void HandleExit(const std::string& id, int exit_code, absl::Time exited_at, bool oom,
                  bool may_auto_remove = true);
  // Kills whatever the shim still runs, deletes the shim, unmounts.
  void TeardownShim(const std::string& id);
  // With `volumes`, the container's anonymous volumes go too (those another
  // container mounts are kept).
  absl::Status RemoveLocked(const containers::ContainerRecord& record, bool force,
                            bool volumes);

  // Volumes (container_manager_volumes.cc). CreateVolumes fills the record's
  // volume_mounts and anonymous_volumes (named volumes are created when
  // missing); on error it removes the anonymous volumes it made.
  absl::Status CreateVolumes(containers::ContainerRecord* record,
                             const registry::ImageConfig& image);
  // Copies the image's content into new volumes (once; see copy_up.h).
  absl::Status PrepareVolumes(const containers::ContainerRecord& record,
                              absl::string_view rootfs);
  // The record the spec is built from: volume mounts become binds of the
  // volumes' _data directories.
  containers::ContainerRecord SpecRecord(const containers::ContainerRecord& record) const;
  // Inspect's and List's Mounts.
  void MountPointsOf(const containers::ContainerRecord& record,
                     google::protobuf::RepeatedPtrField<berth::v1::MountPoint>* out) const;
  void RemoveVolumes(const containers::ContainerRecord& record);
  // Waits until the exit generation of `id` passes `generation`.
  bool WaitForExit(const std::string& id, int64_t generation, absl::Duration timeout);
  int64_t ExitGeneration(const std::string& id);
  void WatchExec(const std::string& exec_id, std::unique_ptr<PendingWait> wait);

  const ManagerOptions options_;
  images::ImageCatalog catalog_;
  ShimLauncher launcher_;
  std::unique_ptr<volumes::VolumeStore> volumes_;  // set by Create()

  absl::Mutex rec_mu_;     // serialises read-modify-write of records
  absl::Mutex launch_mu_;  // serialises shim launches
  absl::Mutex mu_;
  absl::CondVar cv_;
  std::map<std::string, std::shared_ptr<Live>> live_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<Exec>> execs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, registry::ImageConfig> image_configs_ ABSL_GUARDED_BY(mu_);
  std::vector<PendingWait*> pending_ ABSL_GUARDED_BY(mu_);
  int watchers_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

// Parses a signal as Docker takes it: "KILL", "SIGKILL", "kill", "9".
// InvalidArgument "Invalid signal: x".
absl::StatusOr<int> ParseSignal(absl::string_view signal);

// Parses a size as Docker's RAMInBytes ("10m", "1g", "512k", "100").
absl::StatusOr<int64_t> ParseByteSize(absl::string_view text);

// The process's argv as Docker merges it: the user's entrypoint (when
// present) or the image's, then the user's cmd, or the image's cmd unless
// the user gave an entrypoint.
std::vector<std::string> MergedArgs(const berth::v1::ContainerConfig& config,
                                    const registry::ImageConfig& image);

}  // namespace engine::runtime

#endif  // ENGINE_RUNTIME_CONTAINER_MANAGER_H_
