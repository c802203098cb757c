#include "guard/ratelimit.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

using testing::ctx_at;
using testing::flow;
using testing::request;

config::RateLimitGuard limits() {
  config::RateLimitGuard c;
  c.per_source_rps = 10;
  c.per_impi_rps = 5;
  c.per_method_rps = 8;
  c.burst = 10;
  return c;
}

TEST(TokenBucket, BurstThenRate) {
  TokenBucket b;
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += b.take(0, 10, 5);
  EXPECT_EQ(ok, 5);
  EXPECT_FALSE(b.take(50, 10, 5));   // half a token
  EXPECT_TRUE(b.take(100, 10, 5));   // one token after 100 ms at 10/s
  EXPECT_FALSE(b.take(100, 10, 5));
}

TEST(RateLimitGuard, StrangerOverTheSourceRateIsDroppedSilently) {
  RateLimitGuard g(limits());
  auto f = flow("192.0.2.1");
  int passed = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = request("OPTIONS", "u" + std::to_string(i));
    Verdict v = g.on_request(ctx_at(f, 1000), r->msg);
    if (!v.stops()) ++passed;
    else EXPECT_EQ(v.action, Action::kDrop);
  }
  EXPECT_EQ(passed, 10);  // the burst
  // A second later the bucket has refilled.
  auto r = request("OPTIONS", "later");
  EXPECT_FALSE(g.on_request(ctx_at(f, 2000), r->msg).stops());
}

TEST(RateLimitGuard, RegisteredFlowGets503WithRetryAfter) {
  RateLimitGuard g(limits());
  auto f = flow("192.0.2.2");
  Verdict last;
  for (int i = 0; i < 30; ++i) {
    auto r = request("MESSAGE", "bob");
    last = g.on_request(ctx_at(f, 1000, true), r->msg);
  }
  EXPECT_EQ(last.action, Action::kReject);
  EXPECT_EQ(last.code, 503);
  EXPECT_GT(last.retry_after_s, 0u);
}

TEST(RateLimitGuard, PerImpiLimitHoldsAcrossSources) {
  RateLimitGuard g(limits());
  int passed = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = request("REGISTER", "alice");
    passed += !g.on_request(ctx_at(flow("198.51.100." + std::to_string(i)), 1000), r->msg).stops();
  }
  EXPECT_EQ(passed, 10);  // burst of the alice bucket, whatever the source
  auto other = request("REGISTER", "carol");
  EXPECT_FALSE(g.on_request(ctx_at(flow("198.51.100.200"), 1000), other->msg).stops());
}

}  // namespace
}  // namespace imsguard::guard
