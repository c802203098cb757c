#pragma once
// Every registration reads its subscriber twice (to challenge, then to verify) and every
// AKA challenge reserves an SQN. On SQLite each read takes the database file's locks
// (several fcntl calls) and competes with the binding writer, so the registration path
// keeps records in memory. Subscriber records change rarely (provisioning, barring), and
// the store says when: its change stamp (store::SubscriberStore::change_stamp, kept by
// triggers in SQLite, so writes by other processes count) moves with every change. One
// thread reads the stamp every `refresh_ms` and, when it moved, forgets every cached
// record: a change made elsewhere (`imsguard subscriber bar` in another process) applies
// within `refresh_ms`, and records are otherwise read once, not once per `refresh_ms`.
// Writes made through this object forget at once. A store without a stamp gets the plain
// time-to-live behaviour: each record is read again after `refresh_ms`.
// Unknown users are cached too, so an enumeration flood does not reach the store either.
// Bounded: a full shard is emptied rather than grown.
#include "ops/counters.h"
#include "store/subscriber_store.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace imsguard::edge {

class CachedSubscriberStore final : public store::SubscriberStore {
 public:
  // `backend` must outlive this object. `refresh_ms` 0: every read goes to the store.
  // `metrics`: the node's registry.
  CachedSubscriberStore(ops::CounterRegistry& metrics, store::SubscriberStore& backend, uint32_t refresh_ms,
                        size_t capacity = 200000);

  store::StoreResult<std::optional<store::Subscriber>> find(std::string_view impi) override;
  store::StoreResult<std::optional<store::Subscriber>> find_by_impu(std::string_view impu) override;
  // The cached record itself, not a copy (the registration path reads it twice per REGISTER).
  store::StoreResult<store::SharedSubscriber> find_shared(std::string_view impi) override;
  store::StoreResult<store::SharedSubscriber> find_shared_by_impu(std::string_view impu) override;
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
  // True when records live until the store's change stamp moves (not by age).
  bool follows_change_stamp() const { return stamped_; }

  // A record of a stamped store is read again after this long even without a change: a
  // safety net for a write that bypassed the triggers (a restored backup file).
  static constexpr int64_t kStampedLifetimeMs = 300000;

 private:
  struct Entry {
    store::SharedSubscriber subscriber;  // null: no such user (cached too)
    int64_t expires_ms = 0;
    uint64_t generation = 0;
  };
  // Looked up by string_view: no key string is built per lookup.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>>;
  enum class Kind : uint8_t { kImpi, kImpu };
  struct Shard {
    std::mutex mutex;
    std::array<Map, 2> entries;  // by Kind
  };
  using Loader = store::StoreResult<store::SharedSubscriber> (store::SubscriberStore::*)(std::string_view);

  store::StoreResult<store::SharedSubscriber> cached(Kind kind, std::string_view id, Loader load);
  Shard& shard_of(std::string_view id);
  void remember(Kind kind, std::string_view id, const store::SharedSubscriber& subscriber, int64_t now,
                uint64_t generation);
  // A write makes every cached record stale (writes are rare; IMPUs of a changed record
  // are not known here without another read).
  void invalidate_all() { generation_.fetch_add(1, std::memory_order_acq_rel); }
  // Reads the change stamp when it is due (one thread at a time) and forgets on a move.
  void follow_changes(int64_t now);
  // SQN moves often and only through this object: update the cached copies in place.
  void note_sqn(std::string_view impi, uint64_t sqn);

  store::SubscriberStore& backend_;
  int64_t refresh_ms_;
  bool stamped_ = false;
  int64_t lifetime_ms_;  // of one cached record
  std::atomic<uint64_t> last_stamp_{0};
  std::atomic<int64_t> next_check_ms_{0};
  size_t shard_capacity_;
  std::atomic<uint64_t> generation_{0};
  std::array<Shard, 16> shards_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
  ops::Counter& hit_counter_;
  ops::Counter& miss_counter_;
  ops::Counter& forgotten_counter_;
};

}  // namespace imsguard::edge
