#include "engine/metadata/metadata_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/metadata/sqlite.h"

namespace engine {
namespace metadata {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// Schema version 1. Digests are stored as "sha256:<hex>" text.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE images (
  name               TEXT PRIMARY KEY NOT NULL,
  target             TEXT NOT NULL,
  manifest           TEXT NOT NULL,
  config             TEXT NOT NULL,
  updated_unix_nanos INTEGER NOT NULL
);
CREATE INDEX images_by_manifest ON images(manifest);
CREATE TABLE manifests (
  digest        TEXT PRIMARY KEY NOT NULL,
  config        TEXT NOT NULL,
  unpacked_size INTEGER NOT NULL
);
CREATE TABLE manifest_blobs (
  manifest TEXT NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  blob     TEXT NOT NULL,
  PRIMARY KEY (manifest, position)
);
CREATE TABLE manifest_snapshots (
  manifest TEXT NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (manifest, position)
);
CREATE TABLE leases (
  id                 TEXT PRIMARY KEY NOT NULL,
  expires_unix_nanos INTEGER  -- NULL: never
);
CREATE TABLE lease_resources (
  lease    TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
  kind     TEXT NOT NULL CHECK (kind IN ('blob', 'snapshot')),
  resource TEXT NOT NULL,
  PRIMARY KEY (lease, kind, resource)
);
CREATE TABLE kv (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
)sql";

// Schema version 2: containers.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE containers (
  id       TEXT PRIMARY KEY NOT NULL,
  name     TEXT NOT NULL UNIQUE,
  image_id TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  record   BLOB NOT NULL
);
CREATE INDEX containers_by_image ON containers(image_id);
)sql";

absl::StatusOr<base::Digest> ParseStored(const std::string& text, absl::string_view what) {
  absl::StatusOr<base::Digest> d = base::Digest::Parse(text);
  if (!d.ok()) {
    return absl::DataLossError(
        absl::StrCat("metadata: corrupt ", what, " \"", text, "\": ", d.status().message()));
  }
  return d;
}

// Reads an image row selected as (name, target, manifest, config, updated).
absl::StatusOr<ImageRecord> ReadImageRow(const SqliteStatement& stmt) {
  ASSIGN_OR_RETURN(base::Digest target, ParseStored(stmt.ColumnText(1), "image target"));
  ASSIGN_OR_RETURN(base::Digest manifest, ParseStored(stmt.ColumnText(2), "image manifest"));
  ASSIGN_OR_RETURN(base::Digest config, ParseStored(stmt.ColumnText(3), "image config"));
  return ImageRecord{stmt.ColumnText(0), std::move(target), std::move(manifest),
                     std::move(config), stmt.ColumnInt(4)};
}

int64_t NowNanos() { return absl::ToUnixNanos(absl::Now()); }

absl::Status ValidateContainerRow(const ContainerRow& row, absl::string_view op) {
  if (row.id.empty()) return absl::InvalidArgumentError(absl::StrCat(op, ": empty id"));
  if (row.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(op, " ", row.id, ": empty name"));
  }
  if (row.snapshot.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(op, " ", row.id, ": empty snapshot"));
  }
  return absl::OkStatus();
}

// Docker's wording, which clients match on.
absl::Status NameConflict(absl::string_view name, absl::string_view holder) {
  return absl::AlreadyExistsError(absl::StrCat(
      "Conflict. The container name \"/", name, "\" is already in use by container \"", holder,
      "\". You have to remove (or rename) that container to be able to reuse that name."));
}

// Reads a container row selected as (id, name, image_id, snapshot, record).
absl::StatusOr<ContainerRow> ReadContainerRow(const SqliteStatement& stmt) {
  ASSIGN_OR_RETURN(base::Digest image_id, ParseStored(stmt.ColumnText(2), "container image"));
  return ContainerRow{stmt.ColumnText(0), stmt.ColumnText(1), std::move(image_id),
                      stmt.ColumnText(3), stmt.ColumnBlob(4)};
}

// Container records change at every create, start, exit and removal. A
// power failure that loses the last of those changes is harmless: a reboot
// ends every container and the daemon reconciles the records, and the
// container's own files are not fsynced either. So container commits skip
// the WAL fsync (synchronous=NORMAL keeps WAL consistent, only not
// durable); image and lease records keep synchronous=FULL.
class RelaxedDurability {
 public:
  explicit RelaxedDurability(SqliteDb* db) : db_(db) {
    (void)db_->Exec("PRAGMA synchronous = NORMAL");
  }
  ~RelaxedDurability() { (void)db_->Exec("PRAGMA synchronous = FULL"); }

