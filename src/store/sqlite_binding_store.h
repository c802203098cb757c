#pragma once
// BindingStore on SQLite, so registrations survive a restart of the embedded core. Its own
// connection runs with synchronous=NORMAL: WAL commits survive a process crash (kill -9)
// without an fsync per REGISTER; a power loss may drop the newest bindings, which clients
// restore by re-registering. SQN durability is the subscriber store's (synchronous=FULL).
#include <memory>
#include <mutex>
#include <string>

#include "store/binding_store.h"
#include "store/sqlite_db.h"

namespace imsguard::store {

class SqliteBindingStore final : public BindingStore {
 public:
  static StoreResult<std::unique_ptr<SqliteBindingStore>> open(const std::string& path);

  StoreResult<void> upsert(const Binding& b) override;
  StoreResult<bool> remove(std::string_view aor, std::string_view contact) override;
  StoreResult<std::size_t> remove_all(std::string_view aor) override;
  StoreResult<std::vector<Binding>> lookup(std::string_view aor, int64_t now) override;
  StoreResult<std::vector<Binding>> find_by_flow(std::string_view transport, std::string_view source,
                                                 std::string_view flow_id, int64_t now) override;
  StoreResult<std::size_t> purge_expired(int64_t now) override;
  StoreResult<std::size_t> purge_expired_of(std::string_view aor, int64_t now) override;
  StoreResult<std::vector<Binding>> list(int64_t now) override;
  StoreResult<void> write_batch(const std::function<void(BindingStore&)>& writes) override;

 private:
  explicit SqliteBindingStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  // Runs a prepared SELECT of all binding columns and collects the rows.
  StoreResult<std::vector<Binding>> collect(SqliteStatement& q);

  std::recursive_mutex mu_;  // recursive: write_batch holds it across the calls it runs
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace imsguard::store
