#pragma once
// Password guessing and HSS exhaustion. Failed authentications are counted per source (per
// flow once it authenticated) and per claimed IMPI across all sources, so a slow attack
// spread over many addresses against one user is caught too. Past the threshold the source
// or the IMPI is locked out, each time for longer (lockout_s x backoff_factor^n, capped).
// The same per-IMPI state caps unauthenticated REGISTERs (each one makes the core build a
// challenge, for AKA a fresh vector and SQN) and AKA resynchronisations, so a flood cannot
// force endless vector generation. Unknown users are locked like real ones: a lockout says
// nothing about who exists.
#include "config/config.h"
#include "guard/guard.h"
#include "guard/lockouts.h"
#include "guard/slot_table.h"

#include <atomic>
#include <optional>
#include <string>

namespace imsguard::guard {

// Failure counts and lockouts shared by the edges of one domain (see guard/state_sync.h), so
// a brute force split across edges is counted once and locked out everywhere. Keys are
// "impi:<user@host>" (lowercase) and "src:<address>".
// Both calls only queue: they run on the SIP worker that handles the failed REGISTER, which
// must never wait for the store. The store round trip happens on StateSync's thread, which
// hands the total across edges back through BruteForceGuard::on_shared_total.
class SharedFailures {
 public:
  virtual ~SharedFailures() = default;
  // Counts one failure for `key` across all edges within `window_ms` (queued).
  virtual void count_failure(std::string_view key, int64_t window_ms) = 0;
  // Tells every edge that `key` is locked out for `lock_ms` from now (queued).
  virtual void publish_lockout(std::string_view key, int64_t lock_ms) = 0;
};

class BruteForceGuard final : public Guard {
 public:
  // `shared`: the failure counts of the edges of the domain (guard/failure_queue.h), given by
  // the composition root when the state store is shared; nullptr: this process counts alone.
  // `metrics`, `events`: the node's registry and sink (guard::ChainDeps).
  BruteForceGuard(const config::BruteForceGuard& config, ops::CounterRegistry& metrics, ops::EventSink& events,
                  SharedFailures* shared = nullptr);
  // New thresholds (SIGHUP reload) take effect for the next message; counts and lockouts in
  // force are kept, since they are the point of the guard.
  void reconfigure(const config::BruteForceGuard& config);
  config::BruteForceGuard settings() const;
  // A lockout decided elsewhere (another edge): `key` as in SharedFailures, until_ms on the
  // guards' clock. A key this guard cannot parse is ignored.
  void apply_lockout(std::string_view key, int64_t until_ms, int64_t now_ms);
  // The total of `key`'s failures across all edges, as the shared store counted it (off the
  // hot path, after count_failure): locks `key` out here when it reaches the threshold
  // (max_failures for a source, per_impi_distributed for an identity). The lockout's length
  // in ms when this call locked it (for the caller to publish), else 0.
  int64_t on_shared_total(std::string_view key, uint64_t total, int64_t now_ms);
  std::string_view name() const override { return "bruteforce"; }
  Verdict on_request(const Context& ctx, const sip::Message& msg) override;
  void on_auth(const Context& ctx, const sip::Message& msg, const AuthInfo& info) override;
  size_t memory_bytes() const override { return sources_.memory_bytes() + impis_.memory_bytes(); }

  // For tests and `ban list`-style views: remaining lockout in ms (0 when not locked).
  int64_t source_locked_ms(const Context& ctx) const;
  int64_t impi_locked_ms(std::string_view impi, int64_t now_ms) const;

  // The lockouts in force with what they lock and why (`imsguard ban list`).
  std::vector<Lockout> lockouts(int64_t now_ms) const { return lockouts_.list(now_ms); }
  // An operator lifts a lockout (`imsguard unlock`): the identity (IMPI) or the source (an
  // address as listed) may authenticate again at once, its failure counts start afresh. The
  // lockout that was in force, or nullopt when there was none. On this edge only: with shared
  // state the other edges keep a lockout they applied until it ends.
  std::optional<Lockout> unlock(Lockout::Kind kind, std::string_view subject, int64_t now_ms);
  // The same for a subject as an operator types it: an address (192.0.2.7) or a flow as
  // listed (udp:192.0.2.7:5060) names a source, anything else an identity.
  std::optional<Lockout> unlock(std::string_view typed, int64_t now_ms);

 private:
  struct State {
    int64_t window_start_ms = 0;
    uint32_t failures = 0;
    uint32_t challenges = 0;
    uint32_t resyncs = 0;
    uint32_t lockouts = 0;
    int64_t locked_until_ms = 0;
  };
  uint64_t source_key(const Context& ctx) const;
  void roll(State& s, int64_t now_ms) const;
  int64_t lock(State& s, int64_t now_ms) const;

  // Each threshold on its own atomic: worker threads read them while a reload writes them,
  // and a message judged by a mix of old and new thresholds during that instant is harmless.
  struct Thresholds {
    std::atomic<uint32_t> max_failures, window_s, lockout_s, backoff_factor, max_lockout_s, per_impi_distributed,
        max_challenges_per_impi, max_resyncs;
  };
  Thresholds thresholds_;
  SharedFailures* const shared_;
  mutable SlotTable<State> sources_;
  mutable SlotTable<State> impis_;
  LockoutList lockouts_;
  ops::Counter& dropped_;
  ops::Counter& rejected_;
  ops::Counter& lockout_count_;
  ops::Counter& hss_capped_;
  ops::EventSink& events_;
};

}  // namespace imsguard::guard
