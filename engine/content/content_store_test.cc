#include "engine/content/content_store.h"

#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/base/digest.h"
#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace engine {
namespace content {
namespace {

// Every path under `root` (files and directories), relative to it.
std::vector<std::string> ListTree(const std::string& root) {
  static std::vector<std::string>* out;
  std::vector<std::string> paths;
  out = &paths;
  ::nftw(root.c_str(),
         [](const char* path, const struct stat*, int, struct FTW*) {
           out->push_back(path);
           return 0;
         },
         16, FTW_PHYS);
  return paths;
}

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = ContentStore::Open(base::JoinPath(dir_, "content"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    ASSERT_TRUE(base::RemoveAll(dir_).ok());
  }

  std::string IngestRoot() const { return base::JoinPath(store_->root(), "ingest"); }

  // Names under ingest/ (not recursive).
  std::vector<std::string> Ingests() const {
    std::vector<std::string> names;
    for (const std::string& p : ListTree(IngestRoot())) {
      if (p != IngestRoot()) names.push_back(p);
    }
    return names;
  }

  std::string dir_;
  std::unique_ptr<ContentStore> store_;
};

TEST_F(ContentStoreTest, CommitAndReadBack) {
  const std::string data = "hello, content";
  const base::Digest d = base::Digest::Of(data);
  EXPECT_FALSE(store_->Has(d));
  ASSERT_TRUE(store_->WriteBlob(d, data).ok());

  EXPECT_TRUE(store_->Has(d));
  auto size = store_->Size(d);
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, static_cast<int64_t>(data.size()));
  auto got = store_->ReadBlob(d, 1024);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
  EXPECT_EQ(store_->ReadBlob(d, 3).status().code(),
            absl::StatusCode::kResourceExhausted);

  auto fd = store_->OpenBlob(d);
  ASSERT_TRUE(fd.ok()) << fd.status();
  char buf[64];
  ssize_t n = ::read(fd->get(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), data);

  // On disk: blobs/sha256/<hex>, read-only, and no ingest left.
  EXPECT_EQ(store_->BlobPath(d),
            absl::StrCat(store_->root(), "/blobs/sha256/", d.hex()));
  struct stat st;
  ASSERT_EQ(::stat(store_->BlobPath(d).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_TRUE(Ingests().empty());

  // A second write of the same blob is refused as already there.
  EXPECT_EQ(store_->WriteBlob(d, data).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->OpenWriter(d, -1).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(ContentStoreTest, MissingBlobIsNotFound) {
  const base::Digest d = base::Digest::Of("absent");
  EXPECT_EQ(store_->Size(d).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ReadBlob(d, 10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->OpenBlob(d).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(d).code(), absl::StatusCode::kNotFound);
}

TEST_F(ContentStoreTest, DigestMismatchCommitsNothing) {
  const base::Digest claimed = base::Digest::Of("the real bytes");
  auto w = store_->OpenWriter(claimed, -1);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*w)->Write("forged bytes").ok());
  absl::Status s = (*w)->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(
      s.message(), absl::StrCat("digest mismatch: expected ", claimed.str(), ", got ",
                                base::Digest::Of("forged bytes").str())))
      << s;
  EXPECT_FALSE(store_->Has(claimed));
  // The writer is finished and the ingest is gone.
  EXPECT_EQ((*w)->Write("x").code(), absl::StatusCode::kFailedPrecondition);
  w->reset();
  EXPECT_TRUE(Ingests().empty());
  // WriteBlob verifies too.
  EXPECT_EQ(store_->WriteBlob(claimed, "nope").code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(store_->Has(claimed));
}

TEST_F(ContentStoreTest, SizeMismatchCommitsNothing) {
  const std::string data = "0123456789";
  const base::Digest d = base::Digest::Of(data);
  auto w = store_->OpenWriter(d, 10);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*w)->Write("01234").ok());
  EXPECT_EQ((*w)->Write("56789abc").code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ((*w)->offset(), 5u);
  absl::Status s = (*w)->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), "size mismatch: expected 10 bytes, got 5")) << s;
  EXPECT_FALSE(store_->Has(d));
  w->reset();
  EXPECT_TRUE(Ingests().empty());
}

