#include "engine/metadata/sqlite.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace metadata {

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(absl::string_view path,
                                                         int busy_timeout_ms) {
  std::string p(path);
  sqlite3* raw = nullptr;
  int rc = ::sqlite3_open_v2(
      p.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));  // closes `raw` even on error
  if (rc != SQLITE_OK) {
    return db->Error(rc, absl::StrCat("open ", p));
  }
  ::sqlite3_extended_result_codes(raw, 1);
  rc = ::sqlite3_busy_timeout(raw, busy_timeout_ms);
  if (rc != SQLITE_OK) return db->Error(rc, "busy_timeout");
  RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON"));
  return db;
}

SqliteDb::~SqliteDb() { ::sqlite3_close_v2(db_); }

absl::Status SqliteDb::Error(int rc, absl::string_view what) const {
  std::string msg = absl::StrCat(
      "sqlite ", what, ": ",
      db_ != nullptr ? ::sqlite3_errmsg(db_) : ::sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(msg);
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(msg);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::PermissionDeniedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

absl::Status SqliteDb::Exec(absl::string_view sql) {
  std::string s(sql);
  int rc = ::sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "exec");
  return absl::OkStatus();
}

absl::StatusOr<SqliteStatement> SqliteDb::Prepare(absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = ::sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt,
                                nullptr);
  if (rc != SQLITE_OK) {
    ::sqlite3_finalize(stmt);
    return Error(rc, absl::StrCat("prepare \"", sql, "\""));
  }
  return SqliteStatement(this, stmt);
}

absl::StatusOr<std::string> SqliteDb::QueryText(absl::string_view sql) {
  ASSIGN_OR_RETURN(SqliteStatement stmt, Prepare(sql));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::InternalError(absl::StrCat("sqlite \"", sql, "\": no row"));
  return stmt.ColumnText(0);
}

absl::StatusOr<int64_t> SqliteDb::QueryInt(absl::string_view sql) {
  ASSIGN_OR_RETURN(SqliteStatement stmt, Prepare(sql));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::InternalError(absl::StrCat("sqlite \"", sql, "\": no row"));
  return stmt.ColumnInt(0);
}

int64_t SqliteDb::Changes() const { return ::sqlite3_changes(db_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(other.bind_error_) {}

SqliteStatement::~SqliteStatement() { ::sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::Bind(int index, absl::string_view text) {
  int rc = ::sqlite3_bind_text64(stmt_, index, text.data(), text.size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  int rc = ::sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  int rc = ::sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, absl::string_view bytes) {
  // A non-null pointer even for empty data, so the value is an empty blob,
  // not NULL.
  static const char kEmpty = 0;
  int rc = ::sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(),
                                 bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return db_->Error(bind_error_, absl::StrCat("bind \"", ::sqlite3_sql(stmt_), "\""));
  }
  int rc = ::sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, absl::StrCat("step \"", ::sqlite3_sql(stmt_), "\""));
}

absl::Status SqliteStatement::Run() {
  for (;;) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return absl::OkStatus();
  }
}

std::string SqliteStatement::ColumnBlob(int column) const {
  const void* bytes = ::sqlite3_column_blob(stmt_, column);
  if (bytes == nullptr) return std::string();
  return std::string(static_cast<const char*>(bytes),
                     static_cast<size_t>(::sqlite3_column_bytes(stmt_, column)));
}

std::string SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = ::sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(::sqlite3_column_bytes(stmt_, column)));
}

int64_t SqliteStatement::ColumnInt(int column) const {
  return ::sqlite3_column_int64(stmt_, column);
}

bool SqliteStatement::ColumnIsNull(int column) const {
  return ::sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

absl::StatusOr<SqliteTransaction> SqliteTransaction::Begin(SqliteDb* db) {
  RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  return SqliteTransaction(db);
}

SqliteTransaction::~SqliteTransaction() {
  if (!done_) (void)db_->Exec("ROLLBACK");
}

absl::Status SqliteTransaction::Commit() {
  if (done_) return absl::FailedPreconditionError("sqlite commit: transaction is over");
  absl::Status s = db_->Exec("COMMIT");
  if (!s.ok()) return s;  // destructor rolls back
  done_ = true;
  return absl::OkStatus();
}

}  // namespace metadata
}  // namespace engine
