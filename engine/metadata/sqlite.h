// -----------------------------------------------------------------------------
// File: sqlite.h
// -----------------------------------------------------------------------------
//
// A thin absl::Status layer over libsqlite3: a connection (`SqliteDb`), a
// prepared statement (`SqliteStatement`) and a transaction guard
// (`SqliteTransaction`). Internal to engine/metadata.
//
// Errors map SQLite result codes to status codes: SQLITE_BUSY/LOCKED ->
// Unavailable, SQLITE_CONSTRAINT -> FailedPrecondition, SQLITE_FULL ->
// ResourceExhausted, SQLITE_CORRUPT/NOTADB -> DataLoss, SQLITE_CANTOPEN ->
// Unavailable, SQLITE_READONLY/PERM -> PermissionDenied, others -> Internal.
// Messages read
// "sqlite <what>: <sqlite's message>".
//
// Thread-safety: none. Callers serialise use of a connection and of every
// statement prepared on it.

#ifndef ENGINE_METADATA_SQLITE_H_
#define ENGINE_METADATA_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace engine {
namespace metadata {

class SqliteStatement;

class SqliteDb {
 public:
  // Opens or creates the database file at `path` (read-write), with
  // `busy_timeout` applied and foreign keys enforced.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(absl::string_view path,
                                                        int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that take no parameters and whose rows, if
  // any, are ignored.
  absl::Status Exec(absl::string_view sql);

  // Compiles one statement. Valid while this SqliteDb lives.
  absl::StatusOr<SqliteStatement> Prepare(absl::string_view sql);

  // Runs a statement that returns a single text value (e.g. a PRAGMA).
  absl::StatusOr<std::string> QueryText(absl::string_view sql);
  absl::StatusOr<int64_t> QueryInt(absl::string_view sql);

  // Number of rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;

  // A status for result code `rc` of the operation `what`.
  absl::Status Error(int rc, absl::string_view what) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Binds parameter `index` (1-based). Text is copied.
  SqliteStatement& Bind(int index, absl::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& BindNull(int index);
  // Binds raw bytes (stored as a BLOB; may hold NULs and invalid UTF-8).
  SqliteStatement& BindBlob(int index, absl::string_view bytes);

  // Advances to the next row: true if there is one, false when done. A bind
  // error is reported here.
  absl::StatusOr<bool> Step();
  // Steps until done (for statements that return no rows).
  absl::Status Run();

  std::string ColumnText(int column) const;
  // The column's bytes as stored (BLOB or TEXT).
  std::string ColumnBlob(int column) const;
  int64_t ColumnInt(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class SqliteDb;
  SqliteStatement(const SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  const SqliteDb* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

// Begins a write transaction (BEGIN IMMEDIATE, so the write lock is taken up
// front and a busy database fails at Begin, not mid-way). Rolls back when
// destroyed unless Commit() succeeded.
class SqliteTransaction {
 public:
  static absl::StatusOr<SqliteTransaction> Begin(SqliteDb* db);
  SqliteTransaction(SqliteTransaction&& other) noexcept
      : db_(other.db_), done_(other.done_) {
    other.done_ = true;
  }
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();

  absl::Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;
  bool done_ = false;
};

}  // namespace metadata
}  // namespace engine

#endif  // ENGINE_METADATA_SQLITE_H_
