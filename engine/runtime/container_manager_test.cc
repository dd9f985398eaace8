// ContainerManager over real stores (metadata, content, snapshots) with an
// image written into them directly. Lifecycle operations that need a shim
// are covered by the e2e tests; here: create, list and filters, inspect,
// rename, wait on a stopped container, remove, prune, events, image users.

#include "engine/runtime/container_manager.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/digest.h"
#include "engine/base/file_util.h"
#include "engine/base/unique_fd.h"
#include "engine/runtime/shim_client.h"
#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

class ContainerManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    root_ = mkdtemp(tmpl);
    content_ = *content::ContentStore::Open(root_ + "/content");
    metadata_ = *metadata::MetadataStore::Open(root_);
    snapshotter_ = *snapshots::OverlaySnapshotter::Open(root_ + "/snapshots");
    store_ = std::make_unique<containers::ContainerStore>(metadata_.get());
    image_id_ = AddImage("docker.io/library/busybox:latest",
                         R"({"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],)"
                         R"("Env":["PATH=/bin"],"StopSignal":"SIGQUIT"},)"
                         R"("rootfs":{"type":"layers","diff_ids":[]}})");
    ManagerOptions options;
    options.data_root = root_ + "/data";
    options.exec_root = root_ + "/exec";
    options.shim_binary = "/nonexistent/berth-shim";
    options.store = store_.get();
    options.metadata = metadata_.get();
    options.content = content_.get();
    options.snapshotter = snapshotter_.get();
    options.bus = &bus_;
    manager_ = *ContainerManager::Create(options);
  }
  void TearDown() override {
    manager_.reset();
    (void)base::RemoveAll(root_);
  }

  std::string AddImage(const std::string& name, const std::string& config) {
    base::Digest config_digest = base::Digest::Of(config);
    EXPECT_TRUE(content_->WriteBlob(config_digest, config).ok());
    std::string layer = absl::StrCat("layer-", config_digest.hex().substr(0, 8));
    auto snap = snapshotter_->Prepare(layer + "-tmp", "");
    EXPECT_TRUE(snap.ok());
    EXPECT_TRUE(snapshotter_->Commit(layer, layer + "-tmp").ok());
    metadata::ManifestRecord manifest;
    manifest.manifest = base::Digest::Of("manifest" + config);
    manifest.config = config_digest;
    manifest.blobs = {config_digest};
    manifest.snapshots = {layer};
    metadata::ImageRecord image;
    image.name = name;
    image.target = manifest.manifest;
    image.manifest = manifest.manifest;
    image.config = config_digest;
    EXPECT_TRUE(metadata_->CommitPull(manifest, image).ok());
    return config_digest.str();
  }

  std::string CreateContainer(const std::string& name,
                              std::map<std::string, std::string> labels = {}) {
    berth::v1::CreateContainerRequest req;
    req.set_name(name);
    req.mutable_config()->set_image("busybox");
    for (auto& [k, v] : labels) (*req.mutable_config()->mutable_labels())[k] = v;
    auto resp = manager_->CreateContainer(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? resp->id() : "";
  }

  std::string root_;
  std::unique_ptr<content::ContentStore> content_;
  std::unique_ptr<metadata::MetadataStore> metadata_;
  std::unique_ptr<snapshots::OverlaySnapshotter> snapshotter_;
  std::unique_ptr<containers::ContainerStore> store_;
  events::EventBus bus_;
  std::unique_ptr<ContainerManager> manager_;
  std::string image_id_;
};

TEST_F(ContainerManagerTest, CreateRecordsSnapshotFilesAndEvent) {
  auto sub = bus_.Subscribe();
  std::string id = CreateContainer("web");
  ASSERT_EQ(id.size(), 64u);
  auto info = manager_->Inspect("web", false);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->id(), id);
  EXPECT_EQ(info->name(), "/web");
  EXPECT_EQ(info->state().status(), "created");
  EXPECT_EQ(info->image(), image_id_);
  EXPECT_EQ(info->path(), "sh");
  EXPECT_EQ(info->config().hostname(), id.substr(0, 12));
  EXPECT_EQ(info->config().env(0), "PATH=/bin");
  EXPECT_TRUE(base::PathExists(info->hostname_path()));
  EXPECT_TRUE(base::PathExists(info->hosts_path()));
  EXPECT_TRUE(base::PathExists(info->resolv_conf_path()));
  EXPECT_TRUE(snapshotter_->Stat(absl::StrCat("container-", id)).ok());
  auto event = sub->Next(absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->type, "container");
  EXPECT_EQ(event->action, "create");
  EXPECT_EQ(event->actor_id, id);
  EXPECT_EQ(event->attributes["name"], "web");
  EXPECT_EQ(event->attributes["image"], "busybox");
}

