#include "engine/content/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace content {
namespace {

constexpr char kDataFile[] = "data";
constexpr char kSizeFile[] = "size";
constexpr char kLockFile[] = "lock";

absl::Status NotFound(const base::Digest& digest) {
  return absl::NotFoundError(absl::StrCat("blob ", digest.str(), " not found"));
}

absl::Status AlreadyExists(const base::Digest& digest) {
  return absl::AlreadyExistsError(
      absl::StrCat("blob ", digest.str(), " already exists"));
}

// flock(2) retrying EINTR.
int Flock(int fd, int op) {
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

// Whether `fd` is still the file at `path` (it may have been unlinked and
// replaced while we waited for its lock).
bool SameFile(int fd, const std::string& path) {
  struct stat a, b;
  if (::fstat(fd, &a) != 0 || ::stat(path.c_str(), &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Lists the names in `dir` other than "." and "..".
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return base::ErrnoError(errno, absl::StrCat("opendir ", dir));
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    absl::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return base::ErrnoError(err, absl::StrCat("readdir ", dir));
  return names;
}

// Removes an ingest directory whose lock the caller holds: every file but
// the lock, then the lock, then the directory, so that a writer waiting on
// the lock notices it was replaced. Best effort: a racing writer may
// recreate the directory, which is fine.
void RemoveIngestDir(const std::string& dir) {
  if (auto names = ListDir(dir); names.ok()) {
    for (const std::string& name : *names) {
      if (name != kLockFile) ::unlink(base::JoinPath(dir, name).c_str());
    }
  }
  ::unlink(base::JoinPath(dir, kLockFile).c_str());
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY) {
    absl::Status s = base::ErrnoError(errno, absl::StrCat("rmdir ", dir));
    LOG_WARN("cannot remove ingest", {{"error", s.message()}});
  }
}

// Feeds bytes [0, length) of `fd` to `hasher`.
absl::Status HashPrefix(int fd, uint64_t length, base::Sha256* hasher,
                        const std::string& what) {
  std::vector<char> buf(1 << 20);
  uint64_t pos = 0;
  while (pos < length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - pos));
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, absl::StrCat("read ", what));
    }
    if (n == 0) {
      return absl::DataLossError(absl::StrCat("read ", what, ": unexpected end of file"));
    }
    hasher->Update(buf.data(), static_cast<size_t>(n));
    pos += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

// One open ingest. Holds the flock on `lock` and this process's claim on
// the digest until destroyed.
class ContentStore::WriterImpl : public ContentStore::Writer {
 public:
  WriterImpl(ContentStore* store, base::Digest digest, int64_t expected_size,
             std::string dir, base::UniqueFd lock)
      : store_(store),
        digest_(std::move(digest)),
        expected_size_(expected_size),
        dir_(std::move(dir)),
        data_path_(base::JoinPath(dir_, kDataFile)),
        lock_(std::move(lock)) {}

  ~WriterImpl() override {
    data_.reset();
    lock_.reset();  // releases the flock
    store_->ReleaseIngest(std::string(digest_.hex()));
  }

