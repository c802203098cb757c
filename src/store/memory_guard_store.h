#pragma once
// In-process GuardStateStore for `state: memory` and tests: bans live as long as the
// process, nothing is shared.
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "store/guard_store.h"

namespace imsguard::store {

class MemoryGuardStore final : public GuardStateStore {
 public:
  StoreResult<void> put_ban(const BanRecord& ban) override;
  StoreResult<bool> remove_ban(std::string_view target, uint16_t port) override;
  StoreResult<std::vector<BanRecord>> live_bans(int64_t now_ms) override;
  StoreResult<std::size_t> purge_expired_bans(int64_t now_ms) override;

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, uint16_t>, BanRecord> bans_;
};

}  // namespace imsguard::store
