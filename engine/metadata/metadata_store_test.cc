#include "engine/metadata/metadata_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/digest.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace metadata {
namespace {

base::Digest D(absl::string_view seed) { return base::Digest::Of(seed); }

ImageRecord Image(const std::string& name, absl::string_view seed, int64_t t = 1) {
  return ImageRecord{name, D(absl::StrCat(seed, "-index")), D(absl::StrCat(seed, "-manifest")),
                     D(absl::StrCat(seed, "-config")), t};
}

ManifestRecord Manifest(absl::string_view seed) {
  return ManifestRecord{D(absl::StrCat(seed, "-manifest")),
                        D(absl::StrCat(seed, "-config")),
                        {D(absl::StrCat(seed, "-index")), D(absl::StrCat(seed, "-manifest")),
                         D(absl::StrCat(seed, "-config")), D(absl::StrCat(seed, "-layer0")),
                         D(absl::StrCat(seed, "-layer1"))},
                        {absl::StrCat(seed, "-chain0"), absl::StrCat(seed, "-chain1")},
                        4096};
}

class MetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    ASSERT_TRUE(base::RemoveAll(dir_).ok());
  }
  void Reopen() {
    store_.reset();
    auto store = MetadataStore::Open(base::JoinPath(dir_, "meta"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::string dir_;
  std::unique_ptr<MetadataStore> store_;
};

void ExpectSameImage(const ImageRecord& a, const ImageRecord& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.manifest, b.manifest);
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.updated_unix_nanos, b.updated_unix_nanos);
}

TEST_F(MetadataStoreTest, ImageCrud) {
  EXPECT_EQ(store_->GetImage("docker.io/library/alpine:3.19").status().code(),
            absl::StatusCode::kNotFound);
  ImageRecord alpine = Image("docker.io/library/alpine:3.19", "alpine", 100);
  ASSERT_TRUE(store_->PutImage(alpine).ok());
  ASSERT_TRUE(store_->PutImage(Image("docker.io/library/busybox:latest", "busybox")).ok());

  auto got = store_->GetImage("docker.io/library/alpine:3.19");
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameImage(*got, alpine);

  // Replace by name.
  ImageRecord newer = Image("docker.io/library/alpine:3.19", "alpine2", 200);
  ASSERT_TRUE(store_->PutImage(newer).ok());
  got = store_->GetImage("docker.io/library/alpine:3.19");
  ASSERT_TRUE(got.ok());
  ExpectSameImage(*got, newer);

  auto list = store_->ListImages();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "docker.io/library/alpine:3.19");
  EXPECT_EQ((*list)[1].name, "docker.io/library/busybox:latest");

  ASSERT_TRUE(store_->DeleteImage("docker.io/library/alpine:3.19").ok());
  EXPECT_EQ(store_->DeleteImage("docker.io/library/alpine:3.19").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetImage("docker.io/library/alpine:3.19").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->PutImage(Image("", "x")).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MetadataStoreTest, ManifestRoundTripKeepsOrder) {
  EXPECT_EQ(store_->GetManifest(D("nope")).status().code(), absl::StatusCode::kNotFound);
  ManifestRecord m = Manifest("alpine");
  m.blobs.push_back(m.blobs[3]);  // duplicate dropped
  ASSERT_TRUE(store_->PutManifest(m).ok());
  auto got = store_->GetManifest(m.manifest);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->config, m.config);
  ASSERT_EQ(got->blobs.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(got->blobs[i], m.blobs[i]) << i;
  EXPECT_EQ(got->snapshots, m.snapshots);
  EXPECT_EQ(got->unpacked_size, 4096);

  // Replacing drops the old lists.
  ManifestRecord smaller{m.manifest, m.config, {m.manifest}, {"only"}, 1};
  ASSERT_TRUE(store_->PutManifest(smaller).ok());
  got = store_->GetManifest(m.manifest);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->blobs.size(), 1u);
  EXPECT_EQ(got->snapshots, std::vector<std::string>{"only"});
}