  // Opens the data file and re-hashes any bytes kept from earlier.
  absl::Status Init() {
    std::string size_path = base::JoinPath(dir_, kSizeFile);
    bool stale = false;
    if (auto recorded = base::ReadFile(size_path, 64); recorded.ok()) {
      int64_t n;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*recorded), &n) ||
          (expected_size_ >= 0 && n >= 0 && n != expected_size_)) {
        stale = true;
      }
    }
    data_.reset(::open(data_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!data_.valid()) return base::ErrnoError(errno, absl::StrCat("open ", data_path_));
    struct stat st;
    if (::fstat(data_.get(), &st) != 0) {
      return base::ErrnoError(errno, absl::StrCat("stat ", data_path_));
    }
    uint64_t kept = static_cast<uint64_t>(st.st_size);
    if (stale || (expected_size_ >= 0 && kept > static_cast<uint64_t>(expected_size_))) {
      kept = 0;
    }
    RETURN_IF_ERROR(base::WriteFileAtomic(size_path, absl::StrCat(expected_size_), 0600));
    return Rehash(kept);
  }

  uint64_t offset() const override { return offset_; }

  absl::Status Write(absl::string_view data) override {
    RETURN_IF_ERROR(CheckOpen());
    if (expected_size_ >= 0 &&
        offset_ + data.size() > static_cast<uint64_t>(expected_size_)) {
      return absl::OutOfRangeError(absl::StrCat(
          "write ", digest_.str(), ": ", offset_ + data.size(),
          " bytes exceed the expected size ", expected_size_));
    }
    uint64_t pos = offset_;
    absl::string_view rest = data;
    while (!rest.empty()) {
      ssize_t n = ::pwrite(data_.get(), rest.data(), rest.size(), static_cast<off_t>(pos));
      if (n < 0) {
        if (errno == EINTR) continue;
        absl::Status s = base::ErrnoError(errno, absl::StrCat("write ", data_path_));
        // Keep the file consistent with what was hashed.
        if (::ftruncate(data_.get(), static_cast<off_t>(offset_)) != 0) {
          return base::Annotate(s, "and cannot truncate the partial write");
        }
        return s;
      }
      rest.remove_prefix(static_cast<size_t>(n));
      pos += static_cast<uint64_t>(n);
    }
    hasher_->Update(data);
    offset_ = pos;
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    RETURN_IF_ERROR(CheckOpen());
    finished_ = true;
    if (expected_size_ >= 0 && offset_ != static_cast<uint64_t>(expected_size_)) {
      Drop();
      return absl::FailedPreconditionError(
          absl::StrCat("commit ", digest_.str(), ": size mismatch: expected ",
                       expected_size_, " bytes, got ", offset_));
    }
    base::Digest got = hasher_->Finish();
    if (got != digest_) {
      Drop();
      return absl::DataLossError(absl::StrCat(
          "commit ", digest_.str(), ": digest mismatch: expected ", digest_.str(),
          ", got ", got.str()));
    }
    if (store_->Has(digest_)) {
      Drop();
      return AlreadyExists(digest_);
    }
    if (::fsync(data_.get()) != 0) {
      return base::ErrnoError(errno, absl::StrCat("fsync ", data_path_));
    }
    if (::fchmod(data_.get(), 0444) != 0) {
      return base::ErrnoError(errno, absl::StrCat("chmod ", data_path_));
    }
    std::string target = store_->BlobPath(digest_);
    if (::rename(data_path_.c_str(), target.c_str()) != 0) {
      return base::ErrnoError(errno, absl::StrCat("rename ", data_path_, " ", target));
    }
    absl::Status synced = base::SyncDir(store_->blobs_dir_);
    RemoveIngestDir(dir_);
    return synced;
  }

  absl::Status Discard() override {
    RETURN_IF_ERROR(CheckOpen());
    finished_ = true;
    Drop();
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t offset) override {
    RETURN_IF_ERROR(CheckOpen());
    if (offset > offset_) {
      return absl::OutOfRangeError(absl::StrCat("truncate ", digest_.str(), " to ",
                                                offset, ": only ", offset_,
                                                " bytes written"));
    }
    return Rehash(offset);
  }

 private:
  absl::Status CheckOpen() const {
    if (finished_) {
      return absl::FailedPreconditionError(
          absl::StrCat("ingest ", digest_.str(), " is already committed or discarded"));
    }
    return absl::OkStatus();
  }

  // Truncates the data file to `length` and hashes it from the start.
  absl::Status Rehash(uint64_t length) {
    if (::ftruncate(data_.get(), static_cast<off_t>(length)) != 0) {
      return base::ErrnoError(errno, absl::StrCat("truncate ", data_path_));
    }
    hasher_ = std::make_unique<base::Sha256>();
    offset_ = 0;
    RETURN_IF_ERROR(HashPrefix(data_.get(), length, hasher_.get(), data_path_));
    offset_ = length;
    return absl::OkStatus();
  }

  void Drop() {
    data_.reset();
    RemoveIngestDir(dir_);
  }

  ContentStore* const store_;
  const base::Digest digest_;
  const int64_t expected_size_;
  const std::string dir_;
  const std::string data_path_;
  base::UniqueFd lock_;
  base::UniqueFd data_;
  std::unique_ptr<base::Sha256> hasher_;
  uint64_t offset_ = 0;
  bool finished_ = false;
};

