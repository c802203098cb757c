#include "store/sqlite_subscriber_store.h"

#include <algorithm>

namespace imsguard::store {
namespace {

std::string join_services(const std::vector<std::string>& services) {
  std::string out;
  for (const auto& s : services) {
    if (!out.empty()) out += ';';
    out += s;
  }
  return out;
}

std::vector<std::string> split_services(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

template <std::size_t N>
bool copy_blob(const std::vector<uint8_t>& blob, std::array<uint8_t, N>& out) {
  if (blob.size() != N) return false;
  std::copy(blob.begin(), blob.end(), out.begin());
  return true;
}

StoreError step_error(SqliteDb& db, int rc, const std::string& what) {
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return conflict(what + ": " + db.last_error());
  return unavailable(what + ": " + db.last_error());
}

StoreError no_such(std::string_view impi) {
  return not_found("no subscriber with IMPI '" + std::string(impi) + "'");
}

}  // namespace

StoreResult<std::unique_ptr<SqliteSubscriberStore>> SqliteSubscriberStore::open(const std::string& path) {
  auto db = SqliteDb::open(path, SqliteDb::Sync::kFull);
  if (!db) return db.error();
  return std::unique_ptr<SqliteSubscriberStore>(new SqliteSubscriberStore(std::move(db).value()));
}

StoreResult<std::optional<Subscriber>> SqliteSubscriberStore::load(std::string_view impi) {
  auto q = db_->prepare(
      "SELECT impi, realm, scheme, k, opc, amf, sqn, ha1_md5, ha1_sha256, ha1_sha512_256, barred, services "
      "FROM subscribers WHERE impi = ?1");
  if (!q) return q.error();
  q->bind(1, impi);
  int rc = q->step();
  if (rc == SQLITE_DONE) return std::optional<Subscriber>();
  if (rc != SQLITE_ROW) return step_error(*db_, rc, "cannot read subscriber");
  Subscriber s;
  s.impi = q->column_text(0);
  s.realm = q->column_text(1);
  auto scheme = parse_auth_scheme(q->column_text(2));
  if (!scheme) return unavailable("subscriber '" + s.impi + "' has an unknown scheme in the database");
  s.scheme = *scheme;
  if (s.scheme == AuthScheme::kAka) {
    if (!copy_blob(q->column_blob(3), s.k) || !copy_blob(q->column_blob(4), s.opc) ||
        !copy_blob(q->column_blob(5), s.amf)) {
      return unavailable("subscriber '" + s.impi + "' has a corrupt K, OPc or AMF in the database");
    }
  }
  s.sqn = static_cast<uint64_t>(q->column_int64(6));
  s.ha1_md5 = q->column_text(7);
  s.ha1_sha256 = q->column_text(8);
  s.ha1_sha512_256 = q->column_text(9);
  s.barred = q->column_int64(10) != 0;
  s.services = split_services(q->column_text(11));

  auto u = db_->prepare("SELECT impu FROM impus WHERE impi = ?1 ORDER BY position");
  if (!u) return u.error();
  u->bind(1, impi);
  while ((rc = u->step()) == SQLITE_ROW) s.impus.push_back(u->column_text(0));
  if (rc != SQLITE_DONE) return step_error(*db_, rc, "cannot read IMPUs");
  return std::optional<Subscriber>(std::move(s));
}

StoreResult<std::optional<Subscriber>> SqliteSubscriberStore::find(std::string_view impi) {
  std::lock_guard lock(mu_);
  return load(impi);
}

StoreResult<std::optional<Subscriber>> SqliteSubscriberStore::find_by_impu(std::string_view impu) {
  std::lock_guard lock(mu_);
  std::string impi;
  {
    auto q = db_->prepare("SELECT impi FROM impus WHERE impu = ?1");
    if (!q) return q.error();
    q->bind(1, impu);
    int rc = q->step();
    if (rc == SQLITE_DONE) return std::optional<Subscriber>();
    if (rc != SQLITE_ROW) return step_error(*db_, rc, "cannot read IMPU");
    impi = q->column_text(0);
  }
  return load(impi);
}

StoreResult<void> SqliteSubscriberStore::check_impus_free(const Subscriber& s) {
  auto q = db_->prepare("SELECT impi FROM impus WHERE impu = ?1");
  if (!q) return q.error();
  for (const auto& impu : s.impus) {
    q->bind(1, impu);
    int rc = q->step();
    if (rc == SQLITE_ROW) {
      std::string owner = q->column_text(0);
      if (owner != s.impi) return conflict("IMPU '" + impu + "' already belongs to '" + owner + "'");
    } else if (rc != SQLITE_DONE) {
      return step_error(*db_, rc, "cannot read IMPU");
    }
    q->reset();
  }
  return {};
}

StoreResult<void> SqliteSubscriberStore::insert_impus(const Subscriber& s) {
  for (std::size_t i = 0; i < s.impus.size(); ++i) {
    auto ins = db_->prepare("INSERT INTO impus(impu, impi, position) VALUES (?1, ?2, ?3)");
    if (!ins) return ins.error();
    ins->bind(1, s.impus[i]);
    ins->bind(2, s.impi);
    ins->bind(3, static_cast<int64_t>(i));
    int rc = ins->step();
    if (rc != SQLITE_DONE) return step_error(*db_, rc, "cannot store IMPU '" + s.impus[i] + "'");
  }
  return {};
}

StoreResult<void> SqliteSubscriberStore::insert(const Subscriber& s) {
  if (auto e = validate_subscriber(s)) return invalid("subscriber '" + s.impi + "': " + *e);
  {
    auto exists = db_->prepare("SELECT 1 FROM subscribers WHERE impi = ?1");
    if (!exists) return exists.error();
    exists->bind(1, s.impi);
    int rc = exists->step();
    if (rc == SQLITE_ROW) return conflict("IMPI '" + s.impi + "' already exists");
    if (rc != SQLITE_DONE) return step_error(*db_, rc, "cannot read subscriber");
  }
  if (auto r = check_impus_free(s); !r) return r;
  {
    auto ins = db_->prepare(
        "INSERT INTO subscribers(impi, realm, scheme, k, opc, amf, sqn, ha1_md5, ha1_sha256, ha1_sha512_256, "
        "barred, services) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!ins) return ins.error();
    ins->bind(1, s.impi);
    ins->bind(2, s.realm);
    ins->bind(3, auth_scheme_name(s.scheme));
    if (s.scheme == AuthScheme::kAka) {
      ins->bind_blob(4, s.k);
      ins->bind_blob(5, s.opc);
      ins->bind_blob(6, s.amf);
    } else {
      ins->bind_null(4);
      ins->bind_null(5);
      ins->bind_null(6);
    }
    ins->bind(7, static_cast<int64_t>(s.sqn));
    ins->bind(8, s.ha1_md5);
    ins->bind(9, s.ha1_sha256);
    ins->bind(10, s.ha1_sha512_256);
    ins->bind(11, int64_t{s.barred ? 1 : 0});
    ins->bind(12, join_services(s.services));
    int rc = ins->step();
    if (rc != SQLITE_DONE) return step_error(*db_, rc, "cannot store subscriber '" + s.impi + "'");
  }
  return insert_impus(s);
}

StoreResult<void> SqliteSubscriberStore::add(const Subscriber& s) {
  std::lock_guard lock(mu_);
  SqliteTransaction tx(*db_);
  if (auto r = tx.begin(); !r) return r;
  if (auto r = insert(s); !r) return r;
  return tx.commit();
}

StoreResult<void> SqliteSubscriberStore::add_all(const std::vector<Subscriber>& subscribers) {
  std::lock_guard lock(mu_);
  SqliteTransaction tx(*db_);
  if (auto r = tx.begin(); !r) return r;
  for (const auto& s : subscribers) {
    if (auto r = insert(s); !r) return r;
  }
  return tx.commit();
}

StoreResult<void> SqliteSubscriberStore::update(const Subscriber& s) {
  if (auto e = validate_subscriber(s)) return invalid("subscriber '" + s.impi + "': " + *e);
  std::lock_guard lock(mu_);
  SqliteTransaction tx(*db_);
  if (auto r = tx.begin(); !r) return r;
  auto current = load(s.impi);
  if (!current) return current.error();
  if (!current.value()) return no_such(s.impi);
  if (auto r = check_impus_free(s); !r) return r;
  {
    auto del = db_->prepare("DELETE FROM impus WHERE impi = ?1");
    if (!del) return del.error();
    del->bind(1, s.impi);
    if (int rc = del->step(); rc != SQLITE_DONE) return step_error(*db_, rc, "cannot update IMPUs");
  }
  {
    auto up = db_->prepare(
        "UPDATE subscribers SET realm = ?2, scheme = ?3, k = ?4, opc = ?5, amf = ?6, ha1_md5 = ?7, "
        "ha1_sha256 = ?8, ha1_sha512_256 = ?9, barred = ?10, services = ?11 WHERE impi = ?1");
    if (!up) return up.error();
    up->bind(1, s.impi);
    up->bind(2, s.realm);
    up->bind(3, auth_scheme_name(s.scheme));
    if (s.scheme == AuthScheme::kAka) {
      up->bind_blob(4, s.k);
      up->bind_blob(5, s.opc);
      up->bind_blob(6, s.amf);
    } else {
      up->bind_null(4);
      up->bind_null(5);
      up->bind_null(6);
    }
    up->bind(7, s.ha1_md5);
    up->bind(8, s.ha1_sha256);
    up->bind(9, s.ha1_sha512_256);
    up->bind(10, int64_t{s.barred ? 1 : 0});
    up->bind(11, join_services(s.services));
    if (int rc = up->step(); rc != SQLITE_DONE) return step_error(*db_, rc, "cannot update subscriber");
  }
  if (auto r = insert_impus(s); !r) return r;
  return tx.commit();
}

StoreResult<void> SqliteSubscriberStore::remove(std::string_view impi) {
  std::lock_guard lock(mu_);
  SqliteTransaction tx(*db_);
  if (auto r = tx.begin(); !r) return r;
  auto del = db_->prepare("DELETE FROM subscribers WHERE impi = ?1");
  if (!del) return del.error();
  del->bind(1, impi);
  if (int rc = del->step(); rc != SQLITE_DONE) return step_error(*db_, rc, "cannot remove subscriber");
  if (db_->changes() == 0) return no_such(impi);
  return tx.commit();
}

StoreResult<void> SqliteSubscriberStore::set_barred(std::string_view impi, bool barred) {
  std::lock_guard lock(mu_);
  auto up = db_->prepare("UPDATE subscribers SET barred = ?2 WHERE impi = ?1");
  if (!up) return up.error();
  up->bind(1, impi);
  up->bind(2, int64_t{barred ? 1 : 0});
  if (int rc = up->step(); rc != SQLITE_DONE) return step_error(*db_, rc, "cannot update subscriber");
  if (db_->changes() == 0) return no_such(impi);
  return {};
}

StoreResult<std::vector<Subscriber>> SqliteSubscriberStore::list(std::size_t offset, std::size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<std::string> impis;
  {
    auto q = db_->prepare("SELECT impi FROM subscribers ORDER BY impi LIMIT ?1 OFFSET ?2");
    if (!q) return q.error();
    q->bind(1, static_cast<int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    q->bind(2, static_cast<int64_t>(std::min<std::size_t>(offset, INT64_MAX)));
    int rc;
    while ((rc = q->step()) == SQLITE_ROW) impis.push_back(q->column_text(0));
    if (rc != SQLITE_DONE) return step_error(*db_, rc, "cannot list subscribers");
  }
  std::vector<Subscriber> out;
  out.reserve(impis.size());
  for (const auto& impi : impis) {
    auto s = load(impi);
    if (!s) return s.error();
    if (s.value()) out.push_back(std::move(*s.value()));
  }
  return out;
}

StoreResult<std::size_t> SqliteSubscriberStore::count() {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("SELECT COUNT(*) FROM subscribers");
  if (!q) return q.error();
  int rc = q->step();
  if (rc != SQLITE_ROW) return step_error(*db_, rc, "cannot count subscribers");
  return static_cast<std::size_t>(q->column_int64(0));
}

StoreResult<uint64_t> SqliteSubscriberStore::change_stamp() {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("SELECT stamp FROM subscriber_changes WHERE id = 1");
  if (!q) return q.error();
  int rc = q->step();
  if (rc != SQLITE_ROW) return step_error(*db_, rc, "cannot read the subscriber change stamp");
  return static_cast<uint64_t>(q->column_int64(0));
}

StoreResult<uint64_t> SqliteSubscriberStore::reserve_sqn(std::string_view impi, const SqnAdvance& next) {
  // Group commit: whoever finds no batch running becomes the leader, takes every waiting
  // request and commits them together; the others sleep until their result is set. A result
  // is only published after its transaction committed (fsync'd), never before.
  SqnRequest request{impi, &next, std::nullopt};
  std::unique_lock lock(batch_mu_);
  pending_.push_back(&request);
  while (!request.result) {
    if (batch_running_) {
      batch_cv_.wait(lock);
      continue;
    }
    batch_running_ = true;
    std::vector<SqnRequest*> batch;
    batch.swap(pending_);
    lock.unlock();
    std::vector<StoreResult<uint64_t>> results = run_sqn_batch(batch);
    lock.lock();
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->result.emplace(std::move(results[i]));
    batch_running_ = false;
    batch_cv_.notify_all();
  }
  return std::move(*request.result);
}

StoreResult<uint64_t> SqliteSubscriberStore::reserve_one_locked(std::string_view impi, const SqnAdvance& next) {
  uint64_t current = 0;
  {
    auto q = db_->prepare("SELECT sqn FROM subscribers WHERE impi = ?1");
    if (!q) return q.error();
    q->bind(1, impi);
    int rc = q->step();
    if (rc == SQLITE_DONE) return no_such(impi);
    if (rc != SQLITE_ROW) return step_error(*db_, rc, "cannot read SQN");
    current = static_cast<uint64_t>(q->column_int64(0));
  }
  uint64_t candidate = next(current);
  if (candidate <= current || candidate > kMaxSqn) {
    return invalid("SQN advance from " + std::to_string(current) + " to " + std::to_string(candidate) +
                   " does not move forward within 48 bits");
  }
  auto up = db_->prepare("UPDATE subscribers SET sqn = ?2 WHERE impi = ?1");
  if (!up) return up.error();
  up->bind(1, impi);
  up->bind(2, static_cast<int64_t>(candidate));
  if (int rc = up->step(); rc != SQLITE_DONE) return step_error(*db_, rc, "cannot store SQN");
  return candidate;
}

std::vector<StoreResult<uint64_t>> SqliteSubscriberStore::run_sqn_batch(const std::vector<SqnRequest*>& batch) {
  auto fail_all = [&](const StoreError& e) {
    return std::vector<StoreResult<uint64_t>>(batch.size(), StoreResult<uint64_t>(e));
  };
  std::lock_guard lock(mu_);
  // IMMEDIATE: the write lock is held from the read to the commit, so two processes sharing
  // the file cannot both hand out the same SQN.
  SqliteTransaction tx(*db_);
  if (auto r = tx.begin(); !r) return fail_all(r.error());
  std::vector<StoreResult<uint64_t>> results;
  results.reserve(batch.size());
  for (const SqnRequest* request : batch) {
    auto r = reserve_one_locked(request->impi, *request->next);
    // Unknown IMPI or a bad advance concerns that caller only; a database failure voids the
    // whole transaction, so nobody may use a value from it.
    if (!r && r.code() == StoreErrc::kUnavailable) return fail_all(r.error());
    results.push_back(std::move(r));
  }
  if (auto r = tx.commit(); !r) return fail_all(r.error());
  return results;
}

StoreResult<void> SqliteSubscriberStore::set_sqn(std::string_view impi, uint64_t sqn) {
  if (sqn > kMaxSqn) return invalid("SQN does not fit in 48 bits");
  std::lock_guard lock(mu_);
  auto up = db_->prepare("UPDATE subscribers SET sqn = ?2 WHERE impi = ?1");
  if (!up) return up.error();
  up->bind(1, impi);
  up->bind(2, static_cast<int64_t>(sqn));
  if (int rc = up->step(); rc != SQLITE_DONE) return step_error(*db_, rc, "cannot store SQN");
  if (db_->changes() == 0) return no_such(impi);
  return {};
}

}  // namespace imsguard::store