TEST_F(ContainerManagerTest, CreateErrors) {
  berth::v1::CreateContainerRequest req;
  req.mutable_config()->set_image("nosuch");
  EXPECT_TRUE(absl::IsNotFound(manager_->CreateContainer(req).status()));
  req.mutable_config()->set_image("busybox");
  req.set_name("bad name");
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->CreateContainer(req).status()));
  req.set_name("dup");
  ASSERT_TRUE(manager_->CreateContainer(req).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->CreateContainer(req).status()));
  req.set_name("");
  req.mutable_config()->mutable_entrypoint();  // --entrypoint "" clears Cmd too
  EXPECT_EQ(manager_->CreateContainer(req).status().message(), "No command specified");
}

TEST_F(ContainerManagerTest, ListFiltersAndStatus) {
  std::string a = CreateContainer("alpha", {{"tier", "web"}});
  std::string b = CreateContainer("beta");
  berth::v1::ListContainersRequest req;
  EXPECT_EQ(manager_->List(req)->containers_size(), 0);  // none running
  req.set_all(true);
  auto all = manager_->List(req);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->containers_size(), 2);
  EXPECT_EQ(all->containers(0).id(), b);  // newest first
  EXPECT_EQ(all->containers(0).status(), "Created");
  EXPECT_EQ(all->containers(0).command(), "\"sh\"");
  EXPECT_EQ(all->containers(0).names(0), "/beta");
  auto* f = req.add_filters();
  f->set_key("label");
  f->set_value("tier=web");
  auto labelled = manager_->List(req);
  ASSERT_EQ(labelled->containers_size(), 1);
  EXPECT_EQ(labelled->containers(0).id(), a);
  req.clear_filters();
  f = req.add_filters();
  f->set_key("since");
  f->set_value("alpha");
  ASSERT_EQ(manager_->List(req)->containers_size(), 1);
  req.clear_filters();
  req.set_latest(true);
  ASSERT_EQ(manager_->List(req)->containers_size(), 1);
  f = req.add_filters();
  f->set_key("bogus");
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->List(req).status()));
}

TEST_F(ContainerManagerTest, RenameWaitRemoveAndImageUser) {
  std::string id = CreateContainer("old");
  ASSERT_TRUE(manager_->Rename(id.substr(0, 6), "new").ok());
  EXPECT_EQ(manager_->Inspect(id, false)->name(), "/new");
  EXPECT_TRUE(absl::IsNotFound(manager_->Inspect("old", false).status()));

  auto user = manager_->FindImageUser(image_id_);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->short_id, id.substr(0, 12));
  EXPECT_FALSE(user->running);

  // Not running: wait returns at once.
  auto waited = manager_->Wait("new", berth::v1::WAIT_CONDITION_NOT_RUNNING, nullptr);
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->status_code(), 0);

  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->Kill("new", "")));
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Kill("new", "SIGNOPE")));
  EXPECT_TRUE(manager_->Stop("new", std::nullopt).ok());  // not running: no error

  // A waiter for removal is released by the removal.
  std::thread waiter([&] {
    auto r = manager_->Wait(id, berth::v1::WAIT_CONDITION_REMOVED, nullptr);
    EXPECT_TRUE(r.ok()) << r.status();
  });
  absl::SleepFor(absl::Milliseconds(100));
  std::string data_dir = root_ + "/data/containers/" + id;
  ASSERT_TRUE(base::PathExists(data_dir));
  ASSERT_TRUE(manager_->Remove("new", false, false).ok());
  waiter.join();
  EXPECT_FALSE(base::PathExists(data_dir));
  EXPECT_TRUE(absl::IsNotFound(snapshotter_->Stat(absl::StrCat("container-", id)).status()));
  EXPECT_TRUE(absl::IsNotFound(manager_->Inspect(id, false).status()));
  EXPECT_FALSE(manager_->FindImageUser(image_id_).has_value());
}

