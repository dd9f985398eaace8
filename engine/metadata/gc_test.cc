#include "engine/metadata/gc.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/digest.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace metadata {
namespace {

// In-memory snapshotter: refuses to remove a snapshot that has children,
// like a real one, so removal order is checked.
class FakeCatalog : public SnapshotCatalog {
 public:
  void Add(const std::string& name, const std::string& parent) { parent_[name] = parent; }
  bool Has(const std::string& name) const { return parent_.count(name) != 0; }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ListSnapshots() override {
    return std::vector<std::pair<std::string, std::string>>(parent_.begin(), parent_.end());
  }
  absl::Status RemoveSnapshot(absl::string_view name) override {
    std::string n(name);
    if (parent_.count(n) == 0) return absl::NotFoundError(n);
    for (const auto& [child, parent] : parent_) {
      if (parent == n) {
        return absl::FailedPreconditionError(absl::StrCat(n, " has child ", child));
      }
    }
    parent_.erase(n);
    removed_.push_back(n);
    return absl::OkStatus();
  }
  const std::vector<std::string>& removed() const { return removed_; }

 private:
  std::map<std::string, std::string> parent_;
  std::vector<std::string> removed_;
};

class GcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto content = content::ContentStore::Open(base::JoinPath(dir_, "content"));
    ASSERT_TRUE(content.ok()) << content.status();
    content_ = std::move(*content);
    auto metadata = MetadataStore::Open(dir_);
    ASSERT_TRUE(metadata.ok()) << metadata.status();
    metadata_ = std::move(*metadata);
  }
  void TearDown() override {
    content_.reset();
    metadata_.reset();
    ASSERT_TRUE(base::RemoveAll(dir_).ok());
  }

  base::Digest Blob(const std::string& data) {
    base::Digest d = base::Digest::Of(data);
    EXPECT_TRUE(content_->WriteBlob(d, data).ok());
    return d;
  }

  std::string dir_;
  std::unique_ptr<content::ContentStore> content_;
  std::unique_ptr<MetadataStore> metadata_;
};

TEST_F(GcTest, KeepsReferencedBlobsAndReclaimsTheRest) {
  base::Digest manifest = Blob("manifest-bytes");
  base::Digest config = Blob("config-bytes");
  base::Digest layer = Blob("layer-bytes");
  base::Digest leased = Blob("in-flight-layer");
  base::Digest garbage1 = Blob("garbage");
  base::Digest garbage2 = Blob("more garbage");

  ManifestRecord record{manifest, config, {manifest, config, layer}, {}, 11};
  ImageRecord image{"docker.io/library/x:1", manifest, manifest, config, 1};
  ASSERT_TRUE(metadata_->CommitPull(record, image).ok());
  ASSERT_TRUE(metadata_->CreateLease("pull", absl::Hours(1)).ok());
  ASSERT_TRUE(metadata_->AddLeaseResource("pull", "blob", leased.str()).ok());

  auto result = CollectGarbage(metadata_.get(), content_.get(), nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->blobs_removed, 2);
  EXPECT_EQ(result->bytes_reclaimed,
            static_cast<int64_t>(std::string("garbage").size() +
                                 std::string("more garbage").size()));
  for (const base::Digest& d : {manifest, config, layer, leased}) {
    EXPECT_TRUE(content_->Has(d)) << d.str();
  }
  EXPECT_FALSE(content_->Has(garbage1));
  EXPECT_FALSE(content_->Has(garbage2));

  // Releasing the lease frees its blob; removing the image frees the rest.
  ASSERT_TRUE(metadata_->DeleteLease("pull").ok());
  result = CollectGarbage(metadata_.get(), content_.get(), nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->blobs_removed, 1);
  EXPECT_FALSE(content_->Has(leased));
  EXPECT_TRUE(content_->Has(layer));

  ASSERT_TRUE(metadata_->DeleteImage(image.name).ok());
  result = CollectGarbage(metadata_.get(), content_.get(), nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->blobs_removed, 3);
  auto total = content_->TotalSize();
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 0);
}

