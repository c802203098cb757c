#pragma once
// The defence chain: the guards of guards.order that are switched on, built once from the
// config, called by the edge at three points (raw bytes, parsed request, authentication
// result). The chain owns the shared state the guards act on (the ban table, the flows that
// authenticated, the allowlist), so a ban made by the flood or scanner guard is enforced by
// the banlist guard at the cheapest point, and `imsguard ban` reaches it through the
// control socket.
//
// The guards themselves are one immutable generation reached through an atomic pointer, so a
// reload (SIGHUP) builds a new generation beside the running one and swaps it in without a
// lock on the message path. Guards whose settings did not change move over as they are
// (their windows, buckets and lockouts kept); the ban table and the authenticated flows
// belong to the chain and never reset.
//
// The edge's own stages (the SIP parser's limits, sip::check_request, the authenticator,
// identity assertion) are not guards: they always run, between the raw-bytes guards and the
// request guards, and guards.order does not list them.
#include "common/status.h"
#include "config/config.h"
#include "guard/banlist.h"
#include "guard/clock.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "guard/guard.h"
#include "guard/registered_flows.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace imsguard::guard {

class OverloadGuard;
class ControlServer;
class SharedFailures;

// What the chain and its guards are given by the composition root (src/app).
struct ChainDeps {
  Clock clock;                              // empty: steady_now_ms
  SharedFailures* shared_failures = nullptr;  // the brute-force guard's cross-edge counts; null: local only
  // The node's counter registry and security event sink (app::Node owns them, a test its
  // own): every guard counts and reports into these. Required.
  ops::CounterRegistry* metrics = nullptr;
  ops::EventSink* events = nullptr;
};

class Chain {
 public:
  // kInvalid when the guard config cannot be used (a bad allowlist entry, ...).
  static StatusOr<std::unique_ptr<Chain>> create(const config::Config& config, ChainDeps deps);
  ~Chain();

  // Monotonic milliseconds on the clock the chain was given: the guards' time (ban TTLs,
  // windows, buckets, lockouts). Whoever hands a time to the chain or a guard reads it here.
  int64_t now_ms() const { return clock_(); }
  const Clock& clock() const { return clock_; }
  // The registry and sink the chain was built with (ChainDeps): what its guards report into.
  ops::CounterRegistry& metrics() const { return metrics_; }
  ops::EventSink& events() const { return events_; }

  Context context(const net::Flow& flow, int64_t now_ms) const;
  Context context(const net::Flow& flow) const { return context(flow, now_ms()); }

  Verdict on_raw(const Context& ctx, std::string_view bytes);
  Verdict on_request(const Context& ctx, const sip::Message& msg);
  void on_auth(const Context& ctx, const sip::Message& msg, const AuthInfo& info);

  // Counts a message as in flight for its lifetime (overload guard).
  class Inflight {
   public:
    explicit Inflight(OverloadGuard* g);
    ~Inflight();
    Inflight(const Inflight&) = delete;
    Inflight& operator=(const Inflight&) = delete;

   private:
    OverloadGuard* guard_;
  };
  // The load tracker for Inflight (null when the overload guard is off).
  OverloadGuard* load_tracker() const;

  BanList& bans() { return bans_; }
  RegisteredFlows& registered_flows() { return registered_; }
  // Enabled guards in chain order, by name.
  std::vector<std::string_view> names() const;
  Guard* find(std::string_view name) const;
  // Bytes held by every guard and the shared tables: fixed after construction except for
  // the ban table, which is capped.
  size_t memory_bytes() const;

  // Applies the guard settings of `config` (guards.*: thresholds, allowlist, switches,
  // order, the operators' default ban TTL) to the running chain. On an error nothing
  // changes. `notes` tells what was changed (the brute-force guard keeps its instance and
  // its lockouts and takes the new thresholds in place).
  struct ReloadResult {
    Status error;  // kInvalid: the new settings cannot be used (nothing changed)
    std::vector<std::string> notes;
  };
  ReloadResult reload(const config::Config& config);
  // The same at `now` on the chain's clock (tests pass the time).
  ReloadResult reload(const config::Config& config, int64_t now);
  // Replaced generations still held for messages that may be inside them.
  size_t retired_generations() const;
  // The guard settings in force.
  config::Guards settings() const;

  // Ban management for a running process: a unix socket (see guard/control.h).
  Status start_control(const std::string& socket_path);
  void stop_control();

 private:
  struct Generation;
  Chain(const config::Config& config, ChainDeps deps);
  // A generation for `config`, reusing the guards of `previous` whose settings are equal.
  StatusOr<std::unique_ptr<Generation>> build(const config::Config& config, const Generation* previous,
                                              std::vector<std::string>* notes);
  const Generation& current() const { return *current_.load(std::memory_order_acquire); }

  const Clock clock_;
  SharedFailures* const shared_failures_;
  ops::CounterRegistry& metrics_;
  ops::EventSink& events_;
  const int64_t registered_ttl_ms_;
  BanList bans_;
  RegisteredFlows registered_;
  RegisteredFlows registered_addresses_;  // keyed by hash_address: an address with a live flow
  std::atomic<Generation*> current_{nullptr};
  // Owns the generation in force and the ones replaced by reload(): a message may still be
  // inside a replaced one, so it is freed only after a grace period (kRetireGraceMs).
  mutable std::mutex reload_mutex_;
  std::unique_ptr<Generation> live_;
  std::vector<std::pair<int64_t, std::unique_ptr<Generation>>> retired_;
  std::unique_ptr<ControlServer> control_;
  ops::Counter& passed_;
};

}  // namespace imsguard::guard