TEST_F(MetadataStoreTest, CommitPullIsAtomic) {
  ManifestRecord m = Manifest("alpine");
  ImageRecord image = Image("docker.io/library/alpine:latest", "alpine");
  ASSERT_TRUE(store_->CommitPull(m, image).ok());
  EXPECT_TRUE(store_->GetImage(image.name).ok());
  EXPECT_TRUE(store_->GetManifest(m.manifest).ok());

  // A failure half-way (an empty snapshot name is rejected after the
  // manifest row went in) leaves neither record.
  ManifestRecord bad = Manifest("busybox");
  bad.snapshots.push_back("");
  ImageRecord bad_image = Image("docker.io/library/busybox:latest", "busybox");
  EXPECT_FALSE(store_->CommitPull(bad, bad_image).ok());
  EXPECT_EQ(store_->GetImage(bad_image.name).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetManifest(bad.manifest).status().code(), absl::StatusCode::kNotFound);

  // Same when the image part fails (empty name).
  ImageRecord nameless = Image("", "busybox");
  EXPECT_EQ(store_->CommitPull(Manifest("busybox"), nameless).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetManifest(bad.manifest).status().code(), absl::StatusCode::kNotFound);

  // The image must point at the record.
  EXPECT_EQ(store_->CommitPull(Manifest("busybox"), image).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MetadataStoreTest, CollectRootsFollowsImagesAndDropsOrphanManifests) {
  ASSERT_TRUE(store_->CommitPull(Manifest("alpine"), Image("a:1", "alpine")).ok());
  ASSERT_TRUE(store_->PutImage(Image("a:2", "alpine")).ok());  // a tag, same manifest
  ASSERT_TRUE(store_->PutManifest(Manifest("orphan")).ok());

  auto roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok()) << roots.status();
  EXPECT_EQ(roots->blobs.size(), 5u);
  for (const base::Digest& d : Manifest("alpine").blobs) {
    EXPECT_EQ(roots->blobs.count(d.str()), 1u) << d.str();
  }
  EXPECT_EQ(roots->snapshots, (std::set<std::string>{"alpine-chain0", "alpine-chain1"}));
  EXPECT_EQ(store_->GetManifest(Manifest("orphan").manifest).status().code(),
            absl::StatusCode::kNotFound);

  // Removing one tag keeps everything; removing the last releases it all.
  ASSERT_TRUE(store_->DeleteImage("a:1").ok());
  roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok());
  EXPECT_EQ(roots->snapshots.size(), 2u);
  ASSERT_TRUE(store_->DeleteImage("a:2").ok());
  roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok());
  EXPECT_TRUE(roots->blobs.empty());
  EXPECT_TRUE(roots->snapshots.empty());
  EXPECT_EQ(store_->GetManifest(Manifest("alpine").manifest).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MetadataStoreTest, LeasesProtectUntilDeletedOrExpired) {
  ASSERT_TRUE(store_->CreateLease("pull-1", absl::Hours(1)).ok());
  EXPECT_EQ(store_->CreateLease("pull-1", absl::Hours(1)).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateLease("pull-x", absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->AddLeaseResource("pull-1", "blob", D("layer").str()).ok());
  ASSERT_TRUE(store_->AddLeaseResource("pull-1", "blob", D("layer").str()).ok());  // idempotent
  ASSERT_TRUE(store_->AddLeaseResource("pull-1", "snapshot", "chain-a").ok());
  EXPECT_EQ(store_->AddLeaseResource("pull-1", "volume", "v").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AddLeaseResource("nope", "blob", D("x").str()).code(),
            absl::StatusCode::kNotFound);

  ASSERT_TRUE(store_->CreateLease("short", absl::Milliseconds(30)).ok());
  ASSERT_TRUE(store_->AddLeaseResource("short", "blob", D("short-lived").str()).ok());
  ASSERT_TRUE(store_->CreateLease("forever", absl::InfiniteDuration()).ok());
  ASSERT_TRUE(store_->AddLeaseResource("forever", "snapshot", "pinned").ok());

  auto roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok()) << roots.status();
  EXPECT_EQ(roots->blobs, (std::set<std::string>{D("layer").str(), D("short-lived").str()}));
  EXPECT_EQ(roots->snapshots, (std::set<std::string>{"chain-a", "pinned"}));

  ::usleep(60 * 1000);
  EXPECT_EQ(store_->AddLeaseResource("short", "blob", D("late").str()).code(),
            absl::StatusCode::kFailedPrecondition);
  roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok());
  EXPECT_EQ(roots->blobs, std::set<std::string>{D("layer").str()});
  // The expired lease is gone for good.
  EXPECT_EQ(store_->DeleteLease("short").code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store_->DeleteLease("pull-1").ok());
  EXPECT_EQ(store_->DeleteLease("pull-1").code(), absl::StatusCode::kNotFound);
  roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok());
  EXPECT_TRUE(roots->blobs.empty());
  EXPECT_EQ(roots->snapshots, std::set<std::string>{"pinned"});
}

