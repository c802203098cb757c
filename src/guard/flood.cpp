#include "guard/flood.h"

#include "ops/episodes.h"

namespace imsguard::guard {

FloodGuard::FloodGuard(const config::FloodGuard& config, BanList& bans, ops::CounterRegistry& metrics,
                       ops::EventSink& events)
    : config_(config),
      bans_(bans),
      per_source_(static_cast<int64_t>(config.window_s) * 1000, static_cast<size_t>(config.memory_budget_kb) * 1024 / 2),
      per_prefix_(static_cast<int64_t>(config.window_s) * 1000, static_cast<size_t>(config.memory_budget_kb) * 1024 / 2),
      dropped_(metrics.get("imsguard_guard_dropped_total{guard=\"flood\"}")),
      banned_(metrics.get("imsguard_guard_bans_total{guard=\"flood\"}", "bans by guard")),
      spared_(metrics.get("imsguard_guard_bans_withheld_total{guard=\"flood\"}",
                                  "bans withheld: UDP evidence against an address with a registered flow")),
      events_(events) {}

void FloodGuard::ban(const Context& ctx, bool prefix, uint32_t count) {
  // A registered phone's address over UDP is never banned (below); that is told once as the
  // window goes over (and every 1024th after, should the sketch's estimate step over that
  // count), so a spoofed flood in its name costs no allocation per datagram.
  if (!prefix && !ctx.may_ban() && count != config_.max_per_source + 1 && (count & 1023) != 0) {
    spared_.inc();
    return;
  }
  std::string reason = std::to_string(count) + " messages in " + std::to_string(config_.window_s) + " s from the " +
                       (prefix ? "prefix" : ctx.registered ? "flow" : "address") + " (limit " +
                       std::to_string(prefix ? config_.max_per_prefix : config_.max_per_source) + ")";
  if (!prefix && !ctx.may_ban()) {
    // Datagrams in the name of a registered phone: dropped over the limit, never a ban (F8).
    spared_.inc();
    reason += " (UDP from an address with a registered flow: dropped, not banned)";
    ops::emit_episode(events_, {"flood", ctx.flow.to_string(), "", "drop", reason}, episode_key(ctx));
    return;
  }
  Prefix p = prefix ? Prefix{ctx.address.counting_prefix(), ctx.address.counting_prefix_bits()} : Prefix{ctx.address, 128};
  uint16_t port = (!prefix && ctx.registered) ? ctx.flow.port : 0;
  if (bans_.ban(p, port, config_.ban_ttl_s, reason, "flood", true, ctx.now_ms)) {
    banned_.inc();
    if (prefix) ops::emit_episode(events_, {"flood", p.to_string(), "", "ban", reason});
    else ops::emit_episode(events_, {"flood", ctx.flow.to_string(), "", "ban", reason}, episode_key(ctx));
  }
}

Verdict FloodGuard::on_raw(const Context& ctx, std::string_view) {
  if (ctx.allowlisted) return Verdict::pass();
  uint64_t key = ctx.registered ? ctx.flow_hash : hash_address(ctx.address);
  uint32_t n = per_source_.add(key, ctx.now_ms);
  if (n > config_.max_per_source) {
    if (!bans_.banned(ctx.address, ctx.flow.port, ctx.registered, ctx.now_ms, false)) ban(ctx, false, n);
    dropped_.inc();
    return Verdict::drop("flood", "source over its flood limit");
  }
  // Authenticated flows never count toward their prefix: a busy NAT of real phones is not a flood.
  if (ctx.registered) return Verdict::pass();
  uint32_t p = per_prefix_.add(hash_address(ctx.address.counting_prefix(), 0x7f), ctx.now_ms);
  if (p > config_.max_per_prefix) {
    if (!bans_.banned(ctx.address, ctx.flow.port, false, ctx.now_ms, false)) ban(ctx, true, p);
    dropped_.inc();
    return Verdict::drop("flood", "prefix over its flood limit");
  }
  return Verdict::pass();
}

}  // namespace imsguard::guard
