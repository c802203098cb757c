#pragma once
// StateSync connects the defence chain's in-memory tables to the state store: bans made here
// are written to it (persisted across restarts with SQLite, shared with the other edges with
// Redis), bans and lockouts made by other edges are polled from it and applied here, and a
// brute force is counted across edges. The guards keep deciding from memory on the hot path;
// only this object talks to the store, from its own thread (the failure counts too: the
// guard queues them in the FailureQueue it was built with, which this object drains).
//
// When the store cannot be reached, writes wait in a bounded queue (coalesced per ban) and
// are retried; after the shared store comes back every local ban is published again (Redis
// may have restarted empty) and the changes made meanwhile are read in full.
#include "common/status.h"
#include "guard/banlist.h"
#include "guard/bruteforce.h"
#include "guard/clock.h"
#include "guard/failure_queue.h"
#include "store/guard_store.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace imsguard::guard {

class Chain;

struct StateSyncOptions {
  int poll_ms = 200;             // how often changes are written and other edges' changes read
  int purge_every_ms = 60'000;   // expired bans deleted from the store
  size_t max_pending = 20'000;   // queued ban writes; beyond, new automatic bans stay local
  Clock clock;                   // the guards' clock (the chain's); empty: steady_now_ms
};

class StateSync final : public BanObserver {
 public:
  // `bans`, `store` and `failures` must outlive this object; `bruteforce` may be null.
  // `failures`: the queue the brute-force guard was built with (null: no cross-edge counts).
  // `metrics`: the node's registry.
  StateSync(BanList& bans, BruteForceGuard* bruteforce, store::GuardStateStore& store, ops::CounterRegistry& metrics,
            FailureQueue* failures = nullptr, StateSyncOptions options = {});
  // The chain's ban table, brute-force guard (if enabled), clock and counter registry.
  StateSync(Chain& chain, store::GuardStateStore& store, FailureQueue* failures = nullptr, StateSyncOptions options = {});
  ~StateSync() override;
  StateSync(const StateSync&) = delete;
  StateSync& operator=(const StateSync&) = delete;

  // Loads the stored bans (and, shared, the live lockouts), attaches to the ban table and the
  // brute-force guard, starts the thread. A store that cannot be read at start is an error
  // (with the store's code): the caller decides whether to run without it.
  Status start();
  // Writes what is queued (bounded by the store's own timeouts) and stops the thread.
  void stop();
  // One round now (tests): write the queue, read changes. True when the queue is empty.
  bool sync_once();

  // BanObserver
  void on_ban(const BanInfo& ban) override;
  void on_unban(const Prefix& prefix, uint16_t port) override;
  size_t pending() const;
  uint64_t applied_remote() const { return applied_remote_; }

  // The guards' clock and the wall clock (the store keeps wall-clock times).
  int64_t mono_ms() const { return options_.clock(); }
  static int64_t wall_ms();

 private:
  using Key = std::pair<std::string, uint16_t>;
  void run();
  bool flush();
  // Adds the queued failures in the store and writes the queued lockouts.
  void flush_failures();
  void poll();
  void apply(const store::GuardChanges& changes);
  void apply_ban(const store::BanRecord& b, int64_t mono_now, int64_t wall_now);
  void republish();

  BanList& bans_;
  BruteForceGuard* bruteforce_;
  store::GuardStateStore& store_;
  FailureQueue* failures_;
  StateSyncOptions options_;
  ops::Counter& write_failures_;
  ops::Counter& remote_bans_;
  ops::Counter& queue_overflow_;

  mutable std::mutex mu_;
  std::map<Key, std::optional<store::BanRecord>> pending_;  // nullopt: remove
  std::condition_variable wake_;
  bool stopping_ = false;
  bool started_ = false;
  std::thread thread_;

  // Owned by the sync thread (and start()).
  std::string cursor_;
  uint64_t generation_ = 0;
  int64_t last_purge_ms_ = 0;
  std::atomic<uint64_t> applied_remote_{0};
  uint64_t failures_overflow_seen_ = 0;  // FailureQueue::overflowed() already counted
  std::mutex sync_mu_;  // one round at a time (thread vs sync_once)
};

}  // namespace imsguard::guard