 private:
  SqliteDb* db_;
};

}  // namespace

MetadataStore::MetadataStore(std::string path, std::unique_ptr<SqliteDb> db)
    : path_(std::move(path)), db_(std::move(db)) {}

MetadataStore::~MetadataStore() = default;

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::Open(absl::string_view root) {
  RETURN_IF_ERROR(base::MakeDirs(root, 0700));
  std::string path = base::JoinPath(root, "metadata.db");
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, kBusyTimeoutMs));
  ASSIGN_OR_RETURN(std::string mode, db->QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("metadata: cannot enable WAL on ", path, " (journal mode ", mode, ")"));
  }
  RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL"));
  std::unique_ptr<MetadataStore> store(new MetadataStore(path, std::move(db)));
  absl::MutexLock lock(&store->mu_);
  RETURN_IF_ERROR(base::Annotate(store->Migrate(), absl::StrCat("open ", path)));
  return store;
}

absl::Status MetadataStore::Migrate() {
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(int64_t version, db_->QueryInt("PRAGMA user_version"));
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "metadata schema version ", version, " is newer than this berthd supports (",
        kSchemaVersion, ")"));
  }
  if (version == kSchemaVersion) return absl::OkStatus();  // rolls back nothing
  if (version < 1) RETURN_IF_ERROR(db_->Exec(kSchemaV1));
  if (version < 2) RETURN_IF_ERROR(db_->Exec(kSchemaV2));
  // Later versions add their steps here: if (version < 3) ...
  RETURN_IF_ERROR(db_->Exec(absl::StrCat("PRAGMA user_version = ", kSchemaVersion)));
  return tx.Commit();
}

// --- Images ------------------------------------------------------------------

absl::Status MetadataStore::PutImageLocked(const ImageRecord& image) {
  if (image.name.empty()) return absl::InvalidArgumentError("put image: empty name");
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("INSERT OR REPLACE INTO images "
                                "(name, target, manifest, config, updated_unix_nanos) "
                                "VALUES (?, ?, ?, ?, ?)"));
  stmt.Bind(1, image.name)
      .Bind(2, image.target.str())
      .Bind(3, image.manifest.str())
      .Bind(4, image.config.str())
      .Bind(5, image.updated_unix_nanos);
  return stmt.Run();
}

absl::Status MetadataStore::PutImage(const ImageRecord& image) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  RETURN_IF_ERROR(PutImageLocked(image));
  return tx.Commit();
}

absl::StatusOr<ImageRecord> MetadataStore::GetImage(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT name, target, manifest, config, updated_unix_nanos "
                                "FROM images WHERE name = ?"));
  stmt.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("image ", name, " not found"));
  return ReadImageRow(stmt);
}

absl::StatusOr<std::vector<ImageRecord>> MetadataStore::ListImages() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT name, target, manifest, config, updated_unix_nanos "
                                "FROM images ORDER BY name"));
  std::vector<ImageRecord> images;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(ImageRecord image, ReadImageRow(stmt));
    images.push_back(std::move(image));
  }
  return images;
}

absl::Status MetadataStore::DeleteImage(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("DELETE FROM images WHERE name = ?"));
  stmt.Bind(1, name);
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("image ", name, " not found"));
  }
  return tx.Commit();
}

// --- Manifests ---------------------------------------------------------------

