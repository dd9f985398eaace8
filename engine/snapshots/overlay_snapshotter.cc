#include "engine/snapshots/overlay_snapshotter.h"

#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/base/file_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine::snapshots {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS snapshots (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  key        TEXT NOT NULL UNIQUE,
  parent_id  INTEGER REFERENCES snapshots(id),
  kind       INTEGER NOT NULL,
  created_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots(parent_id);
)sql";

constexpr const char* kSelectRow =
    "SELECT s.id, s.key, IFNULL(s.parent_id, 0), IFNULL(p.key, ''), s.kind "
    "FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id ";

absl::Status SqlError(sqlite3* db, absl::string_view what) {
  const int code = sqlite3_extended_errcode(db);
  std::string msg = absl::StrCat("snapshots db: ", what, ": ", sqlite3_errmsg(db));
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) {
    return absl::UnavailableError(msg);
  }
  if ((code & 0xff) == SQLITE_FULL) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

// One prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  absl::Status status() const {
    return rc_ == SQLITE_OK ? absl::OkStatus() : SqlError(db_, "prepare");
  }
  Stmt& Bind(int i, absl::string_view s) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& BindNullIfZero(int i, int64_t v) {
    if (rc_ == SQLITE_OK) rc_ = v == 0 ? sqlite3_bind_null(stmt_, i) : sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // True while a row is available.
  absl::StatusOr<bool> Step() {
    RETURN_IF_ERROR(status());
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqlError(db_, "step");
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col)) : "";
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

absl::Status DiskUsage(int dir_fd, int depth, absl::flat_hash_set<std::pair<dev_t, ino_t>>* seen,
                       int64_t* total) {
  if (depth > 4096) return absl::ResourceExhaustedError("directory tree too deep");
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, "open directory");
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return base::ErrnoError(errno, "fdopendir");
  }
  absl::Status status;
  while (struct dirent* de = readdir(dir)) {
    absl::string_view n = de->d_name;
    if (n == "." || n == "..") continue;
    struct stat st;
    if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen->insert({st.st_dev, st.st_ino}).second) {
      continue;
    }
    *total += static_cast<int64_t>(st.st_blocks) * 512;
    if (S_ISDIR(st.st_mode)) {
      int child = openat(dirfd(dir), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) continue;
      status = DiskUsage(child, depth + 1, seen, total);
      close(child);
      if (!status.ok()) break;
    }
  }
  closedir(dir);
  return status;
}

int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

struct OverlaySnapshotter::Row {
  int64_t id = 0;
  std::string name;
  int64_t parent_id = 0;
  std::string parent;
  SnapshotKind kind = SnapshotKind::kActive;
};

namespace {

OverlaySnapshotter::Row ReadRow(Stmt& q) {
  OverlaySnapshotter::Row r;
  r.id = q.Int(0);
  r.name = q.Text(1);
  r.parent_id = q.Int(2);
  r.parent = q.Text(3);
  r.kind = static_cast<SnapshotKind>(q.Int(4));
  return r;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OverlaySnapshotter>> OverlaySnapshotter::Open(absl::string_view root) {
  const std::string r(root);
  RETURN_IF_ERROR(base::MakeDirs(r, 0700));
  RETURN_IF_ERROR(base::MakeDirs(base::JoinPath(r, "snapshots"), 0700));
  const std::string db_path = base::JoinPath(r, "metadata.db");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat("open ", db_path, ": ", sqlite3_errmsg(db)));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<OverlaySnapshotter> snap(new OverlaySnapshotter(r, db));
  sqlite3_busy_timeout(db, 10000);
  absl::MutexLock lock(&snap->mu_);
  RETURN_IF_ERROR(snap->Exec("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(snap->Exec("PRAGMA synchronous=FULL"));
  RETURN_IF_ERROR(snap->Exec("PRAGMA foreign_keys=ON"));
  RETURN_IF_ERROR(snap->Exec(kSchema));
  return snap;
}

OverlaySnapshotter::~OverlaySnapshotter() { sqlite3_close(db_); }

absl::Status OverlaySnapshotter::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status s = SqlError(db_, sql);
    sqlite3_free(err);
    return s;
  }
  return absl::OkStatus();
}

std::string OverlaySnapshotter::SnapshotDir(int64_t id) const {
  return absl::StrCat(root_, "/snapshots/", id);
}

SnapshotInfo OverlaySnapshotter::ToInfo(const Row& row) const {
  return SnapshotInfo{row.name, row.parent, row.kind, SnapshotDir(row.id) + "/fs"};
}

absl::StatusOr<OverlaySnapshotter::Row> OverlaySnapshotter::Lookup(absl::string_view name) {
  Stmt q(db_, absl::StrCat(kSelectRow, "WHERE s.key = ?").c_str());
  q.Bind(1, name);
  ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("snapshot \"", name, "\" not found"));
  return ReadRow(q);
}