TEST_F(MetadataStoreTest, KeyValue) {
  EXPECT_EQ(store_->GetKv("engine-id").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->PutKv("engine-id", "abc").ok());
  ASSERT_TRUE(store_->PutKv("engine-id", "def").ok());
  auto v = store_->GetKv("engine-id");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "def");
}

TEST_F(MetadataStoreTest, ReopenKeepsData) {
  ASSERT_TRUE(store_->CommitPull(Manifest("alpine"), Image("a:1", "alpine")).ok());
  ASSERT_TRUE(store_->CreateLease("l", absl::Hours(1)).ok());
  ASSERT_TRUE(store_->PutKv("k", "v").ok());
  Reopen();
  EXPECT_TRUE(store_->GetImage("a:1").ok());
  EXPECT_TRUE(store_->GetManifest(Manifest("alpine").manifest).ok());
  EXPECT_EQ(store_->CreateLease("l", absl::Hours(1)).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*store_->GetKv("k"), "v");
}

TEST_F(MetadataStoreTest, DatabaseIsWalWithSchemaVersion) {
  EXPECT_EQ(store_->path(), base::JoinPath(base::JoinPath(dir_, "meta"), "metadata.db"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(store_->path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  auto query_text = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    std::string out(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_EQ(query_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text("PRAGMA user_version"), absl::StrCat(MetadataStore::kSchemaVersion));

  // A database from a newer berthd is refused, not silently used.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  store_.reset();
  auto newer = MetadataStore::Open(base::JoinPath(dir_, "meta"));
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition) << newer.status();
}

TEST_F(MetadataStoreTest, ConcurrentWritersAllLand) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        std::string seed = absl::StrCat("t", t, "-", i);
        EXPECT_TRUE(store_->CommitPull(Manifest(seed), Image(seed + ":latest", seed)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto list = store_->ListImages();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 100u);
}

}  // namespace
}  // namespace metadata
}  // namespace engine

namespace engine::metadata {
namespace {

TEST_F(MetadataStoreTest, DeleteAllLeasesReleasesEverything) {
  ASSERT_TRUE(store_->CreateLease("a", absl::Hours(1)).ok());
  ASSERT_TRUE(store_->CreateLease("b", absl::InfiniteDuration()).ok());
  ASSERT_TRUE(store_->AddLeaseResource("a", "blob", D("x").str()).ok());
  ASSERT_TRUE(store_->AddLeaseResource("b", "snapshot", "s").ok());
  ASSERT_TRUE(store_->DeleteAllLeases().ok());
  auto roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok()) << roots.status();
  EXPECT_TRUE(roots->blobs.empty());
  EXPECT_TRUE(roots->snapshots.empty());
  EXPECT_EQ(store_->DeleteLease("a").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->DeleteAllLeases().ok());
}

}  // namespace
}  // namespace engine::metadata

namespace engine {
namespace metadata {
namespace {

ContainerRow Container(const std::string& id, const std::string& name, absl::string_view image_seed,
                       std::string record = "rec") {
  return ContainerRow{id, name, D(absl::StrCat(image_seed, "-config")), id + "-rw",
                      std::move(record)};
}

TEST_F(MetadataStoreTest, ContainerCrud) {
  EXPECT_EQ(store_->GetContainer("c1").status().code(), absl::StatusCode::kNotFound);
  // Bytes with a NUL and invalid UTF-8 survive.
  std::string record("a\0b\xff", 4);
  ASSERT_TRUE(store_->CreateContainer(Container("c1", "web", "alpine", record)).ok());
  ASSERT_TRUE(store_->CreateContainer(Container("c2", "db", "busybox")).ok());

  auto got = store_->GetContainer("c1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name, "web");
  EXPECT_EQ(got->image_id, D("alpine-config"));
  EXPECT_EQ(got->snapshot, "c1-rw");
  EXPECT_EQ(got->record, record);

  // Duplicate ID and duplicate name are refused, with Docker's wording for names.
  EXPECT_EQ(store_->CreateContainer(Container("c1", "other", "alpine")).code(),
            absl::StatusCode::kAlreadyExists);
  absl::Status dup = store_->CreateContainer(Container("c3", "web", "alpine"));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("The container name \"/web\" is already in use by container \"c1\""),
            absl::string_view::npos)
      << dup;

  // Put replaces by ID, but not onto another container's name.
  ContainerRow updated = Container("c1", "web", "alpine", "rec2");
  ASSERT_TRUE(store_->PutContainer(updated).ok());
  EXPECT_EQ(store_->GetContainer("c1")->record, "rec2");
  EXPECT_EQ(store_->PutContainer(Container("c1", "db", "alpine")).code(),
            absl::StatusCode::kAlreadyExists);

  auto all = store_->ListContainers();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "c1");
  EXPECT_EQ((*all)[1].id, "c2");