absl::Status MetadataStore::PutManifestLocked(const ManifestRecord& record) {
  // Replacing the parent row cascades to the old blob and snapshot rows.
  ASSIGN_OR_RETURN(SqliteStatement del, db_->Prepare("DELETE FROM manifests WHERE digest = ?"));
  del.Bind(1, record.manifest.str());
  RETURN_IF_ERROR(del.Run());
  ASSIGN_OR_RETURN(SqliteStatement put,
                   db_->Prepare("INSERT INTO manifests (digest, config, unpacked_size) "
                                "VALUES (?, ?, ?)"));
  put.Bind(1, record.manifest.str()).Bind(2, record.config.str()).Bind(3, record.unpacked_size);
  RETURN_IF_ERROR(put.Run());

  std::set<std::string> seen;
  int64_t position = 0;
  for (const base::Digest& blob : record.blobs) {
    if (!seen.insert(blob.str()).second) continue;
    ASSIGN_OR_RETURN(SqliteStatement stmt,
                     db_->Prepare("INSERT INTO manifest_blobs (manifest, position, blob) "
                                  "VALUES (?, ?, ?)"));
    stmt.Bind(1, record.manifest.str()).Bind(2, position++).Bind(3, blob.str());
    RETURN_IF_ERROR(stmt.Run());
  }
  position = 0;
  for (const std::string& snapshot : record.snapshots) {
    if (snapshot.empty()) return absl::InvalidArgumentError("put manifest: empty snapshot name");
    ASSIGN_OR_RETURN(SqliteStatement stmt,
                     db_->Prepare("INSERT INTO manifest_snapshots (manifest, position, "
                                  "snapshot) VALUES (?, ?, ?)"));
    stmt.Bind(1, record.manifest.str()).Bind(2, position++).Bind(3, snapshot);
    RETURN_IF_ERROR(stmt.Run());
  }
  return absl::OkStatus();
}

absl::Status MetadataStore::PutManifest(const ManifestRecord& record) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  RETURN_IF_ERROR(PutManifestLocked(record));
  return tx.Commit();
}

absl::StatusOr<ManifestRecord> MetadataStore::GetManifest(const base::Digest& manifest) {
  absl::MutexLock lock(&mu_);
  // One read transaction, so the three queries see one state.
  RETURN_IF_ERROR(db_->Exec("BEGIN"));
  struct Rollback {
    SqliteDb* db;
    ~Rollback() { (void)db->Exec("ROLLBACK"); }
  } rollback{db_.get()};

  ASSIGN_OR_RETURN(SqliteStatement head,
                   db_->Prepare("SELECT config, unpacked_size FROM manifests WHERE digest = ?"));
  head.Bind(1, manifest.str());
  ASSIGN_OR_RETURN(bool row, head.Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("manifest record ", manifest.str(), " not found"));
  }
  ASSIGN_OR_RETURN(base::Digest config, ParseStored(head.ColumnText(0), "manifest config"));
  ManifestRecord record{manifest, std::move(config), {}, {}, head.ColumnInt(1)};

  ASSIGN_OR_RETURN(SqliteStatement blobs,
                   db_->Prepare("SELECT blob FROM manifest_blobs WHERE manifest = ? "
                                "ORDER BY position"));
  blobs.Bind(1, manifest.str());
  for (;;) {
    ASSIGN_OR_RETURN(bool more, blobs.Step());
    if (!more) break;
    ASSIGN_OR_RETURN(base::Digest blob, ParseStored(blobs.ColumnText(0), "manifest blob"));
    record.blobs.push_back(std::move(blob));
  }
  ASSIGN_OR_RETURN(SqliteStatement snaps,
                   db_->Prepare("SELECT snapshot FROM manifest_snapshots WHERE manifest = ? "
                                "ORDER BY position"));
  snaps.Bind(1, manifest.str());
  for (;;) {
    ASSIGN_OR_RETURN(bool more, snaps.Step());
    if (!more) break;
    record.snapshots.push_back(snaps.ColumnText(0));
  }
  return record;
}

absl::Status MetadataStore::CommitPull(const ManifestRecord& record, const ImageRecord& image) {
  if (image.manifest != record.manifest) {
    return absl::InvalidArgumentError(absl::StrCat("commit pull of ", image.name, ": image manifest ",
                                                   image.manifest.str(), " is not the record's ",
                                                   record.manifest.str()));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  RETURN_IF_ERROR(PutManifestLocked(record));
  RETURN_IF_ERROR(PutImageLocked(image));
  return tx.Commit();
}

// --- Leases ------------------------------------------------------------------

absl::Status MetadataStore::CreateLease(absl::string_view id, absl::Duration ttl) {
  if (id.empty()) return absl::InvalidArgumentError("create lease: empty id");
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("create lease ", id, ": ttl must be positive"));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement exists, db_->Prepare("SELECT 1 FROM leases WHERE id = ?"));
  exists.Bind(1, id);
  ASSIGN_OR_RETURN(bool found, exists.Step());
  if (found) return absl::AlreadyExistsError(absl::StrCat("lease ", id, " already exists"));
  ASSIGN_OR_RETURN(SqliteStatement put,
                   db_->Prepare("INSERT INTO leases (id, expires_unix_nanos) VALUES (?, ?)"));
  put.Bind(1, id);
  if (ttl == absl::InfiniteDuration()) {
    put.BindNull(2);
  } else {
    put.Bind(2, absl::ToUnixNanos(absl::Now() + ttl));
  }
  RETURN_IF_ERROR(put.Run());
  return tx.Commit();
}