TEST_F(GcTest, ExpiredLeaseNoLongerProtects) {
  base::Digest d = Blob("short-lived");
  ASSERT_TRUE(metadata_->CreateLease("pull", absl::Milliseconds(20)).ok());
  ASSERT_TRUE(metadata_->AddLeaseResource("pull", "blob", d.str()).ok());
  auto result = CollectGarbage(metadata_.get(), content_.get(), nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(content_->Has(d));
  ::usleep(50 * 1000);
  result = CollectGarbage(metadata_.get(), content_.get(), nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(content_->Has(d));
}

TEST_F(GcTest, SnapshotChainKeptWhenTopIsReferenced) {
  FakeCatalog catalog;
  // Image chain: base <- mid <- top. A dead branch off mid: mid <- old <- old-rw.
  catalog.Add("base", "");
  catalog.Add("mid", "base");
  catalog.Add("top", "mid");
  catalog.Add("old", "mid");
  catalog.Add("old-rw", "old");
  // An unrelated dead chain, and one protected by a lease.
  catalog.Add("lonely", "");
  catalog.Add("lonely-child", "lonely");
  catalog.Add("leased", "");

  base::Digest manifest = Blob("m");
  base::Digest config = Blob("c");
  ManifestRecord record{manifest, config, {manifest, config}, {"base", "mid", "top"}, 0};
  ASSERT_TRUE(metadata_->CommitPull(record, ImageRecord{"x:1", manifest, manifest, config, 1}).ok());
  ASSERT_TRUE(metadata_->CreateLease("pull", absl::Hours(1)).ok());
  ASSERT_TRUE(metadata_->AddLeaseResource("pull", "snapshot", "leased").ok());

  auto result = CollectGarbage(metadata_.get(), content_.get(), &catalog);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->snapshots_removed, 4);
  for (const char* kept : {"base", "mid", "top", "leased"}) EXPECT_TRUE(catalog.Has(kept)) << kept;
  for (const char* gone : {"old", "old-rw", "lonely", "lonely-child"}) {
    EXPECT_FALSE(catalog.Has(gone)) << gone;
  }

  // Only the top referenced (a lease on a container's parent, say): the
  // ancestors stay too.
  ASSERT_TRUE(metadata_->DeleteImage("x:1").ok());
  ASSERT_TRUE(metadata_->AddLeaseResource("pull", "snapshot", "top").ok());
  result = CollectGarbage(metadata_.get(), content_.get(), &catalog);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->snapshots_removed, 0);
  EXPECT_TRUE(catalog.Has("base"));

  ASSERT_TRUE(metadata_->DeleteLease("pull").ok());
  result = CollectGarbage(metadata_.get(), content_.get(), &catalog);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->snapshots_removed, 4);
  ASSERT_EQ(catalog.removed().size(), 8u);
  // Children went before parents.
  auto pos = [&](const std::string& n) {
    return std::find(catalog.removed().begin(), catalog.removed().end(), n) -
           catalog.removed().begin();
  };
  EXPECT_LT(pos("top"), pos("mid"));
  EXPECT_LT(pos("mid"), pos("base"));
}

TEST_F(GcTest, ReclaimsAbandonedIngestsButNotOpenOnes) {
  {
    auto w = content_->OpenWriter(base::Digest::Of("crashed pull"), -1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("crashed").ok());
  }
  auto open = content_->OpenWriter(base::Digest::Of("running pull"), -1);
  ASSERT_TRUE(open.ok());
  ASSERT_TRUE((*open)->Write("running").ok());

  auto result = CollectGarbage(metadata_.get(), content_.get(), nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->ingests_removed, 1);
  ASSERT_TRUE((*open)->Write(" pull").ok());
  EXPECT_TRUE((*open)->Commit().ok());
}

}  // namespace
}  // namespace metadata
}  // namespace engine
