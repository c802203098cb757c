#pragma once
// Token buckets for strangers (sources that have not authenticated): per source, per source
// and method, per claimed IMPI. Over the limit a stranger's request is dropped silently
// (answering a flood only feeds it).
//
// A flow that authenticated gets one bucket of its own (authenticated_rps, authenticated_burst)
// and nothing else: a stranger claiming its IMPI cannot drain it, and the bucket is deep enough
// that the requests a busy client queued while the edge was stalled by a flood do not overflow
// it when they arrive together. Over that limit it gets 503 with Retry-After so a real phone
// backs off instead of retransmitting.
//
// Each time a key (source, flow, method or identity) goes over its limit after having been
// within it, one security event is emitted and counted: a flood yields one event per source,
// not one per message.
#include "config/config.h"
#include "guard/guard.h"
#include "guard/slot_table.h"
#include "guard/token_bucket.h"

namespace imsguard::guard {

class RateLimitGuard final : public Guard {
 public:
  // `metrics`, `events`: the node's registry and sink (guard::ChainDeps).
  RateLimitGuard(const config::RateLimitGuard& config, ops::CounterRegistry& metrics, ops::EventSink& events);
  std::string_view name() const override { return "ratelimit"; }
  Verdict on_request(const Context& ctx, const sip::Message& msg) override;
  size_t memory_bytes() const override { return buckets_.memory_bytes(); }

 private:
  // A bucket and whether its key is over the limit now (so the event fires on the edge only).
  struct Limited {
    TokenBucket bucket;
    bool over = false;
  };
  enum class Take : uint8_t { kOk, kOver, kNewlyOver };
  Take take(uint64_t key, const Context& ctx, uint32_t rate, uint32_t burst);
  Verdict over(const Context& ctx, const sip::Message& msg, Take take, std::string_view what);

  config::RateLimitGuard config_;
  SlotTable<Limited> buckets_;
  ops::Counter& dropped_;
  ops::Counter& rejected_;
  ops::Counter& limited_;
  ops::EventSink& events_;
};

}  // namespace imsguard::guard