absl::Status MetadataStore::AddLeaseResource(absl::string_view lease, absl::string_view kind,
                                             absl::string_view id) {
  if (kind != "blob" && kind != "snapshot") {
    return absl::InvalidArgumentError(
        absl::StrCat("lease ", lease, ": unknown resource kind \"", kind, "\""));
  }
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat("lease ", lease, ": empty resource"));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement get,
                   db_->Prepare("SELECT expires_unix_nanos FROM leases WHERE id = ?"));
  get.Bind(1, lease);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("lease ", lease, " not found"));
  if (!get.ColumnIsNull(0) && get.ColumnInt(0) <= NowNanos()) {
    return absl::FailedPreconditionError(absl::StrCat("lease ", lease, " expired"));
  }
  ASSIGN_OR_RETURN(SqliteStatement put,
                   db_->Prepare("INSERT OR IGNORE INTO lease_resources (lease, kind, resource) "
                                "VALUES (?, ?, ?)"));
  put.Bind(1, lease).Bind(2, kind).Bind(3, id);
  RETURN_IF_ERROR(put.Run());
  return tx.Commit();
}

absl::Status MetadataStore::DeleteLease(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("DELETE FROM leases WHERE id = ?"));
  stmt.Bind(1, id);
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() == 0) return absl::NotFoundError(absl::StrCat("lease ", id, " not found"));
  return tx.Commit();
}

absl::Status MetadataStore::DeleteAllLeases() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("DELETE FROM leases"));
  RETURN_IF_ERROR(stmt.Run());
  return tx.Commit();
}

// --- Key-value ---------------------------------------------------------------

absl::StatusOr<std::string> MetadataStore::GetKv(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("SELECT value FROM kv WHERE key = ?"));
  stmt.Bind(1, key);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("key ", key, " not found"));
  return stmt.ColumnText(0);
}

absl::Status MetadataStore::PutKv(absl::string_view key, absl::string_view value) {
  if (key.empty()) return absl::InvalidArgumentError("put kv: empty key");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)"));
  stmt.Bind(1, key).Bind(2, value);
  RETURN_IF_ERROR(stmt.Run());
  return tx.Commit();
}

// --- Containers --------------------------------------------------------------

absl::Status MetadataStore::CheckNameFreeLocked(absl::string_view id, absl::string_view name) {
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT id FROM containers WHERE name = ? AND id != ?"));
  stmt.Bind(1, name).Bind(2, id);
  ASSIGN_OR_RETURN(bool taken, stmt.Step());
  if (taken) return NameConflict(name, stmt.ColumnText(0));
  return absl::OkStatus();
}

absl::Status MetadataStore::CreateContainer(const ContainerRow& row) {
  RETURN_IF_ERROR(ValidateContainerRow(row, "create container"));
  absl::MutexLock lock(&mu_);
  RelaxedDurability relaxed(db_.get());
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement exists, db_->Prepare("SELECT 1 FROM containers WHERE id = ?"));
  exists.Bind(1, row.id);
  ASSIGN_OR_RETURN(bool found, exists.Step());
  if (found) return absl::AlreadyExistsError(absl::StrCat("container ID ", row.id, " already exists"));
  RETURN_IF_ERROR(CheckNameFreeLocked(row.id, row.name));
  ASSIGN_OR_RETURN(SqliteStatement put,
                   db_->Prepare("INSERT INTO containers (id, name, image_id, snapshot, record) "
                                "VALUES (?, ?, ?, ?, ?)"));
  put.Bind(1, row.id).Bind(2, row.name).Bind(3, row.image_id.str()).Bind(4, row.snapshot);
  put.BindBlob(5, row.record);
  RETURN_IF_ERROR(put.Run());
  return tx.Commit();
}

