#pragma once
// Bindings must survive a restart, so they live in the state store; but a registration
// that waits for an SQLite transaction holds a worker on the database file's locks, and
// with two workers the second one then sleeps in SQLite's busy handler. This store answers
// every read from memory and hands the writes, in order, to one writer thread that applies
// them to the durable store within `flush_ms`. A clean stop writes everything; a crash
// loses at most the last `flush_ms` of changes (those clients re-register on refresh).
// Only for a store this process owns alone (SQLite): a shared backend (Redis) must be read
// through, or edges would not see each other's bindings.
#include "common/status.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "store/binding_store.h"
#include "store/memory_binding_store.h"

#include <condition_variable>
#include <memory>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imsguard::edge {

class WriteBehindBindingStore final : public store::BindingStore {
 public:
  // Loads the live bindings of `durable` (which must outlive this object) into memory and
  // starts the writer; if they cannot be read, the store's error (nothing is started). Every `purge_every_ms`
  // the writer removes expired bindings from memory and from the durable store (a scan of
  // the memory map under the lock: registrations wait for it, so its length grows with the
  // number of bindings held).
  // `metrics`, `events`: the node's registry and sink.
  static constexpr uint32_t kPurgeEveryMs = 60000;
  static StatusOr<std::unique_ptr<WriteBehindBindingStore>> create(ops::CounterRegistry& metrics, ops::EventSink& events,
                                                                   store::BindingStore& durable, uint32_t flush_ms,
                                                                   uint32_t purge_every_ms = kPurgeEveryMs);
  // Stops the writer after it has written every pending change.
  ~WriteBehindBindingStore() override;

  store::StoreResult<void> upsert(const store::Binding& b) override;
  store::StoreResult<bool> remove(std::string_view aor, std::string_view contact) override;
  store::StoreResult<std::size_t> remove_all(std::string_view aor) override;
  store::StoreResult<std::vector<store::Binding>> lookup(std::string_view aor, int64_t now) override;
  store::StoreResult<std::vector<store::Binding>> find_by_flow(std::string_view transport, std::string_view source,
                                                               std::string_view flow_id, int64_t now) override;
  store::StoreResult<std::size_t> purge_expired(int64_t now) override;
  store::StoreResult<std::size_t> purge_expired_of(std::string_view aor, int64_t now) override;
  store::StoreResult<std::vector<store::Binding>> list(int64_t now) override;

  // Blocks until every change made so far is in the durable store (tests, shutdown).
  void flush();
  uint64_t write_failures() const;

 private:
  WriteBehindBindingStore(ops::CounterRegistry& metrics, ops::EventSink& events, store::BindingStore& durable,
                          uint32_t flush_ms, uint32_t purge_every_ms);
  struct Change {
    enum class Kind { kUpsert, kRemove, kRemoveAll, kPurge, kPurgeAor } kind;
    store::Binding binding;  // kUpsert: the binding; kRemove/kRemoveAll: aor (+ contact)
    int64_t now = 0;         // kPurge, kPurgeAor (aor in binding)
  };
  void enqueue(Change change);
  void run();
  void apply(store::BindingStore& durable, const Change& change);
  void note_failure(std::string_view aor, const std::string& why);

  store::BindingStore& durable_;
  store::MemoryBindingStore memory_;
  uint32_t flush_ms_;
  uint32_t purge_every_ms_;
  ops::Counter& failure_counter_;
  ops::Counter& purged_counter_;
  ops::EventSink& events_;
  // Past this many pending changes the caller writes through itself (back-pressure), so a
  // durable store slower than the registration rate cannot grow the queue without bound.
  static constexpr size_t kMaxPending = 100000;

  mutable std::mutex mutex_;
  std::condition_variable wake_, drained_;
  std::vector<Change> pending_;
  uint64_t enqueued_ = 0, applied_ = 0, failures_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace imsguard::edge
