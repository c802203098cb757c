#include "edge/binding_cache.h"

#include "ops/counters.h"
#include "ops/episodes.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace imsguard::edge {

StatusOr<std::unique_ptr<WriteBehindBindingStore>> WriteBehindBindingStore::create(
    ops::CounterRegistry& metrics, ops::EventSink& events, store::BindingStore& durable, uint32_t flush_ms,
    uint32_t purge_every_ms) {
  auto live = durable.list(static_cast<int64_t>(std::time(nullptr)));
  if (!live.ok()) return Status(live.code(), "cannot load bindings: " + live.message());
  std::unique_ptr<WriteBehindBindingStore> cache(new WriteBehindBindingStore(metrics, events, durable, flush_ms, purge_every_ms));
  for (const auto& b : live.value()) {
    auto r = cache->memory_.upsert(b);
    (void)r;  // the durable store only holds bindings it validated
  }
  cache->writer_ = std::thread([c = cache.get()] { c->run(); });
  return cache;
}

WriteBehindBindingStore::WriteBehindBindingStore(ops::CounterRegistry& metrics, ops::EventSink& events,
                                                 store::BindingStore& durable, uint32_t flush_ms,
                                                 uint32_t purge_every_ms)
    : durable_(durable),
      flush_ms_(flush_ms == 0 ? 1 : flush_ms),
      purge_every_ms_(std::max<uint32_t>(1, purge_every_ms)),
      failure_counter_(metrics.get("imsguard_binding_write_failures_total",
                                   "binding changes the state store refused (kept in memory only)")),
      purged_counter_(
          metrics.get("imsguard_bindings_purged_total", "expired bindings removed from memory and the state store")),
      events_(events) {}

WriteBehindBindingStore::~WriteBehindBindingStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void WriteBehindBindingStore::enqueue(Change change) {
  // Called with mutex_ held, right after the memory change, so the durable store sees the
  // changes in the order the memory did.
  pending_.push_back(std::move(change));
  ++enqueued_;
  if (pending_.size() == 1) wake_.notify_one();
}

store::StoreResult<void> WriteBehindBindingStore::upsert(const store::Binding& b) {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return pending_.size() < kMaxPending || stopping_; });
  auto r = memory_.upsert(b);
  if (!r.ok()) return r;
  enqueue({Change::Kind::kUpsert, b, 0});
  return r;
}

store::StoreResult<bool> WriteBehindBindingStore::remove(std::string_view aor, std::string_view contact) {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return pending_.size() < kMaxPending || stopping_; });
  auto r = memory_.remove(aor, contact);
  store::Binding key;
  key.aor = aor;
  key.contact = contact;
  enqueue({Change::Kind::kRemove, std::move(key), 0});
  return r;
}

store::StoreResult<std::size_t> WriteBehindBindingStore::remove_all(std::string_view aor) {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return pending_.size() < kMaxPending || stopping_; });
  auto r = memory_.remove_all(aor);
  store::Binding key;
  key.aor = aor;
  enqueue({Change::Kind::kRemoveAll, std::move(key), 0});
  return r;
}

store::StoreResult<std::size_t> WriteBehindBindingStore::purge_expired(int64_t now) {
  std::unique_lock lock(mutex_);
  auto r = memory_.purge_expired(now);
  enqueue({Change::Kind::kPurge, {}, now});
  return r;
}

store::StoreResult<std::size_t> WriteBehindBindingStore::purge_expired_of(std::string_view aor, int64_t now) {
  std::unique_lock lock(mutex_);
  auto r = memory_.purge_expired_of(aor, now);
  if (!r.ok() || r.value() == 0) return r;  // nothing in memory: nothing the file needs either
  store::Binding key;
  key.aor = aor;
  enqueue({Change::Kind::kPurgeAor, std::move(key), now});
  return r;
}

store::StoreResult<std::vector<store::Binding>> WriteBehindBindingStore::lookup(std::string_view aor, int64_t now) {
  return memory_.lookup(aor, now);
}