TEST_F(ContainerManagerTest, WaitForRemovalReturnsTheExitCodeOfTheRemovedContainer) {
  std::string id = CreateContainer("exited3");
  auto record = store_->Get(id);
  ASSERT_TRUE(record.ok()) << record.status();
  record->mutable_state()->set_status("exited");
  record->mutable_state()->set_exit_code(3);
  ASSERT_TRUE(store_->Update(*record).ok());
  absl::StatusOr<berth::v1::WaitContainerResponse> waited = absl::UnknownError("not run");
  std::thread waiter([&] {
    waited = manager_->Wait(id, berth::v1::WAIT_CONDITION_REMOVED, nullptr);
  });
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_TRUE(manager_->Remove(id, false, false).ok());
  waiter.join();
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->status_code(), 3);
}

TEST_F(ContainerManagerTest, StartWithoutShimFailsAndKeepsCreated) {
  std::string id = CreateContainer("nostart");
  absl::Status s = manager_->Start(id);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(manager_->Inspect(id, false)->state().status(), "created");
  EXPECT_FALSE(manager_->Inspect(id, false)->state().error().empty());
}

TEST_F(ContainerManagerTest, VolumesAreCreatedShownAndRemovedWithRmV) {
  std::string image = AddImage(
      "docker.io/library/vol:latest",
      R"({"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],)"
      R"("Volumes":{"/var/lib/x":{},"/data":{}}},"rootfs":{"type":"layers","diff_ids":[]}})");
  berth::v1::CreateContainerRequest req;
  req.set_name("v1");
  req.mutable_config()->set_image("vol");
  req.mutable_config()->add_volumes("/data");  // also an image volume: one only
  req.mutable_config()->add_volumes("/scratch/");
  berth::v1::Mount* named = req.mutable_host_config()->add_mounts();
  named->set_type("volume");
  named->set_source("shared");
  named->set_target("/shared");
  named->set_read_only(true);
  ASSERT_TRUE(manager_->CreateContainer(req).ok());

  auto info = manager_->Inspect("v1", false);
  ASSERT_TRUE(info.ok()) << info.status();
  std::map<std::string, berth::v1::MountPoint> by_dest;
  for (const auto& m : info->mounts()) by_dest[m.destination()] = m;
  ASSERT_EQ(by_dest.size(), 4u);
  const std::string volumes = root_ + "/data/volumes";
  const auto& shared = by_dest["/shared"];
  EXPECT_EQ(shared.type(), "volume");
  EXPECT_EQ(shared.name(), "shared");
  EXPECT_EQ(shared.source(), volumes + "/shared/_data");
  EXPECT_EQ(shared.driver(), "local");
  EXPECT_FALSE(shared.rw());
  EXPECT_EQ(shared.mode(), "ro");
  std::vector<std::string> anonymous;
  for (const char* dest : {"/data", "/scratch", "/var/lib/x"}) {
    const auto& m = by_dest[dest];
    EXPECT_EQ(m.type(), "volume") << dest;
    EXPECT_EQ(m.name().size(), 64u) << dest;
    EXPECT_EQ(m.source(), volumes + "/" + m.name() + "/_data");
    EXPECT_TRUE(m.rw());
    EXPECT_EQ(m.driver(), "local");
    EXPECT_TRUE(base::PathExists(m.source())) << dest;
    anonymous.push_back(m.name());
  }
  EXPECT_TRUE(base::PathExists(volumes + "/shared/_data"));

  // rm without -v keeps them.
  std::string keep = CreateContainer("keep");
  ASSERT_TRUE(manager_->Remove("v1", false, false).ok());
  for (const std::string& name : anonymous) EXPECT_TRUE(base::PathExists(volumes + "/" + name));
  (void)keep;
  (void)image;
}

TEST_F(ContainerManagerTest, RmVRemovesAnonymousVolumesOnly) {
  berth::v1::CreateContainerRequest req;
  req.set_name("v2");
  req.mutable_config()->set_image("busybox");
  req.mutable_config()->add_volumes("/data");
  berth::v1::Mount* named = req.mutable_host_config()->add_mounts();
  named->set_type("volume");
  named->set_source("keepme");
  named->set_target("/k");
  ASSERT_TRUE(manager_->CreateContainer(req).ok());
  auto info = manager_->Inspect("v2", false);
  ASSERT_TRUE(info.ok());
  std::string anon;
  for (const auto& m : info->mounts()) {
    if (m.destination() == "/data") anon = m.source();
  }
  ASSERT_FALSE(anon.empty());
  ASSERT_TRUE(manager_->Remove("v2", false, true).ok());
  EXPECT_FALSE(base::PathExists(anon));
  EXPECT_TRUE(base::PathExists(root_ + "/data/volumes/keepme/_data"));
}