TEST_F(ContentStoreTest, ResumeAfterWriterIsDropped) {
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 251);
  const base::Digest d = base::Digest::Of(data);
  const size_t half = data.size() / 2 + 13;
  {
    auto w = store_->OpenWriter(d, static_cast<int64_t>(data.size()));
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ((*w)->offset(), 0u);
    ASSERT_TRUE((*w)->Write(absl::string_view(data).substr(0, half)).ok());
  }  // dropped mid-way, as if the connection failed
  EXPECT_FALSE(store_->Has(d));
  ASSERT_EQ(Ingests().size(), 4u);  // <hex>/, data, size, lock

  // A fresh store on the same root (a restarted daemon) resumes too.
  store_.reset();
  auto reopened = ContentStore::Open(base::JoinPath(dir_, "content"));
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(*reopened);

  auto w = store_->OpenWriter(d, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ((*w)->offset(), half);
  ASSERT_TRUE((*w)->Write(absl::string_view(data).substr(half)).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto got = store_->ReadBlob(d, data.size());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == data);
}

TEST_F(ContentStoreTest, TruncateRestartsAndDiscardDrops) {
  const std::string data = "abcdefghij";
  const base::Digest d = base::Digest::Of(data);
  {
    auto w = store_->OpenWriter(d, -1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("abcXXX").ok());
    EXPECT_EQ((*w)->Truncate(7).code(), absl::StatusCode::kOutOfRange);
    ASSERT_TRUE((*w)->Truncate(3).ok());
    EXPECT_EQ((*w)->offset(), 3u);
    ASSERT_TRUE((*w)->Write("defg").ok());
  }
  {
    auto w = store_->OpenWriter(d, -1);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ((*w)->offset(), 7u);
    ASSERT_TRUE((*w)->Discard().ok());
  }
  EXPECT_TRUE(Ingests().empty());
  auto w = store_->OpenWriter(d, -1);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->offset(), 0u);
  ASSERT_TRUE((*w)->Write(data).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_TRUE(store_->Has(d));
}

TEST_F(ContentStoreTest, ExpectedSizeChangeRestartsIngest) {
  const std::string data = "0123456789";
  const base::Digest d = base::Digest::Of(data);
  {
    auto w = store_->OpenWriter(d, 99);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("01234").ok());
  }
  auto w = store_->OpenWriter(d, 10);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->offset(), 0u);
}

TEST_F(ContentStoreTest, SecondThreadWaitsThenSeesAlreadyExists) {
  const std::string data = "shared layer";
  const base::Digest d = base::Digest::Of(data);
  auto first = store_->OpenWriter(d, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(first.ok());

  std::atomic<bool> returned{false};
  absl::Status second_status;
  std::thread second([&] {
    auto w = store_->OpenWriter(d, static_cast<int64_t>(data.size()));
    second_status = w.status();
    returned = true;
  });
  ::usleep(200 * 1000);
  EXPECT_FALSE(returned.load()) << "second writer did not wait";
  ASSERT_TRUE((*first)->Write(data).ok());
  ASSERT_TRUE((*first)->Commit().ok());
  first->reset();
  second.join();
  EXPECT_EQ(second_status.code(), absl::StatusCode::kAlreadyExists) << second_status;
  EXPECT_TRUE(Ingests().empty());
}

TEST_F(ContentStoreTest, SecondProcessWaitsOnIngestLock) {
  const std::string data = "cross-process layer";
  const base::Digest d = base::Digest::Of(data);
  auto first = store_->OpenWriter(d, -1);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Write("cross-").ok());

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Drop the inherited copy of our lock's descriptor, as exec would with
    // O_CLOEXEC: a flock belongs to the open file, which the copy shares.
    ::close_range(3, ~0U, 0);
    auto other = ContentStore::Open(store_->root());
    if (!other.ok()) ::_exit(10);
    auto w = (*other)->OpenWriter(d, -1);
    ::_exit(w.status().code() == absl::StatusCode::kAlreadyExists ? 0 : 11);
  }
  ::usleep(300 * 1000);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "child did not wait for the lock";
  ASSERT_TRUE((*first)->Write("process layer").ok());
  ASSERT_TRUE((*first)->Commit().ok());
  first->reset();
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(Ingests().empty());
}

