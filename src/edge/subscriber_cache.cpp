#include "edge/subscriber_cache.h"

#include "ops/counters.h"

#include <algorithm>
#include <chrono>
#include <functional>

namespace imsguard::edge {

namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

CachedSubscriberStore::CachedSubscriberStore(ops::CounterRegistry& metrics, store::SubscriberStore& backend,
                                             uint32_t refresh_ms, size_t capacity)
    : backend_(backend), refresh_ms_(refresh_ms), lifetime_ms_(refresh_ms), shard_capacity_(std::max<size_t>(1, capacity / 16)),
      hit_counter_(metrics.get("imsguard_subscriber_cache_total{event=\"hit\"}",
                               "subscriber lookups of the registration path, by event")),
      miss_counter_(metrics.get("imsguard_subscriber_cache_total{event=\"miss\"}")),
      forgotten_counter_(metrics.get("imsguard_subscriber_cache_total{event=\"forgotten_on_change\"}")) {
  if (refresh_ms_ == 0) return;
  auto stamp = backend_.change_stamp();
  if (!stamp.ok()) return;  // no stamp: records expire by age
  stamped_ = true;
  lifetime_ms_ = std::max<int64_t>(kStampedLifetimeMs, refresh_ms_);
  last_stamp_.store(stamp.value());
  next_check_ms_.store(now_ms() + refresh_ms_);
}

void CachedSubscriberStore::follow_changes(int64_t now) {
  int64_t due = next_check_ms_.load(std::memory_order_relaxed);
  if (now < due) return;
  // One thread reads the stamp; the others go on with what they have.
  if (!next_check_ms_.compare_exchange_strong(due, now + refresh_ms_, std::memory_order_acq_rel)) return;
  auto stamp = backend_.change_stamp();
  // A store that cannot say whether anything changed is taken to have changed.
  if (!stamp.ok() || last_stamp_.exchange(stamp.value(), std::memory_order_acq_rel) != stamp.value()) {
    invalidate_all();
    forgotten_counter_.inc();
  }
}

CachedSubscriberStore::Shard& CachedSubscriberStore::shard_of(std::string_view id) {
  // The top bits pick the shard; the map's buckets use the low ones.
  return shards_[(KeyHash{}(id) >> 56) % shards_.size()];
}

store::StoreResult<store::SharedSubscriber> CachedSubscriberStore::cached(Kind kind, std::string_view id,
                                                                         Loader load) {
  if (refresh_ms_ == 0) return (backend_.*load)(id);
  int64_t now = now_ms();
  if (stamped_) follow_changes(now);
  Shard& shard = shard_of(id);
  uint64_t generation = generation_.load(std::memory_order_acquire);
  {
    std::lock_guard lock(shard.mutex);
    Map& map = shard.entries[static_cast<size_t>(kind)];
    auto it = map.find(id);
    if (it != map.end() && it->second.expires_ms > now && it->second.generation == generation) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      hit_counter_.inc();
      return it->second.subscriber;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  miss_counter_.inc();
  auto loaded = (backend_.*load)(id);
  if (!loaded.ok()) return loaded;  // a backend error is never cached
  remember(kind, id, loaded.value(), now, generation);
  // The challenge looks a user up by one name and the answer by the other (IMPU, then
  // IMPI, or the reverse): one read serves both.
  if (const auto& sub = loaded.value()) {
    if (kind == Kind::kImpu) remember(Kind::kImpi, sub->impi, sub, now, generation);
    else
      for (const auto& impu : sub->impus) remember(Kind::kImpu, impu, sub, now, generation);
  }
  return loaded;
}

void CachedSubscriberStore::remember(Kind kind, std::string_view id, const store::SharedSubscriber& subscriber,
                                     int64_t now, uint64_t generation) {
  Shard& shard = shard_of(id);
  std::lock_guard lock(shard.mutex);
  Map& map = shard.entries[static_cast<size_t>(kind)];
  if (map.size() >= shard_capacity_) map.clear();
  Entry entry{subscriber, now + lifetime_ms_, generation};
  auto it = map.find(id);
  if (it != map.end()) it->second = std::move(entry);
  else map.emplace(std::string(id), std::move(entry));
}

namespace {

store::StoreResult<std::optional<store::Subscriber>> copy_of(store::StoreResult<store::SharedSubscriber> found) {
  if (!found.ok()) return found.error();
  if (!found.value()) return std::optional<store::Subscriber>{};
  return std::optional<store::Subscriber>(*found.value());
}

}  // namespace

store::StoreResult<store::SharedSubscriber> CachedSubscriberStore::find_shared(std::string_view impi) {
  return cached(Kind::kImpi, impi, &store::SubscriberStore::find_shared);
}

store::StoreResult<store::SharedSubscriber> CachedSubscriberStore::find_shared_by_impu(std::string_view impu) {
  return cached(Kind::kImpu, impu, &store::SubscriberStore::find_shared_by_impu);
}

store::StoreResult<std::optional<store::Subscriber>> CachedSubscriberStore::find(std::string_view impi) {
  return copy_of(find_shared(impi));
}

store::StoreResult<std::optional<store::Subscriber>> CachedSubscriberStore::find_by_impu(std::string_view impu) {
  return copy_of(find_shared_by_impu(impu));
}

store::StoreResult<void> CachedSubscriberStore::add(const store::Subscriber& s) {
  auto r = backend_.add(s);
  invalidate_all();  // a cached "unknown" must not outlive the provisioning
  return r;
}

store::StoreResult<void> CachedSubscriberStore::add_all(const std::vector<store::Subscriber>& subscribers) {
  auto r = backend_.add_all(subscribers);
  invalidate_all();
  return r;
}

store::StoreResult<void> CachedSubscriberStore::update(const store::Subscriber& s) {
  auto r = backend_.update(s);
  invalidate_all();
  return r;
}

store::StoreResult<void> CachedSubscriberStore::remove(std::string_view impi) {
  auto r = backend_.remove(impi);
  invalidate_all();
  return r;
}

store::StoreResult<void> CachedSubscriberStore::set_barred(std::string_view impi, bool barred) {
  auto r = backend_.set_barred(impi, barred);
  invalidate_all();
  return r;
}

store::StoreResult<std::vector<store::Subscriber>> CachedSubscriberStore::list(std::size_t offset, std::size_t limit) {
  return backend_.list(offset, limit);
}

store::StoreResult<std::size_t> CachedSubscriberStore::count() { return backend_.count(); }

void CachedSubscriberStore::note_sqn(std::string_view impi, uint64_t sqn) {
  // Records are shared read-only with callers: a moved SQN replaces the cached record with
  // an updated copy (AKA challenges only; Digest never moves SQN).
  auto bump = [sqn](Entry& e) {
    if (!e.subscriber || e.subscriber->sqn >= sqn) return;  // reservations may report out of order
    auto updated = std::make_shared<store::Subscriber>(*e.subscriber);
    updated->sqn = sqn;
    e.subscriber = std::move(updated);
  };
  std::vector<std::string> impus;
  {
    Shard& shard = shard_of(impi);
    std::lock_guard lock(shard.mutex);
    Map& map = shard.entries[static_cast<size_t>(Kind::kImpi)];
    auto it = map.find(impi);
    if (it == map.end() || !it->second.subscriber) return;
    bump(it->second);
    impus = it->second.subscriber->impus;
  }
  for (const auto& impu : impus) {
    Shard& shard = shard_of(impu);
    std::lock_guard lock(shard.mutex);
    Map& map = shard.entries[static_cast<size_t>(Kind::kImpu)];
    auto it = map.find(impu);
    if (it != map.end()) bump(it->second);
  }
}

store::StoreResult<uint64_t> CachedSubscriberStore::reserve_sqn(std::string_view impi, const store::SqnAdvance& next) {
  auto r = backend_.reserve_sqn(impi, next);
  if (r.ok()) note_sqn(impi, r.value());
  return r;
}

store::StoreResult<void> CachedSubscriberStore::set_sqn(std::string_view impi, uint64_t sqn) {
  auto r = backend_.set_sqn(impi, sqn);
  invalidate_all();  // a resync may move SQN back: drop the copies rather than patch them
  return r;
}

}  // namespace imsguard::edge
