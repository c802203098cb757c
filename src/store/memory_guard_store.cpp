#include "store/memory_guard_store.h"

#include <algorithm>

namespace imsguard::store {

StoreResult<void> MemoryGuardStore::put_ban(const BanRecord& ban) {
  if (ban.target.empty()) return invalid("ban needs a target");
  std::lock_guard lock(mu_);
  bans_[{ban.target, ban.port}] = ban;
  return {};
}

StoreResult<bool> MemoryGuardStore::remove_ban(std::string_view target, uint16_t port) {
  std::lock_guard lock(mu_);
  return bans_.erase({std::string(target), port}) > 0;
}

StoreResult<std::vector<BanRecord>> MemoryGuardStore::live_bans(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<BanRecord> out;
  for (const auto& [key, b] : bans_)
    if (b.expires_ms > now_ms) out.push_back(b);
  std::stable_sort(out.begin(), out.end(), [](const BanRecord& a, const BanRecord& b) { return a.created_ms < b.created_ms; });
  return out;
}

StoreResult<std::size_t> MemoryGuardStore::purge_expired_bans(int64_t now_ms) {
  std::lock_guard lock(mu_);
  return std::erase_if(bans_, [&](const auto& kv) { return kv.second.expires_ms <= now_ms; });
}

}  // namespace imsguard::store
