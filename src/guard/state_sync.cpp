#include "guard/state_sync.h"

#include "guard/chain.h"
#include "ops/counters.h"
#include "ops/events.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace imsguard::guard {
namespace {

BruteForceGuard* bruteforce_of(Chain& chain) { return dynamic_cast<BruteForceGuard*>(chain.find("bruteforce")); }

StateSyncOptions on_clock(StateSyncOptions options, const Clock& clock) {
  if (!options.clock) options.clock = clock;
  return options;
}

}  // namespace

int64_t StateSync::wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StateSync::StateSync(BanList& bans, BruteForceGuard* bruteforce, store::GuardStateStore& store, ops::CounterRegistry& metrics,
                     FailureQueue* failures, StateSyncOptions options)
    : bans_(bans),
      bruteforce_(bruteforce),
      store_(store),
      failures_(failures),
      options_(std::move(options)),
      write_failures_(metrics.get("imsguard_state_ban_write_failures_total",
                                  "ban writes (retried) and lockout publications (not retried) the state store refused")),
      remote_bans_(metrics.get("imsguard_state_remote_bans_total", "bans, unbans and lockouts applied from other edges")),
      queue_overflow_(metrics.get("imsguard_state_ban_queue_overflow_total",
                                  "automatic bans kept local because the write queue was full")) {
  if (!options_.clock) options_.clock = &steady_now_ms;
}

StateSync::StateSync(Chain& chain, store::GuardStateStore& store, FailureQueue* failures, StateSyncOptions options)
    : StateSync(chain.bans(), bruteforce_of(chain), store, chain.metrics(), failures,
                on_clock(std::move(options), chain.clock())) {}

StateSync::~StateSync() { stop(); }

Status StateSync::start() {
  {
    std::lock_guard lock(sync_mu_);
    const int64_t wall = wall_ms(), mono = mono_ms();
    generation_ = store_.generation();
    if (store_.shared()) {
      auto changes = store_.changes(cursor_, wall);
      if (!changes) return Status(changes.code(), "cannot read shared guard state: " + changes.message());
      apply(changes.value());
    } else {
      auto live = store_.live_bans(wall);
      if (!live) return Status(live.code(), "cannot read stored bans: " + live.message());
      for (const auto& b : live.value()) apply_ban(b, mono, wall);
      if (!live.value().empty()) spdlog::info("guard state: {} ban(s) restored from the state store", live.value().size());
    }
    last_purge_ms_ = mono;
  }
  bans_.set_observer(this);
  std::lock_guard lock(mu_);
  stopping_ = false;
  started_ = true;
  thread_ = std::thread([this] { run(); });
  return {};
}

void StateSync::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
    stopping_ = true;
  }
  bans_.set_observer(nullptr);
  wake_.notify_all();
  if (failures_) failures_->wake();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(sync_mu_);
  if (!flush()) spdlog::warn("guard state: {} ban change(s) not written at stop (store unreachable)", pending());
}

size_t StateSync::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

void StateSync::on_ban(const BanInfo& ban) {
  const int64_t mono = mono_ms(), wall = wall_ms();
  store::BanRecord r;
  r.target = ban.prefix.to_string();
  r.port = ban.port;
  r.reason = ban.reason;
  r.by = ban.by;
  r.created_ms = wall - (mono - ban.created_ms);
  r.expires_ms = wall + (ban.expires_ms - mono);
  r.automatic = ban.automatic;
  {
    std::lock_guard lock(mu_);
    Key key{r.target, r.port};
    if (pending_.size() >= options_.max_pending && !pending_.count(key) && ban.automatic) {
      queue_overflow_.inc();
      return;
    }
    pending_[key] = std::move(r);
  }
  // No wake-up: the thread writes within poll_ms, coalescing a burst of bans into one round.
}

void StateSync::on_unban(const Prefix& prefix, uint16_t port) {
  {
    std::lock_guard lock(mu_);
    pending_[{prefix.to_string(), port}] = std::nullopt;
  }
}

