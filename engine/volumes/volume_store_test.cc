#include "engine/volumes/volume_store.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine::volumes {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class VolumeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = VolumeStore::Open(dir_ + "/volumes");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  std::string dir_;
  std::unique_ptr<VolumeStore> store_;
};

TEST_F(VolumeStoreTest, RootIsPrivateButTraversable) {
  EXPECT_EQ(ModeOf(dir_ + "/volumes"), 0701u);
}

TEST_F(VolumeStoreTest, ValidNames) {
  for (const char* name : {"ab", "data", "my_vol-1.2", "0abc", "A.b"}) {
    EXPECT_TRUE(VolumeStore::ValidateName(name).ok()) << name;
  }
}

TEST_F(VolumeStoreTest, InvalidNamesAreRefused) {
  for (const char* name : {"", "a", "..", "../x", "a/b", "../../etc", ".hidden", "-x", "_x",
                           "a b", "a:b", "/abs", "x\n", "vol/../../../etc"}) {
    absl::Status s = VolumeStore::ValidateName(name);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << name;
    EXPECT_TRUE(absl::StrContains(s.message(), "invalid volume name")) << s;
  }
  EXPECT_TRUE(absl::IsInvalidArgument(VolumeStore::ValidateName(std::string(256, 'a'))));
}

TEST_F(VolumeStoreTest, EnsureRefusesPathTraversal) {
  for (const char* name : {"../escape", "../../tmp/x", "a/../../b", ".."}) {
    absl::StatusOr<Volume> v = store_->Ensure(name, false);
    ASSERT_FALSE(v.ok()) << name;
    EXPECT_TRUE(absl::StrContains(v.status().message(), "invalid volume name"));
    EXPECT_TRUE(absl::IsInvalidArgument(store_->Remove(name))) << name;
    EXPECT_TRUE(absl::IsInvalidArgument(store_->Get(name).status())) << name;
  }
  EXPECT_FALSE(base::PathExists(dir_ + "/escape"));
  absl::StatusOr<std::vector<std::string>> names = store_->List();
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty());
}

TEST_F(VolumeStoreTest, EnsureCreatesOnceAndKeepsContent) {
  absl::StatusOr<Volume> v = store_->Ensure("data", false);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->created);
  EXPECT_EQ(v->name, "data");
  EXPECT_EQ(v->data_path, dir_ + "/volumes/data/_data");
  EXPECT_EQ(ModeOf(v->data_path), 0755u);
  EXPECT_EQ(ModeOf(dir_ + "/volumes/data"), 0755u);
  ASSERT_TRUE(base::WriteFileAtomic(v->data_path + "/f", "x").ok());

  absl::StatusOr<Volume> again = store_->Ensure("data", true);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_FALSE(store_->CopyUpPending("data"));  // existing volumes get no marker
  EXPECT_TRUE(base::PathExists(v->data_path + "/f"));
}

TEST_F(VolumeStoreTest, AnonymousVolumesHaveRandomHexNames) {
  absl::StatusOr<Volume> a = store_->CreateAnonymous(false);
  absl::StatusOr<Volume> b = store_->CreateAnonymous(false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->name, b->name);
  ASSERT_EQ(a->name.size(), 64u);
  for (char c : a->name) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
  EXPECT_TRUE(a->created);
  EXPECT_EQ(ModeOf(a->data_path), 0755u);
  absl::StatusOr<std::vector<std::string>> names = store_->List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 2u);
}

TEST_F(VolumeStoreTest, GetAndRemove) {
  EXPECT_TRUE(absl::IsNotFound(store_->Get("nope").status()));
  EXPECT_EQ(store_->Get("nope").status().message(), "get nope: no such volume");
  EXPECT_TRUE(absl::IsNotFound(store_->Remove("nope")));
  ASSERT_TRUE(store_->Ensure("vol", false).ok());
  ASSERT_TRUE(base::MakeDirs(store_->DataPath("vol") + "/a/b").ok());
  ASSERT_TRUE(store_->Get("vol").ok());
  ASSERT_TRUE(store_->Remove("vol").ok());
  EXPECT_FALSE(base::PathExists(dir_ + "/volumes/vol"));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("vol").status()));
}

TEST_F(VolumeStoreTest, CopyUpRunsOnceThenMarkerIsGone) {
  const std::string rootfs = dir_ + "/rootfs";
  ASSERT_TRUE(base::MakeDirs(rootfs + "/var/lib/x").ok());
  ASSERT_TRUE(base::WriteFileAtomic(rootfs + "/var/lib/x/seed", "seed").ok());
  absl::StatusOr<Volume> v = store_->CreateAnonymous(true);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(store_->CopyUpPending(v->name));
  ASSERT_TRUE(store_->CopyUpIfPending(v->name, rootfs, "/var/lib/x").ok());
  EXPECT_FALSE(store_->CopyUpPending(v->name));
  absl::StatusOr<std::string> seed = base::ReadFile(v->data_path + "/seed");
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(*seed, "seed");

  // Without a marker nothing is copied again.
  ASSERT_EQ(unlink((v->data_path + "/seed").c_str()), 0);
  ASSERT_TRUE(store_->CopyUpIfPending(v->name, rootfs, "/var/lib/x").ok());
  EXPECT_FALSE(base::PathExists(v->data_path + "/seed"));
}

TEST_F(VolumeStoreTest, NoMarkerWithoutCopyUp) {
  absl::StatusOr<Volume> v = store_->Ensure("nocopy", false);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(store_->CopyUpPending("nocopy"));
}

}  // namespace
}  // namespace engine::volumes