store::StoreResult<std::vector<store::Binding>> WriteBehindBindingStore::find_by_flow(std::string_view transport,
                                                                                     std::string_view source,
                                                                                     std::string_view flow_id,
                                                                                     int64_t now) {
  return memory_.find_by_flow(transport, source, flow_id, now);
}

store::StoreResult<std::vector<store::Binding>> WriteBehindBindingStore::list(int64_t now) { return memory_.list(now); }

void WriteBehindBindingStore::apply(store::BindingStore& durable, const Change& change) {
  bool ok = true;
  std::string why;
  switch (change.kind) {
    case Change::Kind::kUpsert: {
      auto r = durable.upsert(change.binding);
      ok = r.ok();
      if (!ok) why = r.message();
      break;
    }
    case Change::Kind::kRemove: {
      auto r = durable.remove(change.binding.aor, change.binding.contact);
      ok = r.ok();
      if (!ok) why = r.message();
      break;
    }
    case Change::Kind::kRemoveAll: {
      auto r = durable.remove_all(change.binding.aor);
      ok = r.ok();
      if (!ok) why = r.message();
      break;
    }
    case Change::Kind::kPurge: {
      auto r = durable.purge_expired(change.now);
      ok = r.ok();
      if (!ok) why = r.message();
      break;
    }
    case Change::Kind::kPurgeAor: {
      auto r = durable.purge_expired_of(change.binding.aor, change.now);
      ok = r.ok();
      if (!ok) why = r.message();
      break;
    }
  }
  if (!ok) note_failure(change.binding.aor, why);
}

void WriteBehindBindingStore::note_failure(std::string_view aor, const std::string& why) {
  failure_counter_.inc();
  {
    std::lock_guard lock(mutex_);
    ++failures_;
  }
  std::string reason = "binding not persisted: " + why;
  ops::emit_episode(events_, {"registrar", "", aor, "store-failure", reason});
}

void WriteBehindBindingStore::run() {
  std::vector<Change> batch;
  std::unique_lock lock(mutex_);
  auto next_purge = std::chrono::steady_clock::now() + std::chrono::milliseconds(purge_every_ms_);
  for (;;) {
    wake_.wait_until(lock, next_purge, [this] { return !pending_.empty() || stopping_; });
    if (pending_.empty() && stopping_) break;
    if (std::chrono::steady_clock::now() >= next_purge) {
      // Expired bindings are never returned, but their rows would stay forever: every
      // contact a client ever registered, in memory and in the file.
      next_purge = std::chrono::steady_clock::now() + std::chrono::milliseconds(purge_every_ms_);
      int64_t now = static_cast<int64_t>(std::time(nullptr));
      auto purged = memory_.purge_expired(now);
      if (purged.ok()) purged_counter_.inc(purged.value());
      enqueue({Change::Kind::kPurge, {}, now});
    }
    if (pending_.empty()) continue;
    // Let a burst gather, then write it in one pass.
    if (!stopping_) wake_.wait_for(lock, std::chrono::milliseconds(flush_ms_), [this] { return stopping_; });
    batch.swap(pending_);
    lock.unlock();
    drained_.notify_all();
    auto committed = durable_.write_batch([&](store::BindingStore& durable) {
      for (const auto& change : batch) apply(durable, change);
    });
    if (!committed.ok()) note_failure("", "batch of " + std::to_string(batch.size()) + " changes: " + committed.message());
    lock.lock();
    applied_ += batch.size();
    batch.clear();
    drained_.notify_all();
  }
}

void WriteBehindBindingStore::flush() {
  std::unique_lock lock(mutex_);
  uint64_t target = enqueued_;
  wake_.notify_one();
  drained_.wait(lock, [&] { return applied_ >= target || !writer_.joinable(); });
}

uint64_t WriteBehindBindingStore::write_failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

}  // namespace imsguard::edge