absl::Status MetadataStore::PutContainer(const ContainerRow& row) {
  RETURN_IF_ERROR(ValidateContainerRow(row, "put container"));
  absl::MutexLock lock(&mu_);
  RelaxedDurability relaxed(db_.get());
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  RETURN_IF_ERROR(CheckNameFreeLocked(row.id, row.name));
  ASSIGN_OR_RETURN(SqliteStatement put,
                   db_->Prepare("INSERT INTO containers (id, name, image_id, snapshot, record) "
                                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                                "name = excluded.name, image_id = excluded.image_id, "
                                "snapshot = excluded.snapshot, record = excluded.record"));
  put.Bind(1, row.id).Bind(2, row.name).Bind(3, row.image_id.str()).Bind(4, row.snapshot);
  put.BindBlob(5, row.record);
  RETURN_IF_ERROR(put.Run());
  return tx.Commit();
}

absl::StatusOr<ContainerRow> MetadataStore::GetContainer(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT id, name, image_id, snapshot, record FROM containers "
                                "WHERE id = ?"));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("container ", id, " not found"));
  return ReadContainerRow(stmt);
}

absl::StatusOr<std::vector<ContainerRow>> MetadataStore::ListContainers() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT id, name, image_id, snapshot, record FROM containers "
                                "ORDER BY id"));
  std::vector<ContainerRow> rows;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(ContainerRow container, ReadContainerRow(stmt));
    rows.push_back(std::move(container));
  }
  return rows;
}

absl::Status MetadataStore::DeleteContainer(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  RelaxedDurability relaxed(db_.get());
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("DELETE FROM containers WHERE id = ?"));
  stmt.Bind(1, id);
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() == 0) return absl::NotFoundError(absl::StrCat("container ", id, " not found"));
  return tx.Commit();
}

absl::Status MetadataStore::RenameContainer(absl::string_view id, absl::string_view new_name) {
  if (new_name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("rename container ", id, ": empty name"));
  }
  absl::MutexLock lock(&mu_);
  RelaxedDurability relaxed(db_.get());
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  RETURN_IF_ERROR(CheckNameFreeLocked(id, new_name));
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("UPDATE containers SET name = ? WHERE id = ?"));
  stmt.Bind(1, new_name).Bind(2, id);
  RETURN_IF_ERROR(stmt.Run());
  if (db_->Changes() == 0) return absl::NotFoundError(absl::StrCat("container ", id, " not found"));
  return tx.Commit();
}

absl::StatusOr<bool> MetadataStore::ImageInUse(const base::Digest& image_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT 1 FROM containers WHERE image_id = ? LIMIT 1"));
  stmt.Bind(1, image_id.str());
  return stmt.Step();
}

// --- Roots -------------------------------------------------------------------

absl::StatusOr<MetadataStore::Roots> MetadataStore::CollectRoots() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(SqliteStatement expire,
                   db_->Prepare("DELETE FROM leases WHERE expires_unix_nanos IS NOT NULL "
                                "AND expires_unix_nanos <= ?"));
  expire.Bind(1, NowNanos());
  RETURN_IF_ERROR(expire.Run());
  RETURN_IF_ERROR(db_->Exec(
      "DELETE FROM manifests WHERE digest NOT IN (SELECT manifest FROM images) "
      "AND config NOT IN (SELECT image_id FROM containers)"));

  Roots roots;
  ASSIGN_OR_RETURN(SqliteStatement blobs, db_->Prepare(
      "SELECT target FROM images UNION SELECT manifest FROM images "
      "UNION SELECT config FROM images UNION SELECT blob FROM manifest_blobs "
      "UNION SELECT image_id FROM containers "
      "UNION SELECT resource FROM lease_resources WHERE kind = 'blob'"));
  for (;;) {
    ASSIGN_OR_RETURN(bool row, blobs.Step());
    if (!row) break;
    roots.blobs.insert(blobs.ColumnText(0));
  }
  ASSIGN_OR_RETURN(SqliteStatement snaps, db_->Prepare(
      "SELECT snapshot FROM manifest_snapshots UNION SELECT snapshot FROM containers "
      "UNION SELECT resource FROM lease_resources WHERE kind = 'snapshot'"));
  for (;;) {
    ASSIGN_OR_RETURN(bool row, snaps.Step());
    if (!row) break;
    roots.snapshots.insert(snaps.ColumnText(0));
  }
  RETURN_IF_ERROR(tx.Commit());
  return roots;
}

}  // namespace metadata
}  // namespace engine
