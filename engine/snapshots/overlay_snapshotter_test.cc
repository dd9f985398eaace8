#include "engine/snapshots/overlay_snapshotter.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "engine/archive/layer_extractor.h"
#include "engine/archive/tar_builder.h"
#include "engine/base/byte_source.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::snapshots {
namespace {

using ::engine::archive::TarBuilder;

std::set<std::string> ListDir(const std::string& dir) {
  std::set<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (struct dirent* de = readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != "..") names.insert(n);
  }
  closedir(d);
  return names;
}

class OverlaySnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/snaps";
    Reopen();
  }
  void TearDown() override {
    snap_.reset();
    EXPECT_TRUE(base::RemoveAll(dir_).ok());
  }
  void Reopen() {
    snap_.reset();
    auto s = OverlaySnapshotter::Open(root_);
    ASSERT_TRUE(s.ok()) << s.status();
    snap_ = std::move(*s);
  }
  // Prepares `key` over `parent`, extracts `tar` into it and commits `name`.
  void Layer(const std::string& name, const std::string& parent, const std::string& tar) {
    absl::StatusOr<SnapshotInfo> info = snap_->Prepare(name + "-extract", parent);
    ASSERT_TRUE(info.ok()) << info.status();
    base::StringSource src(tar);
    absl::StatusOr<archive::ExtractResult> r = archive::ExtractLayer(&src, info->upper_dir);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(snap_->Commit(name, name + "-extract").ok());
  }

  std::string dir_, root_;
  std::unique_ptr<OverlaySnapshotter> snap_;
};