ContentStore::ContentStore(std::string root)
    : root_(std::move(root)),
      blobs_dir_(base::JoinPath(root_, "blobs/sha256")),
      ingest_root_(base::JoinPath(root_, "ingest")) {}

ContentStore::~ContentStore() = default;

absl::StatusOr<std::unique_ptr<ContentStore>> ContentStore::Open(absl::string_view root) {
  if (root.empty()) return absl::InvalidArgumentError("content store: empty root");
  std::unique_ptr<ContentStore> store(new ContentStore(std::string(root)));
  RETURN_IF_ERROR(base::MakeDirs(store->blobs_dir_, 0700));
  RETURN_IF_ERROR(base::MakeDirs(store->ingest_root_, 0700));
  return store;
}

std::string ContentStore::BlobPath(const base::Digest& digest) const {
  return base::JoinPath(blobs_dir_, digest.hex());
}

std::string ContentStore::IngestDir(const base::Digest& digest) const {
  return base::JoinPath(ingest_root_, digest.hex());
}

bool ContentStore::Has(const base::Digest& digest) const {
  struct stat st;
  return ::stat(BlobPath(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<int64_t> ContentStore::Size(const base::Digest& digest) const {
  std::string path = BlobPath(digest);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFound(digest);
    return base::ErrnoError(errno, absl::StrCat("stat ", path));
  }
  return static_cast<int64_t>(st.st_size);
}

absl::StatusOr<std::string> ContentStore::ReadBlob(const base::Digest& digest,
                                                   size_t max_bytes) const {
  absl::StatusOr<std::string> data = base::ReadFile(BlobPath(digest), max_bytes);
  if (absl::IsNotFound(data.status())) return NotFound(digest);
  return data;
}

absl::StatusOr<base::UniqueFd> ContentStore::OpenBlob(const base::Digest& digest) const {
  std::string path = BlobPath(digest);
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return NotFound(digest);
    return base::ErrnoError(errno, absl::StrCat("open ", path));
  }
  return fd;
}

void ContentStore::ClaimIngest(const std::string& hex) {
  absl::MutexLock lock(&mu_);
  while (active_.count(hex) != 0) released_.Wait(&mu_);
  active_.insert(hex);
}

void ContentStore::ReleaseIngest(const std::string& hex) {
  absl::MutexLock lock(&mu_);
  active_.erase(hex);
  released_.SignalAll();
}

absl::StatusOr<std::unique_ptr<ContentStore::Writer>> ContentStore::OpenWriter(
    const base::Digest& digest, int64_t expected_size) {
  if (Has(digest)) return AlreadyExists(digest);
  std::string hex(digest.hex());
  ClaimIngest(hex);
  if (Has(digest)) {  // committed by the writer we waited for
    ReleaseIngest(hex);
    return AlreadyExists(digest);
  }
  std::string dir = IngestDir(digest);
  std::string lock_path = base::JoinPath(dir, kLockFile);
  base::UniqueFd lock;
  for (;;) {
    absl::Status made = base::MakeDirs(dir, 0700);
    if (!made.ok()) {
      ReleaseIngest(hex);
      return made;
    }
    lock.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock.valid()) {
      if (errno == ENOENT) continue;  // the directory was removed meanwhile
      absl::Status s = base::ErrnoError(errno, absl::StrCat("open ", lock_path));
      ReleaseIngest(hex);
      return s;
    }
    if (Flock(lock.get(), LOCK_EX) != 0) {
      absl::Status s = base::ErrnoError(errno, absl::StrCat("flock ", lock_path));
      ReleaseIngest(hex);
      return s;
    }
    // The holder we waited for may have committed and removed the ingest.
    if (SameFile(lock.get(), lock_path)) break;
  }
  auto writer = std::make_unique<WriterImpl>(this, digest, expected_size, dir,
                                             std::move(lock));
  // From here the writer releases the claim when destroyed.
  if (Has(digest)) {
    RemoveIngestDir(dir);
    return AlreadyExists(digest);
  }
  RETURN_IF_ERROR(writer->Init());
  return std::unique_ptr<Writer>(std::move(writer));
}

