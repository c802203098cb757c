#include "guard/ratelimit.h"

#include "guard/impi.h"
#include "ops/events.h"

namespace imsguard::guard {

RateLimitGuard::RateLimitGuard(const config::RateLimitGuard& config, ops::CounterRegistry& metrics, ops::EventSink& events)
    : config_(config),
      buckets_(1 << 16),
      dropped_(metrics.get("imsguard_guard_dropped_total{guard=\"ratelimit\"}")),
      rejected_(metrics.get("imsguard_guard_rejected_total{guard=\"ratelimit\"}", "requests refused by guard")),
      limited_(metrics.get("imsguard_guard_limited_total{guard=\"ratelimit\"}",
                                   "keys that went over a rate limit (one security event each)")),
      events_(events) {}

RateLimitGuard::Take RateLimitGuard::take(uint64_t key, const Context& ctx, uint32_t rate, uint32_t burst) {
  return buckets_.with(key, ctx.now_ms, [&](Limited& l, bool) {
    if (l.bucket.take(ctx.now_ms, rate, burst)) {
      l.over = false;
      return Take::kOk;
    }
    bool was_over = l.over;
    l.over = true;
    return was_over ? Take::kOver : Take::kNewlyOver;
  });
}

Verdict RateLimitGuard::over(const Context& ctx, const sip::Message& msg, Take take, std::string_view what) {
  if (take == Take::kNewlyOver) {
    limited_.inc();
    std::string src = ctx.flow.to_string();
    std::string storage;
    std::string identity(claimed_impi(ctx, msg, storage));
    std::string reason(what);
    reason += ctx.registered ? " (authenticated flow: 503)" : " (dropped)";
    events_.emit({"ratelimit", src, identity, ctx.registered ? "reject" : "drop", reason});
  }
  if (ctx.registered) {
    rejected_.inc();
    return Verdict::reject("ratelimit", 503, "Service Unavailable (rate limit)", 1);
  }
  dropped_.inc();
  return Verdict::drop("ratelimit", what);
}

Verdict RateLimitGuard::on_request(const Context& ctx, const sip::Message& msg) {
  if (ctx.allowlisted) return Verdict::pass();
  if (ctx.registered) {
    Take t = take(ctx.flow_hash, ctx, config_.authenticated_rps, config_.authenticated_burst);
    return t == Take::kOk ? Verdict::pass() : over(ctx, msg, t, "authenticated flow over its rate");
  }
  const uint64_t source = hash_address(ctx.address, 0xb0c);
  if (Take t = take(source, ctx, config_.per_source_rps, config_.burst); t != Take::kOk)
    return over(ctx, msg, t, "source over its rate");
  uint64_t method = hash_text_ci(msg.method_name(), source);
  if (Take t = take(method, ctx, config_.per_method_rps, config_.burst); t != Take::kOk)
    return over(ctx, msg, t, "source over its rate for this method");
  // The IMPI bucket guards the authentication path against strangers.
  if (msg.method() == sip::Method::kRegister) {
    std::string storage;
    std::string_view impi = claimed_impi(ctx, msg, storage);
    if (!impi.empty())
      if (Take t = take(impi_hash(impi) ^ 0x1a91, ctx, config_.per_impi_rps, config_.burst); t != Take::kOk)
        return over(ctx, msg, t, "identity over its rate");
  }
  return Verdict::pass();
}

}  // namespace imsguard::guard