TEST_F(ContentStoreTest, WalkDeleteAndTotalSize) {
  std::map<std::string, int64_t> want;
  for (const std::string data : {"a", "bb", "ccc"}) {
    base::Digest d = base::Digest::Of(data);
    ASSERT_TRUE(store_->WriteBlob(d, data).ok());
    want[d.str()] = static_cast<int64_t>(data.size());
  }
  // Strays in blobs/sha256 are not blobs.
  ASSERT_TRUE(base::WriteFileAtomic(
                  base::JoinPath(store_->root(), "blobs/sha256/not-a-digest"), "x")
                  .ok());
  std::map<std::string, int64_t> seen;
  ASSERT_TRUE(store_->Walk([&](const base::Digest& d, int64_t size) {
                      seen[d.str()] = size;
                    }).ok());
  EXPECT_EQ(seen, want);
  auto total = store_->TotalSize();
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 6);

  ASSERT_TRUE(store_->Delete(base::Digest::Of("bb")).ok());
  EXPECT_FALSE(store_->Has(base::Digest::Of("bb")));
  EXPECT_EQ(store_->Delete(base::Digest::Of("bb")).code(), absl::StatusCode::kNotFound);
  seen.clear();
  ASSERT_TRUE(store_->Walk([&](const base::Digest& d, int64_t size) {
                      seen[d.str()] = size;
                    }).ok());
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen.count(base::Digest::Of("bb").str()), 0u);
}

TEST_F(ContentStoreTest, CleanIngestsSparesOpenWriters) {
  const base::Digest abandoned = base::Digest::Of("abandoned");
  const base::Digest held = base::Digest::Of("held");
  {
    auto w = store_->OpenWriter(abandoned, -1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("aban").ok());
  }
  auto w = store_->OpenWriter(held, -1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("he").ok());
  // A crash leftover with no lock file at all.
  ASSERT_TRUE(base::MakeDirs(base::JoinPath(IngestRoot(), "leftover")).ok());

  int removed = -1;
  ASSERT_TRUE(store_->CleanIngests(absl::Hours(1), &removed).ok());
  EXPECT_EQ(removed, 0);
  ASSERT_TRUE(store_->CleanIngests(absl::ZeroDuration(), &removed).ok());
  EXPECT_EQ(removed, 2);
  EXPECT_FALSE(base::PathExists(base::JoinPath(IngestRoot(), abandoned.hex())));
  EXPECT_FALSE(base::PathExists(base::JoinPath(IngestRoot(), "leftover")));

  // The held ingest is intact and still commits.
  ASSERT_TRUE((*w)->Write("ld").ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_TRUE(store_->Has(held));
}

TEST_F(ContentStoreTest, NoTemporaryFilesLeftBehind) {
  for (int i = 0; i < 5; ++i) {
    std::string data = absl::StrCat("blob ", i);
    ASSERT_TRUE(store_->WriteBlob(base::Digest::Of(data), data).ok());
  }
  auto w = store_->OpenWriter(base::Digest::Of("x"), 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("y").ok());
  EXPECT_EQ((*w)->Commit().code(), absl::StatusCode::kDataLoss);
  w->reset();
  for (const std::string& p : ListTree(store_->root())) {
    EXPECT_FALSE(absl::StrContains(p, ".tmp")) << p;
  }
  EXPECT_TRUE(Ingests().empty());
}

}  // namespace
}  // namespace content
}  // namespace engine