absl::StatusOr<std::vector<OverlaySnapshotter::Row>> OverlaySnapshotter::AllRows() {
  Stmt q(db_, absl::StrCat(kSelectRow, "ORDER BY s.id").c_str());
  std::vector<Row> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool more, q.Step());
    if (!more) break;
    rows.push_back(ReadRow(q));
  }
  return rows;
}

absl::StatusOr<std::vector<OverlaySnapshotter::Row>> OverlaySnapshotter::Chain(int64_t id) {
  // `id` first, then its parent, down to the bottom layer.
  Stmt q(db_,
         "WITH RECURSIVE c(id, depth) AS (SELECT ?, 0 UNION ALL "
         "SELECT s.parent_id, c.depth + 1 FROM snapshots s JOIN c ON s.id = c.id "
         "WHERE s.parent_id IS NOT NULL AND c.depth < 1000) "
         "SELECT s.id, s.key, IFNULL(s.parent_id, 0), '', s.kind FROM c JOIN snapshots s ON s.id = c.id "
         "ORDER BY c.depth");
  q.Bind(1, id);
  std::vector<Row> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool more, q.Step());
    if (!more) break;
    rows.push_back(ReadRow(q));
  }
  return rows;
}

// A container's writable layer is created and removed at every `run`; a
// power failure that loses the last such change is harmless (the container
// record is equally recent, and Cleanup() reclaims directories without a
// record), so those commits skip the fsyncs: WAL with synchronous=NORMAL
// stays consistent, only not durable. Image layers keep synchronous=FULL.
OverlaySnapshotter::RelaxedDurability::RelaxedDurability(OverlaySnapshotter* s, bool relax)
    : snapshotter_(relax ? s : nullptr) {
  if (snapshotter_ != nullptr) (void)snapshotter_->Exec("PRAGMA synchronous=NORMAL");
}

OverlaySnapshotter::RelaxedDurability::~RelaxedDurability() {
  if (snapshotter_ != nullptr) (void)snapshotter_->Exec("PRAGMA synchronous=FULL");
}

absl::StatusOr<SnapshotInfo> OverlaySnapshotter::Prepare(absl::string_view key, absl::string_view parent) {
  return Create(key, parent, SnapshotKind::kActive);
}

absl::StatusOr<SnapshotInfo> OverlaySnapshotter::View(absl::string_view key, absl::string_view parent) {
  return Create(key, parent, SnapshotKind::kView);
}

absl::StatusOr<SnapshotInfo> OverlaySnapshotter::Create(absl::string_view key, absl::string_view parent,
                                                        SnapshotKind kind) {
  if (key.empty()) return absl::InvalidArgumentError("snapshot key must not be empty");
  absl::MutexLock lock(&mu_);
  RelaxedDurability relaxed(this, kind == SnapshotKind::kActive);
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  std::string dir;
  auto body = [&]() -> absl::StatusOr<SnapshotInfo> {
    if (Lookup(key).ok()) return absl::AlreadyExistsError(absl::StrCat("snapshot \"", key, "\" already exists"));
    Row row;
    row.name = std::string(key);
    row.kind = kind;
    if (!parent.empty()) {
      absl::StatusOr<Row> p = Lookup(parent);
      if (!p.ok()) return base::Annotate(p.status(), "parent");
      if (p->kind != SnapshotKind::kCommitted) {
        return absl::FailedPreconditionError(absl::StrCat("parent \"", parent, "\" is not committed"));
      }
      ASSIGN_OR_RETURN(std::vector<Row> chain, Chain(p->id));
      if (chain.size() >= static_cast<size_t>(kMaxDepth)) {
        return absl::ResourceExhaustedError(absl::StrCat("max depth exceeded: more than ", kMaxDepth, " layers"));
      }
      row.parent_id = p->id;
      row.parent = p->name;
    }
    Stmt ins(db_, "INSERT INTO snapshots(key, parent_id, kind, created_ns) VALUES (?, ?, ?, ?)");
    ins.Bind(1, key).BindNullIfZero(2, row.parent_id).Bind(3, static_cast<int64_t>(kind)).Bind(4, NowNs());
    RETURN_IF_ERROR(ins.Step().status());
    row.id = sqlite3_last_insert_rowid(db_);
    dir = SnapshotDir(row.id);
    // A leftover of a crashed Prepare may hold this id's directory.
    RETURN_IF_ERROR(base::RemoveAll(dir));
    if (mkdir(dir.c_str(), 0700) != 0) return base::ErrnoError(errno, absl::StrCat("mkdir ", dir));
    for (const char* sub : {"/fs", "/work"}) {
      const std::string p = dir + sub;
      if (mkdir(p.c_str(), 0755) != 0) return base::ErrnoError(errno, absl::StrCat("mkdir ", p));
    }
    if (kind != SnapshotKind::kActive) {
      RETURN_IF_ERROR(base::SyncDir(absl::StrCat(root_, "/snapshots")));
    }
    RETURN_IF_ERROR(Exec("COMMIT"));
    return ToInfo(row);
  };
  absl::StatusOr<SnapshotInfo> info = body();
  if (!info.ok()) {
    (void)Exec("ROLLBACK");
    if (!dir.empty()) (void)base::RemoveAll(dir);
  }
  return info;
}