  ASSERT_TRUE(store_->DeleteContainer("c2").ok());
  EXPECT_EQ(store_->DeleteContainer("c2").code(), absl::StatusCode::kNotFound);
  // The name is free again.
  EXPECT_TRUE(store_->CreateContainer(Container("c3", "db", "busybox")).ok());
  EXPECT_EQ(store_->CreateContainer(ContainerRow{"c4", "", D("x"), "s", ""}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MetadataStoreTest, RenameContainer) {
  ASSERT_TRUE(store_->CreateContainer(Container("c1", "a", "alpine")).ok());
  ASSERT_TRUE(store_->CreateContainer(Container("c2", "b", "alpine")).ok());
  EXPECT_EQ(store_->RenameContainer("c1", "b").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->RenameContainer("c1", "a").ok());  // same name: no-op
  EXPECT_EQ(store_->RenameContainer("nope", "z").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->RenameContainer("c1", "c").ok());
  EXPECT_EQ(store_->GetContainer("c1")->name, "c");
  EXPECT_TRUE(store_->CreateContainer(Container("c3", "a", "alpine")).ok());
}

TEST_F(MetadataStoreTest, ImageInUse) {
  EXPECT_FALSE(*store_->ImageInUse(D("alpine-config")));
  ASSERT_TRUE(store_->CreateContainer(Container("c1", "a", "alpine")).ok());
  EXPECT_TRUE(*store_->ImageInUse(D("alpine-config")));
  EXPECT_FALSE(*store_->ImageInUse(D("busybox-config")));
  ASSERT_TRUE(store_->DeleteContainer("c1").ok());
  EXPECT_FALSE(*store_->ImageInUse(D("alpine-config")));
}

TEST_F(MetadataStoreTest, ContainersKeepTheirSnapshotAndImageAlive) {
  ASSERT_TRUE(store_->CommitPull(Manifest("alpine"), Image("docker.io/library/alpine:3", "alpine")).ok());
  ASSERT_TRUE(store_->CreateContainer(Container("c1", "a", "alpine")).ok());
  // The image's last name goes (rmi -f); the container still needs it.
  ASSERT_TRUE(store_->DeleteImage("docker.io/library/alpine:3").ok());

  auto roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok()) << roots.status();
  EXPECT_EQ(roots->snapshots.count("c1-rw"), 1u);
  EXPECT_EQ(roots->snapshots.count("alpine-chain1"), 1u);
  EXPECT_EQ(roots->blobs.count(D("alpine-config").str()), 1u);
  EXPECT_EQ(roots->blobs.count(D("alpine-manifest").str()), 1u);
  EXPECT_EQ(roots->blobs.count(D("alpine-layer1").str()), 1u);
  EXPECT_TRUE(store_->GetManifest(D("alpine-manifest")).ok());

  // Once the container goes, so does everything.
  ASSERT_TRUE(store_->DeleteContainer("c1").ok());
  roots = store_->CollectRoots();
  ASSERT_TRUE(roots.ok()) << roots.status();
  EXPECT_TRUE(roots->snapshots.empty());
  EXPECT_TRUE(roots->blobs.empty());
}

TEST_F(MetadataStoreTest, MigratesVersionOneDatabase) {
  ASSERT_TRUE(store_->PutKv("k", "v").ok());
  store_.reset();
  // Turn the database back into a version 1 one.
  sqlite3* db = nullptr;
  std::string path = base::JoinPath(base::JoinPath(dir_, "meta"), "metadata.db");
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE containers; PRAGMA user_version = 1", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Reopen();
  EXPECT_EQ(*store_->GetKv("k"), "v");
  EXPECT_TRUE(store_->CreateContainer(Container("c1", "a", "alpine")).ok());
}

}  // namespace
}  // namespace metadata
}  // namespace engine
