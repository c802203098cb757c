#pragma once
// Load shedding: when the edge is past its capacity (more requests in flight than
// max_inflight, or more requests per second than max_rps), traffic from flows that have
// not authenticated is shed first, with 503 and Retry-After while the excess is moderate
// and silently once it is more than twice the capacity (answering an attack only feeds it).
// Authenticated flows keep being served.
#include "config/config.h"
#include "guard/guard.h"

#include <atomic>

namespace imsguard::guard {

class OverloadGuard final : public Guard {
 public:
  // `metrics`: the node's registry (guard::ChainDeps).
  OverloadGuard(const config::OverloadGuard& config, ops::CounterRegistry& metrics);
  std::string_view name() const override { return "overload"; }
  Verdict on_request(const Context& ctx, const sip::Message& msg) override;

  // The chain counts every message between entry and exit.
  void enter() { inflight_.fetch_add(1, std::memory_order_relaxed); }
  void leave() { inflight_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t inflight() const { return inflight_.load(std::memory_order_relaxed); }
  // Requests per second over the last second (sliding), this request included.
  uint32_t count_request(int64_t now_ms);

 private:
  config::OverloadGuard config_;
  std::atomic<int64_t> inflight_{0};
  std::atomic<int64_t> second_{0};
  std::atomic<uint32_t> current_{0};
  std::atomic<uint32_t> previous_{0};
  ops::Counter& shed_503_;
  ops::Counter& shed_drop_;
};

}  // namespace imsguard::guard
