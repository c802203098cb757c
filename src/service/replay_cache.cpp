#include "service/replay_cache.h"

#include <algorithm>

namespace imsguard::service {

void ReplayCache::expire(int64_t now) {
  // Expiries are not strictly monotonic (iat differs per id), so only the front is popped;
  // an id may live a little longer than its window, never shorter.
  while (!order_.empty() && order_.front().first < now) {
    ids_.erase(order_.front().second);
    order_.pop_front();
  }
}

ReplayCache::Verdict ReplayCache::check_and_insert(const std::string& id, int64_t iat, int64_t now) {
  std::lock_guard lock(mu_);
  expire(now);
  if (ids_.count(id)) return Verdict::kReplay;
  if (ids_.size() >= capacity_) return Verdict::kFull;
  ids_.insert(id);
  order_.emplace_back(std::max(iat, now) + window_s_, id);
  return Verdict::kFresh;
}

size_t ReplayCache::size() const {
  std::lock_guard lock(mu_);
  return ids_.size();
}

}  // namespace imsguard::service
