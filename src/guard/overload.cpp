#include "guard/overload.h"

#include "ops/events.h"

namespace imsguard::guard {

OverloadGuard::OverloadGuard(const config::OverloadGuard& config, ops::CounterRegistry& metrics)
    : config_(config),
      shed_503_(metrics.get("imsguard_guard_rejected_total{guard=\"overload\"}")),
      shed_drop_(metrics.get("imsguard_guard_dropped_total{guard=\"overload\"}")) {}

uint32_t OverloadGuard::count_request(int64_t now_ms) {
  int64_t sec = now_ms / 1000;
  int64_t seen = second_.load(std::memory_order_relaxed);
  if (sec != seen && second_.compare_exchange_strong(seen, sec)) {
    uint32_t cur = current_.exchange(0, std::memory_order_relaxed);
    previous_.store(sec == seen + 1 ? cur : 0, std::memory_order_relaxed);
  }
  uint32_t cur = current_.fetch_add(1, std::memory_order_relaxed) + 1;
  double overlap = 1.0 - static_cast<double>(now_ms % 1000) / 1000.0;
  return cur + static_cast<uint32_t>(previous_.load(std::memory_order_relaxed) * overlap);
}

Verdict OverloadGuard::on_request(const Context& ctx, const sip::Message&) {
  uint32_t rps = count_request(ctx.now_ms);
  if (ctx.registered || ctx.allowlisted) return Verdict::pass();
  int64_t inflight = this->inflight();
  bool over_inflight = inflight > static_cast<int64_t>(config_.max_inflight);
  bool over_rate = config_.max_rps && rps > config_.max_rps;
  if (!over_inflight && !over_rate) return Verdict::pass();
  bool attack = inflight > 2 * static_cast<int64_t>(config_.max_inflight) || (config_.max_rps && rps > 2 * config_.max_rps);
  if (attack) {
    shed_drop_.inc();
    return Verdict::drop("overload", "overloaded: unauthenticated traffic dropped");
  }
  shed_503_.inc();
  return Verdict::reject("overload", 503, "Service Unavailable (overloaded)", config_.retry_after_s);
}

}  // namespace imsguard::guard