absl::Status OverlaySnapshotter::Commit(absl::string_view name, absl::string_view key) {
  if (name.empty()) return absl::InvalidArgumentError("snapshot name must not be empty");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Row row, Lookup(key));
  if (row.kind != SnapshotKind::kActive) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot \"", key, "\" is not active"));
  }
  if (Lookup(name).ok()) {
    return absl::AlreadyExistsError(absl::StrCat("snapshot \"", name, "\" already exists"));
  }
  Stmt up(db_, "UPDATE snapshots SET key = ?, kind = ? WHERE id = ?");
  up.Bind(1, name).Bind(2, static_cast<int64_t>(SnapshotKind::kCommitted)).Bind(3, row.id);
  RETURN_IF_ERROR(up.Step().status());
  // The work dir only serves a mounted active snapshot; empty it now.
  const std::string work = SnapshotDir(row.id) + "/work";
  if (base::RemoveAll(work).ok()) (void)mkdir(work.c_str(), 0755);
  return absl::OkStatus();
}

absl::Status OverlaySnapshotter::CommitOnto(absl::string_view name, absl::string_view key,
                                            absl::string_view parent) {
  if (name.empty()) return absl::InvalidArgumentError("snapshot name must not be empty");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Row row, Lookup(key));
  if (row.kind != SnapshotKind::kActive || row.parent_id != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("snapshot \"", key, "\" is not an active snapshot without parent"));
  }
  if (Lookup(name).ok()) {
    return absl::AlreadyExistsError(absl::StrCat("snapshot \"", name, "\" already exists"));
  }
  int64_t parent_id = 0;
  if (!parent.empty()) {
    ASSIGN_OR_RETURN(Row p, Lookup(parent));
    if (p.kind != SnapshotKind::kCommitted) {
      return absl::FailedPreconditionError(
          absl::StrCat("parent snapshot \"", parent, "\" is not committed"));
    }
    ASSIGN_OR_RETURN(std::vector<Row> chain, Chain(p.id));
    if (chain.size() + 1 > static_cast<size_t>(kMaxDepth)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("snapshot chain deeper than ", kMaxDepth, " layers"));
    }
    parent_id = p.id;
  }
  Stmt up(db_, "UPDATE snapshots SET key = ?, kind = ?, parent_id = ? WHERE id = ?");
  up.Bind(1, name).Bind(2, static_cast<int64_t>(SnapshotKind::kCommitted))
      .BindNullIfZero(3, parent_id).Bind(4, row.id);
  RETURN_IF_ERROR(up.Step().status());
  const std::string work = SnapshotDir(row.id) + "/work";
  if (base::RemoveAll(work).ok()) (void)mkdir(work.c_str(), 0755);
  return absl::OkStatus();
}

absl::StatusOr<SnapshotInfo> OverlaySnapshotter::Stat(absl::string_view name_or_key) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Row row, Lookup(name_or_key));
  return ToInfo(row);
}

