#include "store/sqlite_binding_store.h"

namespace imsguard::store {
namespace {

constexpr const char* kColumns =
    "SELECT aor, contact, impi, transport, source, flow_id, call_id, cseq, expires_at, path FROM bindings ";

StoreError db_error(SqliteDb& db, const std::string& what) { return unavailable(what + ": " + db.last_error()); }

// ?1..?10 in the order of the table's columns. Not copied: `b` outlives the statement's lease.
void bind_binding(SqliteStatement& q, const Binding& b) {
  q.bind_unowned(1, b.aor);
  q.bind_unowned(2, b.contact);
  q.bind_unowned(3, b.impi);
  q.bind_unowned(4, b.transport);
  q.bind_unowned(5, b.source);
  q.bind_unowned(6, b.flow_id);
  q.bind_unowned(7, b.call_id);
  q.bind(8, static_cast<int64_t>(b.cseq));
  q.bind(9, b.expires_at);
  q.bind_unowned(10, b.path);
}

}  // namespace

StoreResult<std::unique_ptr<SqliteBindingStore>> SqliteBindingStore::open(const std::string& path) {
  auto db = SqliteDb::open(path, SqliteDb::Sync::kNormal);
  if (!db) return db.error();
  return std::unique_ptr<SqliteBindingStore>(new SqliteBindingStore(std::move(db).value()));
}

StoreResult<std::vector<Binding>> SqliteBindingStore::collect(SqliteStatement& q) {
  std::vector<Binding> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    Binding b;
    b.aor = q.column_text(0);
    b.contact = q.column_text(1);
    b.impi = q.column_text(2);
    b.transport = q.column_text(3);
    b.source = q.column_text(4);
    b.flow_id = q.column_text(5);
    b.call_id = q.column_text(6);
    b.cseq = static_cast<uint32_t>(q.column_int64(7));
    b.expires_at = q.column_int64(8);
    b.path = q.column_text(9);
    out.push_back(std::move(b));
  }
  if (rc != SQLITE_DONE) return db_error(*db_, "cannot read bindings");
  return out;
}

StoreResult<void> SqliteBindingStore::upsert(const Binding& b) {
  if (b.aor.empty() || b.contact.empty()) return invalid("binding needs an AoR and a contact");
  std::lock_guard lock(mu_);
  // Most writes are refreshes over the flow the binding already has: an UPDATE that leaves
  // the flow columns alone does not touch the flow index (the full upsert rewrites every
  // index entry of the row), and costs about a third less.
  auto refresh = db_->prepare(
      "UPDATE bindings SET impi = ?3, call_id = ?7, cseq = ?8, expires_at = ?9, path = ?10 "
      "WHERE aor = ?1 AND contact = ?2 AND transport = ?4 AND source = ?5 AND flow_id = ?6");
  if (!refresh) return refresh.error();
  bind_binding(refresh.value(), b);
  if (refresh->step() != SQLITE_DONE) return db_error(*db_, "cannot store binding");
  if (db_->changes() > 0) return {};
  auto q = db_->prepare(
      "INSERT INTO bindings(aor, contact, impi, transport, source, flow_id, call_id, cseq, expires_at, path) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT(aor, contact) DO UPDATE SET impi = excluded.impi, transport = excluded.transport, "
      "source = excluded.source, flow_id = excluded.flow_id, call_id = excluded.call_id, "
      "cseq = excluded.cseq, expires_at = excluded.expires_at, path = excluded.path");
  if (!q) return q.error();
  bind_binding(q.value(), b);
  if (q->step() != SQLITE_DONE) return db_error(*db_, "cannot store binding");
  return {};
}

StoreResult<bool> SqliteBindingStore::remove(std::string_view aor, std::string_view contact) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("DELETE FROM bindings WHERE aor = ?1 AND contact = ?2");
  if (!q) return q.error();
  q->bind(1, aor);
  q->bind(2, contact);
  if (q->step() != SQLITE_DONE) return db_error(*db_, "cannot remove binding");
  return db_->changes() > 0;
}

StoreResult<std::size_t> SqliteBindingStore::remove_all(std::string_view aor) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("DELETE FROM bindings WHERE aor = ?1");
  if (!q) return q.error();
  q->bind(1, aor);
  if (q->step() != SQLITE_DONE) return db_error(*db_, "cannot remove bindings");
  return static_cast<std::size_t>(db_->changes());
}

StoreResult<std::vector<Binding>> SqliteBindingStore::lookup(std::string_view aor, int64_t now) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare(std::string(kColumns) + "WHERE aor = ?1 AND expires_at > ?2 ORDER BY contact");
  if (!q) return q.error();
  q->bind(1, aor);
  q->bind(2, now);
  return collect(q.value());
}

StoreResult<std::vector<Binding>> SqliteBindingStore::find_by_flow(std::string_view transport,
                                                                   std::string_view source,
                                                                   std::string_view flow_id,
                                                                   int64_t now) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare(std::string(kColumns) +
                        "WHERE transport = ?1 AND source = ?2 AND flow_id = ?3 AND expires_at > ?4 "
                        "ORDER BY aor, contact");
  if (!q) return q.error();
  q->bind(1, transport);
  q->bind(2, source);
  q->bind(3, flow_id);
  q->bind(4, now);
  return collect(q.value());
}

StoreResult<std::size_t> SqliteBindingStore::purge_expired(int64_t now) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("DELETE FROM bindings WHERE expires_at <= ?1");
  if (!q) return q.error();
  q->bind(1, now);
  if (q->step() != SQLITE_DONE) return db_error(*db_, "cannot purge bindings");
  return static_cast<std::size_t>(db_->changes());
}

StoreResult<std::size_t> SqliteBindingStore::purge_expired_of(std::string_view aor, int64_t now) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("DELETE FROM bindings WHERE aor = ?1 AND expires_at <= ?2");
  if (!q) return q.error();
  q->bind(1, aor);
  q->bind(2, now);
  if (q->step() != SQLITE_DONE) return db_error(*db_, "cannot purge bindings");
  return static_cast<std::size_t>(db_->changes());
}

StoreResult<std::vector<Binding>> SqliteBindingStore::list(int64_t now) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare(std::string(kColumns) + "WHERE expires_at > ?1 ORDER BY aor, contact");
  if (!q) return q.error();
  q->bind(1, now);
  return collect(q.value());
}

StoreResult<void> SqliteBindingStore::write_batch(const std::function<void(BindingStore&)>& writes) {
  std::lock_guard lock(mu_);
  SqliteTransaction tx(*db_);
  if (auto begun = tx.begin(); !begun.ok()) return begun;
  writes(*this);
  return tx.commit();
}

}  // namespace imsguard::store