void StateSync::flush_failures() {
  if (!failures_) return;
  auto batch = failures_->take();
  // Beyond the queue's bound a failure or lockout stays local to this edge.
  if (uint64_t o = failures_->overflowed(); o > failures_overflow_seen_) {
    queue_overflow_.inc(o - failures_overflow_seen_);
    failures_overflow_seen_ = o;
  }
  std::vector<std::pair<std::string, int64_t>> lockouts;  // (key, until_ms on the wall clock)
  for (const auto& [key, lock_ms] : batch.lockouts) lockouts.emplace_back(key, wall_ms() + lock_ms);
  for (const auto& [key, window_ms] : batch.failures) {
    auto total = store_.add_count(key, window_ms);
    if (!total) continue;  // the shared state is down: local counts decide alone
    if (!bruteforce_) continue;
    if (int64_t lock_ms = bruteforce_->on_shared_total(key, total.value(), mono_ms()))
      lockouts.emplace_back(key, wall_ms() + lock_ms);
  }
  // On the failure path (rare for real users); a failure leaves the lockout local.
  for (const auto& [key, until_ms] : lockouts)
    if (!store_.put_lock({key, until_ms})) write_failures_.inc();
}

bool StateSync::flush() {
  std::map<Key, std::optional<store::BanRecord>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  auto it = batch.begin();
  for (; it != batch.end(); ++it) {
    bool ok = it->second ? store_.put_ban(*it->second).ok()
                         : store_.remove_ban(it->first.first, it->first.second).ok();
    if (!ok) break;
  }
  if (it == batch.end()) return true;
  write_failures_.inc();
  // Put back what was not written, unless a newer change for the same ban arrived meanwhile.
  std::lock_guard lock(mu_);
  for (; it != batch.end(); ++it) pending_.try_emplace(it->first, std::move(it->second));
  return false;
}

void StateSync::apply_ban(const store::BanRecord& b, int64_t mono_now, int64_t wall_now) {
  if (b.expires_ms <= wall_now) return;
  auto prefix = parse_prefix(b.target);
  if (!prefix) return;  // stored text is input: skip what does not parse
  bans_.apply(*prefix, b.port, mono_now + (b.expires_ms - wall_now), b.reason, b.by, b.automatic, mono_now);
}

void StateSync::apply(const store::GuardChanges& changes) {
  const int64_t wall = wall_ms(), mono = mono_ms();
  for (const auto& b : changes.bans) apply_ban(b, mono, wall);
  for (const auto& u : changes.unbans)
    if (auto p = parse_prefix(u.target)) bans_.apply_removal(*p, u.port);
  if (bruteforce_)
    for (const auto& l : changes.locks) bruteforce_->apply_lockout(l.key, mono + (l.until_ms - wall), mono);
  uint64_t n = changes.bans.size() + changes.unbans.size() + changes.locks.size();
  if (n && !changes.reset) {
    applied_remote_ += n;
    remote_bans_.inc(n);
  }
}

void StateSync::republish() {
  const int64_t mono = mono_ms();
  size_t n = 0;
  for (const auto& ban : bans_.list(mono)) {
    on_ban(ban);
    ++n;
  }
  spdlog::info("guard state: shared state back; {} local ban(s) published again", n);
}

void StateSync::poll() {
  if (!store_.shared()) return;
  if (uint64_t g = store_.generation(); g != generation_) {
    generation_ = g;
    cursor_.clear();  // read everything again: the store may have restarted empty
    republish();
  }
  auto changes = store_.changes(cursor_, wall_ms());
  if (changes) apply(changes.value());
}

bool StateSync::sync_once() {
  std::lock_guard lock(sync_mu_);
  if (store_.shared()) flush_failures();
  bool flushed = flush();
  poll();
  if (flushed) flushed = flush();  // a republish may have queued bans
  const int64_t mono = mono_ms();
  if (mono - last_purge_ms_ >= options_.purge_every_ms) {
    last_purge_ms_ = mono;
    (void)store_.purge_expired_bans(wall_ms());
  }
  return flushed;
}

void StateSync::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (failures_) {
      // Woken by a queued failure (a brute force is counted across edges now, not at the
      // next poll), by stop(), or at the poll interval.
      lock.unlock();
      failures_->wait(options_.poll_ms);
      lock.lock();
    } else {
      wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [this] { return stopping_; });
    }
    if (stopping_) break;
    lock.unlock();
    sync_once();
    lock.lock();
  }
}

}  // namespace imsguard::guard
