#include "engine/containers/container_store.h"

#include <stdlib.h>

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/base/digest.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace containers {
namespace {

class ContainerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto md = metadata::MetadataStore::Open(dir_);
    ASSERT_TRUE(md.ok()) << md.status();
    metadata_ = std::move(*md);
    store_ = std::make_unique<ContainerStore>(metadata_.get());
  }
  void TearDown() override {
    store_.reset();
    metadata_.reset();
    ASSERT_TRUE(base::RemoveAll(dir_).ok());
  }

  ContainerRecord Make(const std::string& id, const std::string& name, int64_t created = 1) {
    ContainerRecord r;
    r.set_id(id);
    r.set_name(name);
    r.set_image_id(base::Digest::Of("img").str());
    r.set_snapshot_key(id);
    r.mutable_created()->set_seconds(created);
    r.mutable_config()->add_cmd("sh");
    return r;
  }

  std::string dir_;
  std::unique_ptr<metadata::MetadataStore> metadata_;
  std::unique_ptr<ContainerStore> store_;
};

std::string Id(char fill, absl::string_view prefix = "") {
  std::string id(prefix);
  id.resize(64, fill);
  return id;
}

TEST_F(ContainerStoreTest, CreateGetUpdateRemove) {
  ContainerRecord r = Make(Id('a'), "/web");
  ASSERT_TRUE(store_->Create(r).ok());
  auto got = store_->Get(Id('a'));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name(), "web");  // stored without the slash
  EXPECT_EQ(got->config().cmd(0), "sh");

  got->set_restart_count(3);
  ASSERT_TRUE(store_->Update(*got).ok());
  EXPECT_EQ(store_->Get(Id('a'))->restart_count(), 3);

  ASSERT_TRUE(store_->Remove(Id('a')).ok());
  absl::Status gone = store_->Get(Id('a')).status();
  EXPECT_EQ(gone.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gone.message(), absl::StrCat("No such container: ", Id('a')));
  // An update never resurrects a removed container.
  EXPECT_EQ(store_->Update(*got).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Remove(Id('a')).code(), absl::StatusCode::kNotFound);
}

TEST_F(ContainerStoreTest, CreateValidates) {
  EXPECT_EQ(store_->Create(Make(Id('a'), "a")).code(), absl::StatusCode::kInvalidArgument);
  ContainerRecord no_image = Make(Id('a'), "ok");
  no_image.set_image_id("busybox");
  EXPECT_EQ(store_->Create(no_image).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->Create(Make(Id('a'), "ok")).ok());
  absl::Status dup = store_->Create(Make(Id('b'), "ok"));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("Conflict. The container name \"/ok\" is already in use"),
            absl::string_view::npos);
}

TEST_F(ContainerStoreTest, ValidateName) {
  for (const char* good : {"ab", "/web", "a_b.c-d", "0abc", "A9"}) {
    EXPECT_TRUE(ContainerStore::ValidateName(good).ok()) << good;
  }
  for (const char* bad : {"", "a", "/", "_ab", ".ab", "-ab", "a b", "a/b", "é1", "//ab"}) {
    absl::Status s = ContainerStore::ValidateName(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message(), absl::StrCat("Invalid container name (", bad,
                                        "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
  }
}

TEST_F(ContainerStoreTest, ResolveFollowsDockerOrder) {
  ASSERT_TRUE(store_->Create(Make(Id('0', "abc1"), "first")).ok());
  ASSERT_TRUE(store_->Create(Make(Id('0', "abc2"), "second")).ok());
  // A container named like another's ID prefix.
  ASSERT_TRUE(store_->Create(Make(Id('0', "ff"), "abc1")).ok());

  // Full ID wins.
  EXPECT_EQ(store_->Resolve(Id('0', "abc2"))->name(), "second");
  // Name before prefix: "abc1" is the name of the third container.
  EXPECT_EQ(store_->Resolve("abc1")->id(), Id('0', "ff"));
  EXPECT_EQ(store_->Resolve("/first")->id(), Id('0', "abc1"));
  // Unique prefix.
  EXPECT_EQ(store_->Resolve("abc2")->name(), "second");
  EXPECT_EQ(store_->Resolve("f")->name(), "abc1");
  // Ambiguous prefix.
  absl::Status amb = store_->Resolve("abc").status();
  EXPECT_EQ(amb.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(amb.message(), "multiple IDs found with provided prefix: abc");
  // Missing.
  absl::Status missing = store_->Resolve("nope").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "No such container: nope");
  EXPECT_EQ(store_->Resolve("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ContainerStoreTest, Rename) {
  ASSERT_TRUE(store_->Create(Make(Id('a'), "one")).ok());
  ASSERT_TRUE(store_->Create(Make(Id('b'), "two")).ok());
  EXPECT_EQ(store_->Rename(Id('a'), "two").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Rename(Id('a'), "one").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Rename(Id('a'), "b@d").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Rename(Id('c'), "three").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->Rename(Id('a'), "/uno").ok());
  EXPECT_EQ(store_->Get(Id('a'))->name(), "uno");
  EXPECT_EQ(store_->Resolve("uno")->id(), Id('a'));
  EXPECT_EQ(store_->Resolve("one").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Create(Make(Id('c'), "one")).ok());
}

TEST_F(ContainerStoreTest, ListNewestFirst) {
  ASSERT_TRUE(store_->Create(Make(Id('a'), "old", 10)).ok());
  ASSERT_TRUE(store_->Create(Make(Id('b'), "new", 30)).ok());
  ASSERT_TRUE(store_->Create(Make(Id('c'), "mid", 20)).ok());
  auto all = store_->List();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name(), "new");
  EXPECT_EQ((*all)[1].name(), "mid");
  EXPECT_EQ((*all)[2].name(), "old");
}

TEST_F(ContainerStoreTest, NewIdIsHexAndNotNumeric) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto id = ContainerStore::NewId();
    ASSERT_TRUE(id.ok()) << id.status();
    ASSERT_EQ(id->size(), 64u);
    EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(ShortId(*id).find_first_not_of("0123456789"), std::string::npos);
    EXPECT_TRUE(seen.insert(*id).second);
  }
}

TEST_F(ContainerStoreTest, GeneratedNamesAreValidAndUnique) {
  std::set<std::string> names;
  for (int i = 0; i < 300; ++i) {
    auto name = store_->GenerateName();
    ASSERT_TRUE(name.ok()) << name.status();
    ASSERT_TRUE(ContainerStore::ValidateName(*name).ok()) << *name;
    EXPECT_NE(name->find('_'), std::string::npos);
    EXPECT_TRUE(names.insert(*name).second) << *name;
    ASSERT_TRUE(store_->Create(Make(absl::StrCat(Id('e').substr(0, 60), 1000 + i), *name)).ok());
  }
}

}  // namespace
}  // namespace containers
}  // namespace engine
