#pragma once
// GuardStateStore on Redis, shared by every edge of a domain. Layout (under the URL prefix):
//   bans       hash  "target|port" -> encoded BanRecord
//   ban_exp    hash  "target|port" -> expires_ms (read by the Lua scripts)
//   locks      hash  key -> until_ms
//   events     stream of {origin, type (ban|unban|lock), data}, capped: how edges learn of
//              each other's changes by polling (XREAD) without a subscription connection
//   cnt:<key>  shared failure counters (INCR, expiring with their window)
//   nc:<hash>  highest nonce count used per nonce (expiring with the nonce)
#include <memory>
#include <string>

#include "store/guard_store.h"
#include "store/redis_client.h"

namespace imsguard::store {

class RedisGuardStore final : public GuardStateStore {
 public:
  // `client` is shared with the other Redis stores of the process.
  explicit RedisGuardStore(std::shared_ptr<RedisClient> client);

  StoreResult<void> put_ban(const BanRecord& ban) override;
  StoreResult<bool> remove_ban(std::string_view target, uint16_t port) override;
  StoreResult<std::vector<BanRecord>> live_bans(int64_t now_ms) override;
  StoreResult<std::size_t> purge_expired_bans(int64_t now_ms) override;

  bool shared() const override { return true; }
  StoreResult<GuardChanges> changes(std::string& cursor, int64_t now_ms) override;
  uint64_t generation() const override { return client_->recoveries(); }
  StoreResult<uint64_t> add_count(std::string_view key, int64_t window_ms) override;
  StoreResult<void> put_lock(const LockRecord& lock) override;
  StoreResult<bool> use_nonce_count(std::string_view nonce, uint32_t nc, int64_t ttl_ms) override;

  // This process's id in the event stream (its own events are skipped when polling).
  const std::string& origin() const { return origin_; }

  static constexpr int kStreamMax = 20000;

 private:
  std::shared_ptr<RedisClient> client_;
  std::string origin_;
};

// Encoding shared with tests.
std::string encode_ban(const BanRecord& b);
std::optional<BanRecord> decode_ban(std::string_view text);

}  // namespace imsguard::store
