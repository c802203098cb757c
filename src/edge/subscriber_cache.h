#pragma once
// Every registration reads its subscriber twice (to challenge, then to verify) and every
// AKA challenge reserves an SQN. On SQLite each read takes the database file's locks, which
// the binding writes of the other worker hold too, so under load the workers queue on the
// file instead of working. Subscriber records change rarely (provisioning, barring), so the
// registration path keeps them in memory for a short time: writes made through this
// object refresh the cache at once, writes made by another process are seen within `ttl`.
// Unknown users are cached too, so an enumeration flood does not reach the store either.
// Bounded: a full shard is emptied rather than grown.
#include "store/subscriber_store.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace imsguard::edge {

class CachedSubscriberStore final : public store::SubscriberStore {
 public:
  // `backend` must outlive this object.
  CachedSubscriberStore(store::SubscriberStore& backend, uint32_t ttl_ms, size_t capacity = 200000);

  store::StoreResult<std::optional<store::Subscriber>> find(std::string_view impi) override;
  store::StoreResult<std::optional<store::Subscriber>> find_by_impu(std::string_view impu) override;
  store::StoreResult<void> add(const store::Subscriber& s) override;
  store::StoreResult<void> add_all(const std::vector<store::Subscriber>& subscribers) override;
  store::StoreResult<void> update(const store::Subscriber& s) override;
  store::StoreResult<void> remove(std::string_view impi) override;
  store::StoreResult<void> set_barred(std::string_view impi, bool barred) override;
  store::StoreResult<std::vector<store::Subscriber>> list(std::size_t offset, std::size_t limit) override;
  store::StoreResult<std::size_t> count() override;
  store::StoreResult<uint64_t> reserve_sqn(std::string_view impi, const store::SqnAdvance& next) override;
  store::StoreResult<void> set_sqn(std::string_view impi, uint64_t sqn) override;

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::optional<store::Subscriber> subscriber;
    int64_t expires_ms = 0;
    uint64_t generation = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;  // "i:" + IMPI or "u:" + IMPU
  };
  using Loader = store::StoreResult<std::optional<store::Subscriber>> (store::SubscriberStore::*)(std::string_view);

  store::StoreResult<std::optional<store::Subscriber>> cached(char kind, std::string_view id, Loader load);
  Shard& shard_of(const std::string& key);
  void remember(const std::string& key, const std::optional<store::Subscriber>& subscriber, int64_t now,
                uint64_t generation);
  // A write makes every cached record stale (writes are rare; IMPUs of a changed record
  // are not known here without another read).
  void invalidate_all() { generation_.fetch_add(1, std::memory_order_acq_rel); }
  // SQN moves often and only through this object: update the cached copies in place.
  void note_sqn(std::string_view impi, uint64_t sqn);

  store::SubscriberStore& backend_;
  int64_t ttl_ms_;
  size_t shard_capacity_;
  std::atomic<uint64_t> generation_{0};
  std::array<Shard, 16> shards_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace imsguard::edge
