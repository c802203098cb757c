#include "guard/bruteforce.h"

#include "crypto/credentials.h"
#include "guard/impi.h"
#include "ops/events.h"

#include <algorithm>
#include <cctype>

namespace imsguard::guard {

BruteForceGuard::BruteForceGuard(const config::BruteForceGuard& config, ops::CounterRegistry& metrics,
                                 ops::EventSink& events, SharedFailures* shared)
    : shared_(shared),
      sources_(1 << 15),
      impis_(1 << 15),
      dropped_(metrics.get("imsguard_guard_dropped_total{guard=\"bruteforce\"}")),
      rejected_(metrics.get("imsguard_guard_rejected_total{guard=\"bruteforce\"}")),
      lockout_count_(metrics.get("imsguard_guard_lockouts_total", "brute-force lockouts (sources and IMPIs)")),
      hss_capped_(metrics.get("imsguard_guard_hss_capped_total", "REGISTERs refused to protect the HSS")),
      events_(events) {
  reconfigure(config);
}

void BruteForceGuard::reconfigure(const config::BruteForceGuard& c) {
  constexpr auto r = std::memory_order_relaxed;
  thresholds_.max_failures.store(c.max_failures, r);
  thresholds_.window_s.store(c.window_s, r);
  thresholds_.lockout_s.store(c.lockout_s, r);
  thresholds_.backoff_factor.store(c.backoff_factor, r);
  thresholds_.max_lockout_s.store(c.max_lockout_s, r);
  thresholds_.per_impi_distributed.store(c.per_impi_distributed, r);
  thresholds_.max_challenges_per_impi.store(c.max_challenges_per_impi, r);
  thresholds_.max_resyncs.store(c.max_resyncs, r);
}

config::BruteForceGuard BruteForceGuard::settings() const {
  constexpr auto r = std::memory_order_relaxed;
  config::BruteForceGuard c;
  c.max_failures = thresholds_.max_failures.load(r);
  c.window_s = thresholds_.window_s.load(r);
  c.lockout_s = thresholds_.lockout_s.load(r);
  c.backoff_factor = thresholds_.backoff_factor.load(r);
  c.max_lockout_s = thresholds_.max_lockout_s.load(r);
  c.per_impi_distributed = thresholds_.per_impi_distributed.load(r);
  c.max_challenges_per_impi = thresholds_.max_challenges_per_impi.load(r);
  c.max_resyncs = thresholds_.max_resyncs.load(r);
  return c;
}

uint64_t BruteForceGuard::source_key(const Context& ctx) const {
  return ctx.registered ? ctx.flow_hash : hash_address(ctx.address, 0xbf);
}

void BruteForceGuard::roll(State& s, int64_t now_ms) const {
  if (now_ms - s.window_start_ms >= static_cast<int64_t>(thresholds_.window_s.load(std::memory_order_relaxed)) * 1000) {
    s.window_start_ms = now_ms;
    s.failures = s.challenges = s.resyncs = 0;
  }
}

int64_t BruteForceGuard::lock(State& s, int64_t now_ms) const {
  const config::BruteForceGuard c = settings();
  int64_t ms = static_cast<int64_t>(c.lockout_s) * 1000;
  const int64_t max_ms = static_cast<int64_t>(c.max_lockout_s) * 1000;
  for (uint32_t i = 0; i < s.lockouts && ms < max_ms; ++i) ms *= c.backoff_factor;
  ms = std::min(ms, max_ms);
  ++s.lockouts;
  s.locked_until_ms = now_ms + ms;
  s.window_start_ms = now_ms;
  s.failures = s.challenges = s.resyncs = 0;
  return ms;
}

Verdict BruteForceGuard::on_request(const Context& ctx, const sip::Message& msg) {
  if (msg.method() != sip::Method::kRegister) return Verdict::pass();
  bool source_locked = sources_.with(source_key(ctx), ctx.now_ms, [&](State& s, bool) { return s.locked_until_ms > ctx.now_ms; });
  if (source_locked) {
    dropped_.inc();
    return Verdict::drop("bruteforce", "source locked out");
  }
  std::string storage;
  std::string_view impi = claimed_impi(ctx, msg, storage);
  if (impi.empty()) return Verdict::pass();
  enum class Outcome { kPass, kLocked, kCapped } outcome;
  // Over the cap only an answer to a challenge we sent to this source for this identity goes
  // on: what a client sends cannot lift the cap (issue 17 F10), and the real phone that
  // holds a challenge can still answer it.
  const bool answers_challenge = ctx.credentials && ctx.credentials->proves_challenge_seen();
  const uint32_t cap = thresholds_.max_challenges_per_impi.load(std::memory_order_relaxed);
  outcome = impis_.with(impi_hash(impi), ctx.now_ms, [&](State& s, bool) {
    // A flow that authenticated before keeps its way in: the attacker cannot lock a phone out.
    if (ctx.registered) return Outcome::kPass;
    if (s.locked_until_ms > ctx.now_ms) return Outcome::kLocked;
    roll(s, ctx.now_ms);
    if (!answers_challenge && s.challenges >= cap) return Outcome::kCapped;
    return Outcome::kPass;
  });
  if (outcome == Outcome::kLocked) {
    rejected_.inc();
    return Verdict::reject("bruteforce", 403, "Forbidden (locked out)");
  }
  if (outcome == Outcome::kCapped) {
    hss_capped_.inc();
    dropped_.inc();
    return Verdict::drop("bruteforce", "unauthenticated REGISTERs for this identity over the cap");
  }
  return Verdict::pass();
}

void BruteForceGuard::on_auth(const Context& ctx, const sip::Message& msg, const AuthInfo& info) {
  const int64_t now = ctx.now_ms;
  const config::BruteForceGuard config = settings();
  std::string storage;
  std::string_view claimed = claimed_impi(ctx, msg, storage);
  uint64_t impi_key = impi_hash(claimed);
  if (info.event == AuthEvent::kAuthenticated) {
    sources_.with(source_key(ctx), now, [&](State& s, bool) { s.failures = 0; s.lockouts = 0; });
    impis_.with(impi_key, now, [&](State& s, bool) { s.challenges = 0; s.resyncs = 0; });
    return;
  }
  std::string_view why;
  int64_t source_lock_ms = 0, impi_lock_ms = 0;
  // A guess is a wrong answer to a challenge this source was sent (a spoofer's made-up nonce
  // is not: it would let anyone lock its victim out). A replayed nonce count is a
  // retransmission of an answer already checked (a slow reply under load), not a new guess.
  const bool guess = info.event == AuthEvent::kFailed && info.answered_our_challenge && !info.replay;
  // Counted across all edges too (shared state): queued here, added up in the store off
  // this thread, and a total that reaches the threshold locks out through on_shared_total.
  // Registered flows are counted per flow, locally.
  std::string source_text, impi_text;
  if (shared_ && guess) {
    const int64_t window_ms = static_cast<int64_t>(thresholds_.window_s.load(std::memory_order_relaxed)) * 1000;
    if (!ctx.registered) {
      source_text = "src:" + ctx.flow.address.to_string();
      shared_->count_failure(source_text, window_ms);
    }
    if (!claimed.empty()) {
      impi_text = "impi:" + std::string(claimed);
      shared_->count_failure(impi_text, window_ms);
    }
  }
  if (guess) {
    source_lock_ms = sources_.with(source_key(ctx), now, [&](State& s, bool) -> int64_t {
      roll(s, now);
      ++s.failures;
      if (s.failures >= config.max_failures) return lock(s, now);
      return 0;
    });
  }
  impi_lock_ms = impis_.with(impi_key, now, [&](State& s, bool) -> int64_t {
    roll(s, now);
    ++s.challenges;  // every answer but success carries a fresh challenge
    if (guess && ++s.failures >= config.per_impi_distributed) {
      why = "failed authentications for this identity from all sources";
      return lock(s, now);
    }
    if (info.event == AuthEvent::kResync && ++s.resyncs > config.max_resyncs) {
      why = "too many AKA resynchronisations";
      return lock(s, now);
    }
    return 0;
  });
  if (shared_ && source_lock_ms && !source_text.empty()) shared_->publish_lockout(source_text, source_lock_ms);
  if (shared_ && impi_lock_ms && !impi_text.empty()) shared_->publish_lockout(impi_text, impi_lock_ms);
  if (source_lock_ms || impi_lock_ms) {
    std::string src = ctx.flow.to_string();
    std::string impi(info.impi.empty() ? claimed : info.impi);
    if (source_lock_ms) {
      lockout_count_.inc();
      std::string reason = std::to_string(config.max_failures) + " failed authentications from this source within " +
                           std::to_string(config.window_s) + " s; locked for " + std::to_string(source_lock_ms / 1000) + " s";
      events_.emit({"bruteforce", src, impi, "lockout", reason});
      lockouts_.add({Lockout::Kind::kSource, ctx.registered ? src : ctx.flow.address.to_string(),
                     reason + " (last identity tried: " + impi + ")", now + source_lock_ms, source_key(ctx)},
                    now);
    }
    if (impi_lock_ms) {
      lockout_count_.inc();
      std::string reason = std::string(why) + "; identity locked for " + std::to_string(impi_lock_ms / 1000) + " s";
      events_.emit({"bruteforce", src, impi, "lockout", reason});
      if (!claimed.empty())
        lockouts_.add({Lockout::Kind::kIdentity, std::string(claimed), reason + " (last source: " + src + ")",
                       now + impi_lock_ms, impi_key},
                      now);
    }
  }
}

int64_t BruteForceGuard::source_locked_ms(const Context& ctx) const {
  return sources_.with(source_key(ctx), ctx.now_ms,
                       [&](State& s, bool) { return std::max<int64_t>(0, s.locked_until_ms - ctx.now_ms); });
}

int64_t BruteForceGuard::impi_locked_ms(std::string_view impi, int64_t now_ms) const {
  return impis_.with(impi_hash(impi), now_ms, [&](State& s, bool) { return std::max<int64_t>(0, s.locked_until_ms - now_ms); });
}

int64_t BruteForceGuard::on_shared_total(std::string_view key, uint64_t total, int64_t now_ms) {
  const config::BruteForceGuard config = settings();
  auto decide = [&](uint32_t threshold) {
    return [&, threshold](State& s, bool) -> int64_t {
      if (s.locked_until_ms > now_ms || total < threshold) return 0;
      return lock(s, now_ms);
    };
  };
  int64_t lock_ms = 0;
  std::string reason;
  Lockout listed;
  if (key.rfind("impi:", 0) == 0 && key.size() > 5) {
    listed.kind = Lockout::Kind::kIdentity;
    listed.subject = std::string(key.substr(5));
    listed.slot_key = impi_hash(key.substr(5));
    lock_ms = impis_.with(listed.slot_key, now_ms, decide(config.per_impi_distributed));
    reason = "failed authentications for this identity from all sources (all edges)";
  } else if (key.rfind("src:", 0) == 0) {
    auto p = parse_prefix(key.substr(4));
    if (!p || p->bits != 128) return 0;
    listed.kind = Lockout::Kind::kSource;
    listed.subject = std::string(key.substr(4));
    listed.slot_key = hash_address(p->address, 0xbf);
    lock_ms = sources_.with(listed.slot_key, now_ms, decide(config.max_failures));
    reason = std::to_string(config.max_failures) + " failed authentications from this source within " +
             std::to_string(config.window_s) + " s on all edges";
  }
  if (lock_ms == 0) return 0;
  lockout_count_.inc();
  reason += "; locked for " + std::to_string(lock_ms / 1000) + " s";
  events_.emit({"bruteforce", std::string(key), "", "lockout", reason});
  listed.reason = reason;
  listed.until_ms = now_ms + lock_ms;
  lockouts_.add(std::move(listed), now_ms);
  return lock_ms;
}

void BruteForceGuard::apply_lockout(std::string_view key, int64_t until_ms, int64_t now_ms) {
  if (until_ms <= now_ms) return;
  auto extend = [&](State& s, bool) { s.locked_until_ms = std::max(s.locked_until_ms, until_ms); };
  constexpr std::string_view kRemote = "locked out by another edge (shared state)";
  if (key.rfind("impi:", 0) == 0) {
    std::string_view impi = key.substr(5);
    if (impi.empty()) return;
    impis_.with(impi_hash(impi), now_ms, extend);
    lockouts_.add({Lockout::Kind::kIdentity, std::string(impi), std::string(kRemote), until_ms, impi_hash(impi)}, now_ms);
  } else if (key.rfind("src:", 0) == 0) {
    auto p = parse_prefix(key.substr(4));
    if (!p || p->bits != 128) return;
    sources_.with(hash_address(p->address, 0xbf), now_ms, extend);
    lockouts_.add({Lockout::Kind::kSource, std::string(key.substr(4)), std::string(kRemote), until_ms,
                   hash_address(p->address, 0xbf)},
                  now_ms);
  }
}

std::optional<Lockout> BruteForceGuard::unlock(std::string_view typed, int64_t now_ms) {
  auto p = parse_prefix(typed);
  if (p && p->bits == 128 && typed.find('/') == std::string_view::npos)
    return unlock(Lockout::Kind::kSource, p->to_string(), now_ms);
  if (typed.starts_with("udp:") || typed.starts_with("tcp:") || typed.starts_with("tls:"))
    return unlock(Lockout::Kind::kSource, typed, now_ms);
  return unlock(Lockout::Kind::kIdentity, typed, now_ms);
}

std::optional<Lockout> BruteForceGuard::unlock(Lockout::Kind kind, std::string_view subject, int64_t now_ms) {
  std::optional<Lockout> listed = lockouts_.remove(kind, subject);
  uint64_t key = 0;
  if (listed) {
    key = listed->slot_key;
  } else if (kind == Lockout::Kind::kIdentity) {
    key = impi_hash(subject);
  } else if (auto p = parse_prefix(subject); p && p->bits == 128) {
    key = hash_address(p->address, 0xbf);  // an address whose lockout the list had no room for
  } else {
    return std::nullopt;
  }
  // Only a slot that exists and is locked is lifted (its counts start afresh). A subject that
  // is not locked leaves the table as it was: no slot made (which would evict another key's
  // counts) and no counts reset (an operator's typo must not clear a running brute force).
  int64_t was = 0;
  auto lift = [&](State& s) {
    was = s.locked_until_ms;
    if (was <= now_ms) return;
    s = State{};
    s.window_start_ms = now_ms;
  };
  (void)(kind == Lockout::Kind::kIdentity ? impis_.with_existing(key, lift) : sources_.with_existing(key, lift));
  if (was <= now_ms && !listed) return std::nullopt;
  if (!listed) listed = Lockout{kind, std::string(subject), "(not listed)", was, key};
  events_.emit({"bruteforce", kind == Lockout::Kind::kSource ? listed->subject : std::string(),
                      kind == Lockout::Kind::kIdentity ? listed->subject : std::string(), "unlock", "lifted by an operator"});
  return listed;
}

}  // namespace imsguard::guard
