#include "store/sqlite_guard_store.h"

namespace imsguard::store {

StoreResult<std::unique_ptr<SqliteGuardStore>> SqliteGuardStore::open(const std::string& path) {
  auto db = SqliteDb::open(path, SqliteDb::Sync::kNormal);
  if (!db) return db.error();
  return std::unique_ptr<SqliteGuardStore>(new SqliteGuardStore(std::move(db).value()));
}

StoreResult<void> SqliteGuardStore::put_ban(const BanRecord& b) {
  if (b.target.empty()) return invalid("ban needs a target");
  std::lock_guard lock(mu_);
  auto q = db_->prepare(
      "INSERT INTO bans(target, port, reason, by, created_ms, expires_ms, automatic) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT(target, port) DO UPDATE SET reason = excluded.reason, by = excluded.by, "
      "created_ms = excluded.created_ms, expires_ms = excluded.expires_ms, automatic = excluded.automatic");
  if (!q) return q.error();
  q->bind(1, b.target);
  q->bind(2, int64_t{b.port});
  q->bind(3, b.reason);
  q->bind(4, b.by);
  q->bind(5, b.created_ms);
  q->bind(6, b.expires_ms);
  q->bind(7, int64_t{b.automatic ? 1 : 0});
  if (q->step() != SQLITE_DONE) return unavailable("cannot store ban: " + db_->last_error());
  return {};
}

StoreResult<bool> SqliteGuardStore::remove_ban(std::string_view target, uint16_t port) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("DELETE FROM bans WHERE target = ?1 AND port = ?2");
  if (!q) return q.error();
  q->bind(1, target);
  q->bind(2, int64_t{port});
  if (q->step() != SQLITE_DONE) return unavailable("cannot remove ban: " + db_->last_error());
  return db_->changes() > 0;
}

StoreResult<std::vector<BanRecord>> SqliteGuardStore::live_bans(int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare(
      "SELECT target, port, reason, by, created_ms, expires_ms, automatic FROM bans WHERE expires_ms > ?1 "
      "ORDER BY created_ms, target, port");
  if (!q) return q.error();
  q->bind(1, now_ms);
  std::vector<BanRecord> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) {
    BanRecord b;
    b.target = q->column_text(0);
    int64_t port = q->column_int64(1);
    if (port < 0 || port > 65535) continue;  // a row from the file is input like any other
    b.port = static_cast<uint16_t>(port);
    b.reason = q->column_text(2);
    b.by = q->column_text(3);
    b.created_ms = q->column_int64(4);
    b.expires_ms = q->column_int64(5);
    b.automatic = q->column_int64(6) != 0;
    out.push_back(std::move(b));
  }
  if (rc != SQLITE_DONE) return unavailable("cannot read bans: " + db_->last_error());
  return out;
}

StoreResult<std::size_t> SqliteGuardStore::purge_expired_bans(int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("DELETE FROM bans WHERE expires_ms <= ?1");
  if (!q) return q.error();
  q->bind(1, now_ms);
  if (q->step() != SQLITE_DONE) return unavailable("cannot purge bans: " + db_->last_error());
  return static_cast<std::size_t>(db_->changes());
}

}  // namespace imsguard::store
