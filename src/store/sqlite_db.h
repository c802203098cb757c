#pragma once
// SqliteDb: one connection to the state database with the project's safety settings in one
// place (file created 0600 before SQLite touches it, WAL, chosen fsync level, versioned
// schema, prepared statements cached). The SQLite stores hold one each and serialise access
// with their own mutex, so this class itself is not thread-safe.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/result.h"

namespace imsguard::store {

// A cached prepared statement, reset and unbound when the lease ends.
class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based, as in SQLite.
  void bind(int index, std::string_view text);
  // Not copied: `text` must stay alive and unchanged until this lease ends (the hot write
  // path binds the fields of a record its caller holds).
  void bind_unowned(int index, std::string_view text);
  void bind(int index, int64_t value);
  void bind_blob(int index, std::span<const uint8_t> bytes);
  void bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Ready to bind and step again (e.g. the same query for the next key).
  void reset();

  std::string column_text(int index);
  int64_t column_int64(int index);
  std::vector<uint8_t> column_blob(int index);
  bool column_is_null(int index);

 private:
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // kFull: every commit is fsync'd (SQN reservations must survive power loss).
  // kNormal: WAL without fsync per commit: survives a process crash (kill -9), may lose the
  // last commits on power loss (bindings: clients re-register).
  enum class Sync { kFull, kNormal };

  // Opens (creating if needed, mode 0600) the database file at `path` and brings its schema
  // to the current version.
  static StoreResult<std::unique_ptr<SqliteDb>> open(const std::string& path, Sync sync);

  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // A cached statement for `sql`; an error if it does not compile.
  StoreResult<SqliteStatement> prepare(std::string_view sql);
  // Runs one or more statements without results.
  StoreResult<void> exec(const char* sql);
  // The connection's last error message, for composing StoreErrors. An error of the file
  // (cannot open, read-only, I/O, full, busy, corrupt) names it, and says "read-only" and
  // why when the file, its directory or its file system cannot be written.
  std::string last_error() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int changes() const { return sqlite3_changes(db_); }
  int schema_version() const { return schema_version_; }

  // The latest schema version this build knows.
  static int latest_schema_version();

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  StoreResult<void> migrate();
  // `message` with the file named (and why it is read-only) when `code` is an error of the file.
  std::string describe(int code, std::string message) const;

  sqlite3* db_;
  std::string path_;
  int schema_version_ = 0;
  // Looked up by string_view: a statement given as a literal is found without building a string.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if commit() is not reached. IMMEDIATE takes the
// write lock up front so a read-modify-write (SQN) cannot interleave with another process.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db) : db_(db) {}
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  StoreResult<void> begin();
  StoreResult<void> commit();

 private:
  SqliteDb& db_;
  bool active_ = false;
};

}  // namespace imsguard::store