absl::StatusOr<std::vector<Mount>> OverlaySnapshotter::Mounts(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Row row, Lookup(key));
  if (row.kind == SnapshotKind::kCommitted) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot \"", key, "\" is committed; prepare or view it"));
  }
  ASSIGN_OR_RETURN(std::vector<Row> chain, Chain(row.id));
  std::vector<std::string> lowers;
  for (size_t i = 1; i < chain.size(); ++i) lowers.push_back(SnapshotDir(chain[i].id) + "/fs");
  const std::string upper = SnapshotDir(row.id) + "/fs";
  const std::string lowerdir = absl::StrCat("lowerdir=", absl::StrJoin(lowers, ":"));
  if (row.kind == SnapshotKind::kActive) {
    if (lowers.empty()) return std::vector<Mount>{{"bind", upper, {"rbind", "rw"}}};
    return std::vector<Mount>{{"overlay", "overlay",
                               {absl::StrCat("workdir=", SnapshotDir(row.id), "/work"),
                                absl::StrCat("upperdir=", upper), lowerdir}}};
  }
  if (lowers.size() <= 1) {
    return std::vector<Mount>{{"bind", lowers.empty() ? upper : lowers[0], {"rbind", "ro"}}};
  }
  return std::vector<Mount>{{"overlay", "overlay", {lowerdir}}};
}

absl::Status OverlaySnapshotter::Remove(absl::string_view name_or_key) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Row row, Lookup(name_or_key));
  Stmt children(db_, "SELECT key FROM snapshots WHERE parent_id = ? LIMIT 1");
  children.Bind(1, row.id);
  ASSIGN_OR_RETURN(bool has_child, children.Step());
  if (has_child) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot \"", name_or_key, "\" is the parent of \"",
                                                      children.Text(0), "\""));
  }
  Stmt del(db_, "DELETE FROM snapshots WHERE id = ?");
  del.Bind(1, row.id);
  {
    RelaxedDurability relaxed(this, row.kind == SnapshotKind::kActive);
    RETURN_IF_ERROR(del.Step().status());
  }
  // The record is gone; a directory left behind is reclaimed by Cleanup().
  const std::string dir = SnapshotDir(row.id);
  if (row.kind == SnapshotKind::kActive) {
    // A container's writable layer: removing its tree (overlay's work
    // directories are slow to delete) would hold up `rm` and `run --rm`.
    // Renamed out of the way it is gone for every reader; the tree is
    // deleted in the background (or by Cleanup() after a crash).
    const std::string trash = absl::StrCat(root_, "/snapshots/trash-", row.id, "-", NowNs());
    if (rename(dir.c_str(), trash.c_str()) == 0) {
      std::thread([trash] { (void)base::RemoveAll(trash); }).detach();
      return absl::OkStatus();
    }
  }
  if (absl::Status s = base::RemoveAll(dir); !s.ok()) {
    LOG_WARN("snapshot directory not removed", {{"snapshot", std::string(name_or_key)}, {"error", s.ToString()}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SnapshotInfo>> OverlaySnapshotter::List() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::vector<Row> rows, AllRows());
  std::vector<SnapshotInfo> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(ToInfo(r));
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> OverlaySnapshotter::ListSnapshots() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::vector<Row> rows, AllRows());
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(rows.size());
  for (Row& r : rows) out.emplace_back(std::move(r.name), std::move(r.parent));
  return out;
}

absl::StatusOr<int64_t> OverlaySnapshotter::Usage(absl::string_view name) {
  std::string upper;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(Row row, Lookup(name));
    upper = SnapshotDir(row.id) + "/fs";
  }
  int fd = open(upper.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, absl::StrCat("open ", upper));
  absl::flat_hash_set<std::pair<dev_t, ino_t>> seen;
  int64_t total = 0;
  absl::Status s = DiskUsage(fd, 0, &seen, &total);
  close(fd);
  RETURN_IF_ERROR(s);
  return total;
}

absl::Status OverlaySnapshotter::Cleanup() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::vector<Row> rows, AllRows());
  std::set<std::string> known;
  for (const Row& r : rows) known.insert(absl::StrCat(r.id));
  const std::string dir = absl::StrCat(root_, "/snapshots");
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return base::ErrnoError(errno, absl::StrCat("opendir ", dir));
  std::vector<std::string> orphans;
  while (struct dirent* de = readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != ".." && known.count(n) == 0) orphans.push_back(n);
  }
  closedir(d);
  for (const std::string& n : orphans) {
    LOG_INFO("removing orphaned snapshot directory", {{"dir", n}});
    RETURN_IF_ERROR(base::RemoveAll(base::JoinPath(dir, n)));
  }
  return absl::OkStatus();
}

}  // namespace engine::snapshots
