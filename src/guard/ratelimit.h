#pragma once
// Token buckets per source (per flow once it authenticated), per claimed IMPI and per
// source and method. Over the limit, a stranger's request is dropped silently (answering a
// flood only feeds it) and an authenticated flow gets 503 with Retry-After so a real phone
// backs off instead of retransmitting.
#include "config/config.h"
#include "guard/guard.h"
#include "guard/slot_table.h"
#include "guard/token_bucket.h"

namespace imsguard::guard {

class RateLimitGuard final : public Guard {
 public:
  explicit RateLimitGuard(const config::RateLimitGuard& config);
  std::string_view name() const override { return "ratelimit"; }
  Verdict on_request(const Context& ctx, const sip::Message& msg) override;
  size_t memory_bytes() const override { return buckets_.memory_bytes(); }

 private:
  Verdict over(const Context& ctx, std::string_view what);

  config::RateLimitGuard config_;
  SlotTable<TokenBucket> buckets_;
  ops::Counter& dropped_;
  ops::Counter& rejected_;
};

}  // namespace imsguard::guard
