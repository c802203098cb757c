#include "store/sqlite_db.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imsguard::store {
namespace {

// Schema migrations, applied in order inside one transaction; never edit a released entry,
// append a new one.
struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE subscribers (
  impi TEXT PRIMARY KEY NOT NULL,
  realm TEXT NOT NULL,
  scheme TEXT NOT NULL CHECK (scheme IN ('aka', 'digest')),
  k BLOB,
  opc BLOB,
  amf BLOB,
  sqn INTEGER NOT NULL DEFAULT 0 CHECK (sqn >= 0 AND sqn <= 281474976710655),
  ha1_md5 TEXT NOT NULL DEFAULT '',
  ha1_sha256 TEXT NOT NULL DEFAULT '',
  ha1_sha512_256 TEXT NOT NULL DEFAULT '',
  barred INTEGER NOT NULL DEFAULT 0,
  services TEXT NOT NULL DEFAULT ''
);
CREATE TABLE impus (
  impu TEXT PRIMARY KEY NOT NULL,
  impi TEXT NOT NULL REFERENCES subscribers(impi) ON DELETE CASCADE,
  position INTEGER NOT NULL
);
CREATE INDEX impus_by_impi ON impus(impi, position);
CREATE TABLE bindings (
  aor TEXT NOT NULL,
  contact TEXT NOT NULL,
  impi TEXT NOT NULL,
  transport TEXT NOT NULL,
  source TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY (aor, contact)
);
CREATE INDEX bindings_by_flow ON bindings(transport, source, flow_id);
CREATE INDEX bindings_by_expiry ON bindings(expires_at);
)sql"},
    // Bans survive a restart (guard/state_sync.h). Times are unix milliseconds.
    {2, R"sql(
CREATE TABLE bans (
  target TEXT NOT NULL,
  port INTEGER NOT NULL CHECK (port >= 0 AND port <= 65535),
  reason TEXT NOT NULL,
  by TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  automatic INTEGER NOT NULL,
  PRIMARY KEY (target, port)
);
CREATE INDEX bans_by_expiry ON bans(expires_ms);
)sql"},
    // A stamp moved by every change to a subscriber record or its IMPUs, whoever writes
    // (imsguard subscriber, the admin API, another process, the sqlite3 shell): the
    // registration path's cache keeps records until it moves (edge/subscriber_cache.h).
    // SQN updates are left out: they happen on every AKA challenge and the cache follows
    // its own reservations.
    {3, R"sql(
CREATE TABLE subscriber_changes (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  stamp INTEGER NOT NULL
);
INSERT INTO subscriber_changes(id, stamp) VALUES (1, 0);
CREATE TRIGGER subscribers_added AFTER INSERT ON subscribers
  BEGIN UPDATE subscriber_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER subscribers_removed AFTER DELETE ON subscribers
  BEGIN UPDATE subscriber_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER subscribers_changed
  AFTER UPDATE OF impi, realm, scheme, k, opc, amf, ha1_md5, ha1_sha256, ha1_sha512_256, barred, services
  ON subscribers
  BEGIN UPDATE subscriber_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER impus_added AFTER INSERT ON impus
  BEGIN UPDATE subscriber_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER impus_removed AFTER DELETE ON impus
  BEGIN UPDATE subscriber_changes SET stamp = stamp + 1 WHERE id = 1; END;
CREATE TRIGGER impus_changed AFTER UPDATE ON impus
  BEGIN UPDATE subscriber_changes SET stamp = stamp + 1 WHERE id = 1; END;
)sql"},
};

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Creates the file with mode 0600 if absent (SQLite would use 0644 minus umask) and tightens
// an existing one: the file holds K and OPc. SQLite gives its -wal and -shm files the mode of
// the database file; existing ones are tightened too.
//
// An existing file is never opened here: closing a descriptor of a database file releases
// every POSIX lock this process holds on it, including those of SQLite connections already
// open (another store on the same file), which lets a second process corrupt the database
// (sqlite.org/howtocorrupt.html 2.2). An existing file is checked and tightened by path.
StoreResult<void> create_private_file(const std::string& path) {
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    if (!S_ISREG(existing.st_mode)) return unavailable(path + " is not a regular file");
    if ((existing.st_mode & 0077) != 0 && ::chmod(path.c_str(), 0600) != 0)
      return unavailable(errno_text("cannot chmod 0600", path));
  } else {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    // EEXIST: another process created it between lstat and open; SQLite opens it as it is.
    if (fd < 0 && errno != EEXIST) return unavailable(errno_text("cannot create", path));
    if (fd >= 0) ::close(fd);  // nobody can hold SQLite locks on a file that did not exist
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path + suffix;
    struct stat side_st {};
    if (::lstat(side.c_str(), &side_st) == 0 && S_ISREG(side_st.st_mode) && (side_st.st_mode & 0077) != 0) {
      if (::chmod(side.c_str(), 0600) != 0) return unavailable(errno_text("cannot chmod 0600", side));
    }
  }
  return {};
}

