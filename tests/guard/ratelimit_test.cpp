#include "guard/ratelimit.h"
#include "../support/test_telemetry.h"

#include "helpers.h"
#include "ops/events.h"

#include <filesystem>
#include <fstream>
#include <sstream>

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
  c.authenticated_rps = 20;
  c.authenticated_burst = 30;
  return c;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Security events written to a file for the duration of a test.
class EventCapture {
 public:
  explicit EventCapture(ops::EventSink& sink)
      : sink_(sink), path_(std::filesystem::temp_directory_path() / ("ratelimit-events-" + std::to_string(::getpid()))) {
    std::filesystem::remove(path_);
    EXPECT_TRUE(sink_.open(path_.string()).ok());
  }
  ~EventCapture() {
    (void)sink_.open("none");
    std::filesystem::remove(path_);
  }
  std::string text() {
    (void)sink_.open("none");  // closes (flushes) the file
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_TRUE(sink_.open(path_.string()).ok());
    return ss.str();
  }

 private:
  ops::EventSink& sink_;
  std::filesystem::path path_;
};

TEST(TokenBucket, BurstThenRate) {
  test::Telemetry t;
  TokenBucket b;
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += b.take(0, 10, 5);
  EXPECT_EQ(ok, 5);
  EXPECT_FALSE(b.take(50, 10, 5));   // half a token
  EXPECT_TRUE(b.take(100, 10, 5));   // one token after 100 ms at 10/s
  EXPECT_FALSE(b.take(100, 10, 5));
}

TEST(RateLimitGuard, StrangerOverTheSourceRateIsDroppedSilently) {
  test::Telemetry t;
  RateLimitGuard g(limits(), t.metrics, t.events);
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
  test::Telemetry t;
  RateLimitGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.2");
  Verdict last;
  for (int i = 0; i < 40; ++i) {
    auto r = request("MESSAGE", "bob");
    last = g.on_request(ctx_at(f, 1000, true), r->msg);
  }
  EXPECT_EQ(last.action, Action::kReject);
  EXPECT_EQ(last.code, 503);
  EXPECT_GT(last.retry_after_s, 0u);
}

TEST(RateLimitGuard, PerImpiLimitHoldsAcrossSources) {
  test::Telemetry t;
  RateLimitGuard g(limits(), t.metrics, t.events);
  int passed = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = request("REGISTER", "alice");
    passed += !g.on_request(ctx_at(flow("198.51.100." + std::to_string(i)), 1000), r->msg).stops();
  }
  EXPECT_EQ(passed, 10);  // burst of the alice bucket, whatever the source
  auto other = request("REGISTER", "carol");
  EXPECT_FALSE(g.on_request(ctx_at(flow("198.51.100.200"), 1000), other->msg).stops());
}

TEST(RateLimitGuard, AuthenticatedFlowHasItsOwnDeepBucket) {
  test::Telemetry t;
  RateLimitGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.3");
  // What a busy client queued during a stall arrives at once: the whole authenticated burst
  // passes, far beyond the stranger's per-source and per-method burst of 10.
  int passed = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = request("REGISTER", "dave" + std::to_string(i % 3));
    passed += !g.on_request(ctx_at(f, 1000, true), r->msg).stops();
  }
  EXPECT_EQ(passed, 30);
}

TEST(RateLimitGuard, StrangersClaimingAnIdentityDoNotLimitItsAuthenticatedFlow) {
  test::Telemetry t;
  RateLimitGuard g(limits(), t.metrics, t.events);
  for (int i = 0; i < 40; ++i) {
    auto r = request("REGISTER", "erin");
    g.on_request(ctx_at(flow("198.51.100." + std::to_string(i)), 1000), r->msg);
  }
  auto stranger = request("REGISTER", "erin");
  EXPECT_TRUE(g.on_request(ctx_at(flow("198.51.100.250"), 1000), stranger->msg).stops());
  auto phone = request("REGISTER", "erin");
  EXPECT_FALSE(g.on_request(ctx_at(flow("192.0.2.4"), 1000, true), phone->msg).stops());
}

TEST(RateLimitGuard, GoingOverALimitEmitsOneCountedEventPerEpisode) {
  test::Telemetry t;
  EventCapture events(t.events);
  auto& limited = t.metrics.get("imsguard_guard_limited_total{guard=\"ratelimit\"}");
  uint64_t before = limited.value();
  RateLimitGuard g(limits(), t.metrics, t.events);
  auto f = flow("203.0.113.7", 5070);
  for (int i = 0; i < 40; ++i) {
    auto r = request("REGISTER", "frank");
    g.on_request(ctx_at(f, 1000), r->msg);
  }
  EXPECT_EQ(limited.value(), before + 1);
  std::string text = events.text();
  EXPECT_EQ(count(text, "\"guard\":\"ratelimit\""), 1u) << text;
  EXPECT_NE(text.find("\"source\":\"udp:203.0.113.7:5070\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"identity\":\"frank@ims.local\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"action\":\"drop\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"reason\":\"source over its rate"), std::string::npos) << text;
  EXPECT_NE(text.find("\"time\""), std::string::npos) << text;

  // Back within the limit once every bucket refilled, then over again: a second episode, a
  // second event.
  auto ok = request("REGISTER", "frank");
  EXPECT_FALSE(g.on_request(ctx_at(f, 10'000), ok->msg).stops());
  for (int i = 0; i < 40; ++i) {
    auto r = request("REGISTER", "frank");
    g.on_request(ctx_at(f, 10'000), r->msg);
  }
  EXPECT_EQ(limited.value(), before + 2);
  EXPECT_EQ(count(events.text(), "\"guard\":\"ratelimit\""), 2u);
}

TEST(RateLimitGuard, AuthenticatedFlowOverItsLimitIsReportedAsAReject) {
  test::Telemetry t;
  EventCapture events(t.events);
  RateLimitGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.9", 5080);
  for (int i = 0; i < 40; ++i) {
    auto r = request("MESSAGE", "gina");
    g.on_request(ctx_at(f, 1000, true), r->msg);
  }
  std::string text = events.text();
  EXPECT_EQ(count(text, "\"guard\":\"ratelimit\""), 1u) << text;
  EXPECT_NE(text.find("\"action\":\"reject\""), std::string::npos) << text;
  EXPECT_NE(text.find("authenticated flow over its rate"), std::string::npos) << text;
}

}  // namespace
}  // namespace imsguard::guard
