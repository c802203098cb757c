#pragma once
// BindingStore on Redis, so a client registered through edge A is reachable through edge B.
// Every write also lands in a local in-memory mirror, and every successful read refreshes it:
// when Redis is unreachable the edge keeps serving from the mirror (its own registrations and
// those it has seen), accepts new registrations locally and queues them, in order, for Redis.
// A background thread replays the queue once Redis answers again, so no binding made during
// an outage is lost. While the queue is not empty reads come from the mirror (Redis is behind).
//
// Layout under the URL prefix: b:<aor> hash contact -> binding; bflow:<aor> hash contact ->
// flow key; bf:<transport|source|flow_id> set of "aor\ncontact"; aors set. Standalone Redis
// (the scripts touch keys derived from their arguments, which Redis Cluster forbids).
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "store/binding_store.h"
#include "store/memory_binding_store.h"
#include "store/redis_client.h"

namespace imsguard::store {

class RedisBindingStore final : public BindingStore {
 public:
  // Counts into the client's registry (RedisClient::metrics()).
  explicit RedisBindingStore(std::shared_ptr<RedisClient> client, int replay_ms = 200);
  ~RedisBindingStore() override;

  StoreResult<void> upsert(const Binding& b) override;
  StoreResult<bool> remove(std::string_view aor, std::string_view contact) override;
  StoreResult<std::size_t> remove_all(std::string_view aor) override;
  StoreResult<std::vector<Binding>> lookup(std::string_view aor, int64_t now) override;
  StoreResult<std::vector<Binding>> find_by_flow(std::string_view transport, std::string_view source,
                                                 std::string_view flow_id, int64_t now) override;
  StoreResult<std::size_t> purge_expired(int64_t now) override;
  StoreResult<std::size_t> purge_expired_of(std::string_view aor, int64_t now) override;
  StoreResult<std::vector<Binding>> list(int64_t now) override;

  // Writes waiting for Redis (tests, metrics).
  size_t pending() const;
  // Tries to replay the queue now; true when it is empty afterwards.
  bool replay();

  static constexpr size_t kMaxPending = 100000;

 private:
  struct Change {
    enum class Kind { kUpsert, kRemove, kRemoveAll } kind;
    Binding binding;  // kUpsert; kRemove/kRemoveAll use aor (+ contact)
  };
  StoreResult<void> apply_remote(const Change& c);
  StoreResult<bool> remote_remove(std::string_view aor, std::string_view contact);
  StoreResult<std::size_t> remote_remove_all(std::string_view aor);
  StoreResult<std::vector<Binding>> remote_lookup(std::string_view aor, int64_t now);
  // Writes through to Redis, or queues when Redis is down or the queue is not empty.
  void write(Change c);
  void run();

  std::shared_ptr<RedisClient> client_;
  ops::Counter& queued_counter_;   // imsguard_state_bindings_queued_total
  ops::Counter& dropped_counter_;  // imsguard_state_bindings_queue_dropped_total
  MemoryBindingStore mirror_;
  int replay_ms_;

  mutable std::mutex mu_;  // guards queue_, and orders writes against the queue
  std::deque<Change> queue_;
  uint64_t dropped_ = 0;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread replayer_;
};

std::string encode_binding(const Binding& b);
std::optional<Binding> decode_binding(std::string_view text);

}  // namespace imsguard::store