// Why `path` (a database file) cannot be written, or "" when it can: its file system is
// mounted read-only, the file is not writable, or its directory is not (SQLite creates the
// -wal and -shm files beside it).
std::string read_only_reason(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) return "read-only file system";
  if (::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0)
    return std::string("the file is not writable by this user: ") + std::strerror(errno);
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return "its directory " + dir + " is not writable by this user (SQLite keeps -wal and -shm files there): " +
           std::strerror(errno);
  return {};
}

}  // namespace

std::string SqliteDb::describe(int code, std::string message) const {
  switch (code & 0xff) {
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      break;
    default:
      return message;
  }
  std::string why = read_only_reason(path_);
  message += " (" + path_;
  if (!why.empty()) message += " is read-only: " + why;
  return message + ")";
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void SqliteStatement::bind_unowned(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}
void SqliteStatement::bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void SqliteStatement::bind_blob(int index, std::span<const uint8_t> bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}
void SqliteStatement::bind_null(int index) { sqlite3_bind_null(stmt_, index); }

int SqliteStatement::step() { return sqlite3_step(stmt_); }
void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::column_text(int index) {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}
int64_t SqliteStatement::column_int64(int index) { return sqlite3_column_int64(stmt_, index); }
std::vector<uint8_t> SqliteStatement::column_blob(int index) {
  const void* data = sqlite3_column_blob(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  const auto* bytes = static_cast<const uint8_t*>(data);
  return std::vector<uint8_t>(bytes, bytes + size);
}
bool SqliteStatement::column_is_null(int index) { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

StoreResult<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, Sync sync) {
  if (auto r = create_private_file(path); !r) return r.error();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  if (rc != SQLITE_OK) {
    return unavailable("cannot open database " + path + ": " +
                       (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  {
    auto mode = db->prepare("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    if (mode->step() != SQLITE_ROW || mode->column_text(0) != "wal") {
      return unavailable("cannot switch " + path + " to WAL mode: " + db->last_error());
    }
  }
  const char* pragmas = sync == Sync::kFull ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                            : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
  if (auto r = db->exec(pragmas); !r) return r.error();
  if (auto r = db->migrate(); !r) return StoreError{r.code(), path + ": " + r.message()};
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

StoreResult<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return SqliteStatement(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return unavailable("cannot prepare statement: " + last_error());
  statements_.emplace(std::string(sql), stmt);
  return SqliteStatement(stmt);
}

StoreResult<void> SqliteDb::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return unavailable(describe(sqlite3_extended_errcode(db_), std::move(text)));
  }
  return {};
}

std::string SqliteDb::last_error() const {
  if (db_ == nullptr) return "no database";
  return describe(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
}

int SqliteDb::latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

StoreResult<void> SqliteDb::migrate() {
  SqliteTransaction tx(*this);
  if (auto r = tx.begin(); !r) return r;
  if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)");
      !r) {
    return r;
  }
  int current = 0;
  {
    auto q = prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!q) return q.error();
    if (q->step() != SQLITE_ROW) return unavailable("cannot read schema version: " + last_error());
    current = static_cast<int>(q->column_int64(0));
  }
  if (current > latest_schema_version()) {
    return unavailable("schema version " + std::to_string(current) + " is newer than this build (" +
                       std::to_string(latest_schema_version()) + ")");
  }
  for (const auto& m : kMigrations) {
    if (m.version <= current) continue;
    if (auto r = exec(m.sql); !r) {
      return unavailable("migration " + std::to_string(m.version) + " failed: " + r.message());
    }
    auto ins = prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?1, strftime('%s','now'))");
    if (!ins) return ins.error();
    ins->bind(1, int64_t{m.version});
    if (ins->step() != SQLITE_DONE) return unavailable("cannot record migration: " + last_error());
  }
  if (auto r = tx.commit(); !r) return r;
  schema_version_ = latest_schema_version();
  return {};
}

SqliteTransaction::~SqliteTransaction() {
  if (active_) (void)db_.exec("ROLLBACK");
}

StoreResult<void> SqliteTransaction::begin() {
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return unavailable("cannot begin transaction: " + r.message());
  active_ = true;
  return {};
}

StoreResult<void> SqliteTransaction::commit() {
  if (auto r = db_.exec("COMMIT"); !r) return unavailable("commit failed: " + r.message());
  active_ = false;
  return {};
}

}  // namespace imsguard::store
