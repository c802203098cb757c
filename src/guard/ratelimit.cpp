#include "guard/ratelimit.h"

#include "guard/impi.h"

namespace imsguard::guard {

RateLimitGuard::RateLimitGuard(const config::RateLimitGuard& config)
    : config_(config),
      buckets_(1 << 16),
      dropped_(ops::counters().get("imsguard_guard_dropped_total{guard=\"ratelimit\"}")),
      rejected_(ops::counters().get("imsguard_guard_rejected_total{guard=\"ratelimit\"}", "requests refused by guard")) {}

Verdict RateLimitGuard::over(const Context& ctx, std::string_view what) {
  if (ctx.registered) {
    rejected_.inc();
    return Verdict::reject("ratelimit", 503, "Service Unavailable (rate limit)", 1);
  }
  dropped_.inc();
  return Verdict::drop("ratelimit", what);
}

Verdict RateLimitGuard::on_request(const Context& ctx, const sip::Message& msg) {
  if (ctx.allowlisted) return Verdict::pass();
  const uint64_t source = ctx.registered ? ctx.flow_hash : hash_address(ctx.address, 0xb0c);
  auto take = [&](uint64_t key, uint32_t rate) {
    return buckets_.with(key, ctx.now_ms, [&](TokenBucket& b, bool) { return b.take(ctx.now_ms, rate, config_.burst); });
  };
  if (!take(source, config_.per_source_rps)) return over(ctx, "source over its rate");
  uint64_t method = hash_text_ci(msg.method_name(), source);
  if (!take(method, config_.per_method_rps)) return over(ctx, "source over its rate for this method");
  // The IMPI bucket guards the authentication path; other requests come from registered flows.
  if (msg.method() == sip::Method::kRegister) {
    ClaimedImpi impi = claimed_impi(msg);
    if (!impi.empty() && !take(impi.hash() ^ 0x1a91, config_.per_impi_rps))
      return over(ctx, "identity over its rate");
  }
  return Verdict::pass();
}

}  // namespace imsguard::guard