absl::Status ContentStore::WriteBlob(const base::Digest& digest, absl::string_view data) {
  ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer,
                   OpenWriter(digest, static_cast<int64_t>(data.size())));
  if (writer->offset() != 0) RETURN_IF_ERROR(writer->Truncate(0));
  RETURN_IF_ERROR(writer->Write(data));
  return writer->Commit();
}

absl::Status ContentStore::Delete(const base::Digest& digest) {
  std::string path = BlobPath(digest);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return NotFound(digest);
    return base::ErrnoError(errno, absl::StrCat("unlink ", path));
  }
  return base::SyncDir(blobs_dir_);
}

absl::Status ContentStore::Walk(
    const std::function<void(const base::Digest&, int64_t size)>& fn) const {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(blobs_dir_));
  for (const std::string& name : names) {
    absl::StatusOr<base::Digest> digest = base::Digest::Parse(absl::StrCat("sha256:", name));
    if (!digest.ok()) continue;
    struct stat st;
    std::string path = base::JoinPath(blobs_dir_, name);
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // deleted meanwhile
      return base::ErrnoError(errno, absl::StrCat("stat ", path));
    }
    if (!S_ISREG(st.st_mode)) continue;
    fn(*digest, static_cast<int64_t>(st.st_size));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ContentStore::TotalSize() const {
  int64_t total = 0;
  RETURN_IF_ERROR(Walk([&](const base::Digest&, int64_t size) { total += size; }));
  return total;
}

absl::Status ContentStore::CleanIngests(absl::Duration min_age, int* removed) {
  if (removed != nullptr) *removed = 0;
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(ingest_root_));
  const absl::Time now = absl::Now();
  for (const std::string& name : names) {
    std::string dir = base::JoinPath(ingest_root_, name);
    std::string lock_path = base::JoinPath(dir, kLockFile);
    base::UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CLOEXEC));
    if (lock.valid()) {
      // A writer in this or another process holds it: leave it alone.
      if (Flock(lock.get(), LOCK_EX | LOCK_NB) != 0) continue;
      if (!SameFile(lock.get(), lock_path)) continue;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      return base::ErrnoError(errno, absl::StrCat("open ", lock_path));
    }
    // Age of the last change: the data file if any, else the entry itself.
    struct stat st;
    std::string data_path = base::JoinPath(dir, kDataFile);
    if (::stat(data_path.c_str(), &st) != 0 && ::lstat(dir.c_str(), &st) != 0) continue;
    if (now - absl::TimeFromTimespec(st.st_mtim) < min_age) continue;
    if (lock.valid()) {
      RemoveIngestDir(dir);
    } else if (absl::Status s = base::RemoveAll(dir); !s.ok()) {
      // A writer may be creating it right now; it is not stale then.
      LOG_WARN("cannot remove ingest", {{"error", s.message()}});
      continue;
    }
    if (removed != nullptr) ++*removed;
  }
  return absl::OkStatus();
}

}  // namespace content
}  // namespace engine
