#pragma once
// GuardStateStore on SQLite (the embedded default): bans survive a restart of the process, so
// restarting an edge under attack does not hand the attacker a clean slate. Its own
// connection with synchronous=NORMAL: a ban written just before a power loss may be lost,
// which only means the attacker is banned again on its next flood.
#include <memory>
#include <mutex>
#include <string>

#include "store/guard_store.h"
#include "store/sqlite_db.h"

namespace imsguard::store {

class SqliteGuardStore final : public GuardStateStore {
 public:
  static StoreResult<std::unique_ptr<SqliteGuardStore>> open(const std::string& path);

  StoreResult<void> put_ban(const BanRecord& ban) override;
  StoreResult<bool> remove_ban(std::string_view target, uint16_t port) override;
  StoreResult<std::vector<BanRecord>> live_bans(int64_t now_ms) override;
  StoreResult<std::size_t> purge_expired_bans(int64_t now_ms) override;

 private:
  explicit SqliteGuardStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace imsguard::store