TEST_F(OverlaySnapshotterTest, CommitOntoStacksLayersExtractedInParallel) {
  SnapshotInfo a = snap_->Prepare("a-extract", "").value();
  SnapshotInfo b = snap_->Prepare("b-extract", "").value();
  ASSERT_TRUE(snap_->CommitOnto("a", "a-extract", "").ok());
  ASSERT_TRUE(snap_->CommitOnto("b", "b-extract", "a").ok());
  EXPECT_EQ(snap_->Stat("b").value().parent, "a");
  EXPECT_EQ(snap_->Stat("b").value().upper_dir, b.upper_dir);
  SnapshotInfo c = snap_->Prepare("c", "b").value();
  auto m = snap_->Mounts("c").value();
  EXPECT_EQ(m[0].options[2], "lowerdir=" + b.upper_dir + ":" + a.upper_dir);
  // Only parentless active snapshots can be stacked; parents must be committed.
  EXPECT_EQ(snap_->CommitOnto("d", "c", "a").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(snap_->Prepare("e-extract", "").ok());
  EXPECT_EQ(snap_->CommitOnto("e", "e-extract", "c").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(snap_->CommitOnto("e", "e-extract", "nope").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(snap_->CommitOnto("a", "e-extract", "").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(snap_->Remove("a").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(OverlaySnapshotterTest, PrepareCommitChain) {
  absl::StatusOr<SnapshotInfo> k1 = snap_->Prepare("k1", "");
  ASSERT_TRUE(k1.ok()) << k1.status();
  EXPECT_EQ(k1->kind, SnapshotKind::kActive);
  EXPECT_TRUE(base::PathExists(k1->upper_dir));
  auto m = snap_->Mounts("k1").value();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].type, "bind");
  EXPECT_EQ(m[0].source, k1->upper_dir);
  EXPECT_EQ(absl::StrJoin(m[0].options, ","), "rbind,rw");

  ASSERT_TRUE(snap_->Commit("l1", "k1").ok());
  EXPECT_EQ(snap_->Stat("k1").status().code(), absl::StatusCode::kNotFound);
  SnapshotInfo l1 = snap_->Stat("l1").value();
  EXPECT_EQ(l1.kind, SnapshotKind::kCommitted);
  EXPECT_EQ(l1.upper_dir, k1->upper_dir);

  SnapshotInfo k2 = snap_->Prepare("k2", "l1").value();
  EXPECT_EQ(k2.parent, "l1");
  m = snap_->Mounts("k2").value();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].type, "overlay");
  const std::string k2dir = k2.upper_dir.substr(0, k2.upper_dir.size() - 3);
  EXPECT_EQ(absl::StrJoin(m[0].options, ","),
            "workdir=" + k2dir + "/work,upperdir=" + k2.upper_dir + ",lowerdir=" + l1.upper_dir);
  ASSERT_TRUE(snap_->Commit("l2", "k2").ok());
  SnapshotInfo l2 = snap_->Stat("l2").value();
  SnapshotInfo k3 = snap_->Prepare("k3", "l2").value();
  m = snap_->Mounts("k3").value();
  EXPECT_EQ(m[0].options[2], "lowerdir=" + l2.upper_dir + ":" + l1.upper_dir);

  std::vector<SnapshotInfo> all = snap_->List().value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "l1");
  EXPECT_EQ(all[1].parent, "l1");
  EXPECT_EQ(all[2].name, "k3");

  // Survives reopening.
  Reopen();
  EXPECT_EQ(snap_->Stat("l2").value().parent, "l1");
  auto gc = snap_->ListSnapshots().value();
  ASSERT_EQ(gc.size(), 3u);
  EXPECT_EQ(gc[2], (std::pair<std::string, std::string>("k3", "l2")));
}

TEST_F(OverlaySnapshotterTest, Errors) {
  ASSERT_TRUE(snap_->Prepare("a", "").ok());
  EXPECT_EQ(snap_->Prepare("a", "").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(snap_->Prepare("b", "a").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(snap_->Prepare("b", "nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(snap_->Prepare("", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(snap_->Stat("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(snap_->Commit("x", "nope").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(snap_->Commit("c", "a").ok());
  EXPECT_EQ(snap_->Mounts("c").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(snap_->Commit("d", "c").code(), absl::StatusCode::kFailedPrecondition);
  // Committing to a taken name fails and leaves the active one removable.
  SnapshotInfo a2 = snap_->Prepare("a2", "c").value();
  EXPECT_EQ(snap_->Commit("c", "a2").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(snap_->Stat("a2").value().kind, SnapshotKind::kActive);
  ASSERT_TRUE(snap_->Remove("a2").ok());
  EXPECT_FALSE(base::PathExists(a2.upper_dir));
  EXPECT_EQ(snap_->Remove("a2").code(), absl::StatusCode::kNotFound);
  // A failed Prepare leaves no directory behind, and the removed active
  // snapshot's tree (renamed away at once) is deleted in the background.
  for (int i = 0; i < 500 && ListDir(root_ + "/snapshots").size() > 1; ++i) usleep(10000);
  EXPECT_EQ(ListDir(root_ + "/snapshots").size(), 1u);
}

TEST_F(OverlaySnapshotterTest, RemoveRefusesParent) {
  SnapshotInfo bottom = snap_->Prepare("k1", "").value();
  ASSERT_TRUE(snap_->Commit("l1", "k1").ok());
  ASSERT_TRUE(snap_->Prepare("k2", "l1").ok());
  absl::Status s = snap_->Remove("l1");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_TRUE(base::PathExists(bottom.upper_dir));
  ASSERT_TRUE(snap_->RemoveSnapshot("k2").ok());
  ASSERT_TRUE(snap_->Remove("l1").ok());
  EXPECT_FALSE(base::PathExists(bottom.upper_dir));
  EXPECT_TRUE(snap_->List().value().empty());
  // k2's tree is deleted in the background after its rename.
  for (int i = 0; i < 500 && !ListDir(root_ + "/snapshots").empty(); ++i) usleep(10000);
  EXPECT_TRUE(ListDir(root_ + "/snapshots").empty());
}

TEST_F(OverlaySnapshotterTest, Views) {
  SnapshotInfo k1 = snap_->Prepare("k1", "").value();
  ASSERT_TRUE(snap_->Commit("l1", "k1").ok());
  ASSERT_TRUE(snap_->Prepare("k2", "l1").ok());
  ASSERT_TRUE(snap_->Commit("l2", "k2").ok());
  SnapshotInfo l2 = snap_->Stat("l2").value();

  ASSERT_EQ(snap_->View("v1", "l1").value().kind, SnapshotKind::kView);
  auto m = snap_->Mounts("v1").value();
  EXPECT_EQ(m[0].type, "bind");
  EXPECT_EQ(m[0].source, k1.upper_dir);
  EXPECT_EQ(absl::StrJoin(m[0].options, ","), "rbind,ro");
  ASSERT_TRUE(snap_->View("v2", "l2").ok());
  m = snap_->Mounts("v2").value();
  EXPECT_EQ(m[0].type, "overlay");
  EXPECT_EQ(absl::StrJoin(m[0].options, ","), "lowerdir=" + l2.upper_dir + ":" + k1.upper_dir);
  SnapshotInfo v3 = snap_->View("v3", "").value();
  EXPECT_EQ(snap_->Mounts("v3").value()[0].source, v3.upper_dir);
  EXPECT_EQ(snap_->Commit("x", "v3").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(OverlaySnapshotterTest, CleanupRemovesOrphans) {
  SnapshotInfo keep = snap_->Prepare("keep", "").value();
  ASSERT_TRUE(base::MakeDirs(root_ + "/snapshots/999/fs/deep").ok());
  ASSERT_TRUE(base::MakeDirs(root_ + "/snapshots/junk").ok());
  ASSERT_TRUE(snap_->Cleanup().ok());
  EXPECT_EQ(ListDir(root_ + "/snapshots"), (std::set<std::string>{"1"}));
  EXPECT_TRUE(base::PathExists(keep.upper_dir));
}

TEST_F(OverlaySnapshotterTest, Usage) {
  SnapshotInfo k = snap_->Prepare("k", "").value();
  ASSERT_TRUE(base::WriteFileAtomic(k.upper_dir + "/big", std::string(1 << 20, 'x')).ok());
  ASSERT_EQ(link((k.upper_dir + "/big").c_str(), (k.upper_dir + "/big2").c_str()), 0);
  int64_t usage = snap_->Usage("k").value();
  EXPECT_GE(usage, 1 << 20);
  EXPECT_LT(usage, 2 << 20) << "hardlinks count once";
  EXPECT_EQ(snap_->Usage("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(OverlaySnapshotterTest, MaxDepth) {
  std::string parent;
  for (int i = 0; i < OverlaySnapshotter::kMaxDepth; ++i) {
    std::string key = "k" + std::to_string(i), name = "l" + std::to_string(i);
    ASSERT_TRUE(snap_->Prepare(key, parent).ok()) << i;
    ASSERT_TRUE(snap_->Commit(name, key).ok());
    parent = name;
  }
  EXPECT_EQ(snap_->Prepare("too-deep", parent).status().code(), absl::StatusCode::kResourceExhausted);
}

// Mounts `mounts` (one entry) at `target` the way the runtime will.
void DoMount(const std::vector<Mount>& mounts, const std::string& target) {
  ASSERT_EQ(mounts.size(), 1u);
  const Mount& m = mounts[0];
  ASSERT_EQ(m.type, "overlay");
  std::string data = absl::StrJoin(m.options, ",");
  ASSERT_EQ(mount(m.source.c_str(), target.c_str(), "overlay", 0, data.c_str()), 0)
      << strerror(errno) << " " << data;
}

TEST_F(OverlaySnapshotterTest, RealOverlayMountWithWhiteoutAndOpaqueDir) {
  Layer("l1", "",
        TarBuilder()
            .Dir("d")
            .File("d/a", "a")
            .File("d/b", "b")
            .File("gone", "deleted in l2")
            .File("keep", "kept")
            .Dir("o")
            .File("o/lower", "hidden by opaque")
            .Build());
  Layer("l2", "l1",
        TarBuilder()
            .File(".wh.gone", "")
            .Dir("o")
            .File("o/.wh..wh..opq", "")
            .File("o/upper", "new")
            .File("d/c", "c")
            .Build());
  SnapshotInfo run = snap_->Prepare("container", "l2").value();
  const std::string target = dir_ + "/merged";
  ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
  DoMount(snap_->Mounts("container").value(), target);

  EXPECT_EQ(ListDir(target), (std::set<std::string>{"d", "keep", "o"}));
  EXPECT_EQ(ListDir(target + "/d"), (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ListDir(target + "/o"), (std::set<std::string>{"upper"}));
  EXPECT_EQ(base::ReadFile(target + "/keep").value(), "kept");
  // Writes land in the container's upper dir only.
  ASSERT_TRUE(base::WriteFileAtomic(target + "/written", "w").ok());
  EXPECT_EQ(umount2(target.c_str(), 0), 0) << strerror(errno);
  EXPECT_TRUE(base::PathExists(run.upper_dir + "/written"));
  EXPECT_TRUE(base::PathExists(snap_->Stat("l1").value().upper_dir + "/gone"));

  // A read-only view of the two layers shows the same tree.
  ASSERT_TRUE(snap_->View("view", "l2").ok());
  DoMount(snap_->Mounts("view").value(), target);
  EXPECT_EQ(ListDir(target), (std::set<std::string>{"d", "keep", "o"}));
  EXPECT_EQ(ListDir(target + "/o"), (std::set<std::string>{"upper"}));
  EXPECT_NE(base::WriteFileAtomic(target + "/x", "x").code(), absl::StatusCode::kOk);
  EXPECT_EQ(umount2(target.c_str(), 0), 0) << strerror(errno);
}

}  // namespace
}  // namespace engine::snapshots
