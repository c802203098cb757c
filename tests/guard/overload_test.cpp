#include "guard/overload.h"
#include "../support/test_telemetry.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

using testing::ctx_at;
using testing::flow;
using testing::request;

TEST(OverloadGuard, ShedsStrangersFirstWith503ThenSilently) {
  test::Telemetry t;
  config::OverloadGuard c;
  c.max_inflight = 1000;
  c.max_rps = 100;
  c.retry_after_s = 7;
  OverloadGuard g(c, t.metrics);
  auto stranger = flow("192.0.2.1"), phone = flow("192.0.2.2");
  auto r = request("REGISTER", "alice");
  int passed = 0, rejected = 0, dropped = 0, phone_stopped = 0;
  for (int i = 0; i < 300; ++i) {
    Verdict v = g.on_request(ctx_at(stranger, 5000), r->msg);
    if (v.action == Action::kContinue) ++passed;
    if (v.action == Action::kReject) {
      ++rejected;
      EXPECT_EQ(v.code, 503);
      EXPECT_EQ(v.retry_after_s, 7u);
    }
    if (v.action == Action::kDrop) ++dropped;
    phone_stopped += g.on_request(ctx_at(phone, 5000, true), r->msg).stops();
  }
  EXPECT_EQ(phone_stopped, 0);
  EXPECT_GT(passed, 0);
  EXPECT_GT(rejected, 0);
  EXPECT_GT(dropped, 0);
  // Load gone: served again.
  EXPECT_FALSE(g.on_request(ctx_at(stranger, 9000), r->msg).stops());
}

TEST(OverloadGuard, InflightPastCapacityShedsUnauthenticatedTraffic) {
  test::Telemetry t;
  config::OverloadGuard c;
  c.max_inflight = 2;
  OverloadGuard g(c, t.metrics);
  auto r = request("OPTIONS", "x");
  for (int i = 0; i < 3; ++i) g.enter();
  EXPECT_EQ(g.on_request(ctx_at(flow("192.0.2.1"), 1000), r->msg).code, 503);
  EXPECT_FALSE(g.on_request(ctx_at(flow("192.0.2.2"), 1000, true), r->msg).stops());
  for (int i = 0; i < 3; ++i) g.leave();
  EXPECT_FALSE(g.on_request(ctx_at(flow("192.0.2.1"), 1000), r->msg).stops());
}

}  // namespace
}  // namespace imsguard::guard