TEST_F(ContainerManagerTest, BadVolumeNameIsRefusedAndNothingIsLeft) {
  berth::v1::CreateContainerRequest req;
  req.mutable_config()->set_image("busybox");
  req.mutable_config()->add_volumes("/anon");
  berth::v1::Mount* m = req.mutable_host_config()->add_mounts();
  m->set_type("volume");
  m->set_source("../../etc");
  m->set_target("/x");
  absl::Status s = manager_->CreateContainer(req).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_TRUE(absl::StrContains(s.message(), "invalid volume name")) << s;
  std::vector<std::string> left;
  for (const auto& entry : {root_ + "/data/volumes"}) {
    DIR* d = opendir(entry.c_str());
    ASSERT_NE(d, nullptr);
    while (struct dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') left.push_back(e->d_name);
    }
    closedir(d);
  }
  EXPECT_TRUE(left.empty());
}

TEST_F(ContainerManagerTest, PruneRemovesStoppedMatching) {
  std::string a = CreateContainer("keep", {{"keep", "1"}});
  std::string b = CreateContainer("drop");
  berth::v1::PruneContainersRequest req;
  auto* f = req.add_filters();
  f->set_key("until");
  f->set_value("2000-01-01T00:00:00Z");
  EXPECT_EQ(manager_->Prune(req)->deleted_size(), 0);
  req.clear_filters();
  auto pruned = manager_->Prune(req);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->deleted_size(), 2);
  f = req.add_filters();
  f->set_key("status");
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Prune(req).status()));
}

TEST(ParsersTest, SignalsSizesArgs) {
  EXPECT_EQ(*ParseSignal("KILL"), 9);
  EXPECT_EQ(*ParseSignal("sigterm"), 15);
  EXPECT_EQ(*ParseSignal("9"), 9);
  EXPECT_EQ(ParseSignal("NOPE").status().message(), "Invalid signal: NOPE");
  EXPECT_FALSE(ParseSignal("0").ok());
  EXPECT_EQ(*ParseByteSize("10m"), 10 << 20);
  EXPECT_EQ(*ParseByteSize("1g"), int64_t{1} << 30);
  EXPECT_EQ(*ParseByteSize("512k"), 512 << 10);
  EXPECT_EQ(*ParseByteSize("100"), 100);
  EXPECT_FALSE(ParseByteSize("lots").ok());

  registry::ImageConfig image;
  image.config.entrypoint = {"/entry"};
  image.config.cmd = {"default"};
  berth::v1::ContainerConfig c;
  EXPECT_EQ(MergedArgs(c, image), (std::vector<std::string>{"/entry", "default"}));
  c.add_cmd("mine");
  EXPECT_EQ(MergedArgs(c, image), (std::vector<std::string>{"/entry", "mine"}));
  c.clear_cmd();
  c.mutable_entrypoint()->add_values("/other");
  EXPECT_EQ(MergedArgs(c, image), std::vector<std::string>{"/other"});
}

// A reader that sees Read end after the detach keys already sees
// detached() (the attach service decides "detached" vs "output ended" by it).
TEST(AttachSessionTest, DetachedIsSetBeforeReadEnds) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  base::UniqueFd shim_end(fds[1]);
  AttachSession session(std::make_unique<AttachStream>(base::UniqueFd(fds[0])), "\x10\x11",
                        /*tty=*/true, nullptr);
  absl::Status read_status;
  bool detached_when_read_ended = false;
  std::thread reader([&] {
    berth::v1::StdStream stream;
    std::string data;
    read_status = session.Read(&stream, &data);
    detached_when_read_ended = session.detached();
  });
  absl::SleepFor(absl::Milliseconds(50));  // let Read block
  bool detached = false;
  ASSERT_TRUE(session.WriteStdin("\x10\x11", &detached).ok());
  reader.join();
  EXPECT_TRUE(detached);
  EXPECT_TRUE(session.detached());
  EXPECT_EQ(read_status.code(), absl::StatusCode::kOutOfRange) << read_status;
  EXPECT_TRUE(detached_when_read_ended);
}

}  // namespace
}  // namespace engine::runtime
