// The registration security event goes through the episode log's cap (ops/episodes.h): a
// storm of registrations from many flows writes at most the per-second budget of lines and
// counts the rest as suppressed, instead of one written and flushed line per REGISTER.
#include "edge/activity.h"
#include "../support/test_telemetry.h"

#include "ops/episodes.h"
#include "ops/events.h"

#include <gtest/gtest.h>

#include <string>

namespace imsguard::edge {
namespace {

net::Flow flow_from(int i) {
  net::Flow f;
  f.address = asio::ip::make_address("10.20." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255));
  f.port = 5060;
  return f;
}

TEST(RegistrationEvents, AStormOfRegistrationsIsHeldToTheEventCap) {
  test::Telemetry t;
  ops::ActivityLog log(t.metrics);
  store::Subscriber sub;
  sub.impi = "storm@ims.local";
  const int n = 400;
  const uint64_t written_before = t.events.emitted();
  const uint64_t suppressed_before = t.events.episodes().suppressed_total();
  for (int i = 0; i < n; ++i) report_registration(t.events, log, flow_from(i), sub, "sip:storm@ims.local", 1, 600);
  const uint64_t written = t.events.emitted() - written_before;
  const uint64_t suppressed = t.events.episodes().suppressed_total() - suppressed_before;
  // 50 lines a second (EpisodeOptions): the loop may straddle a few second boundaries, and
  // the episode thread may write its "suppressed" line meanwhile; never one line each.
  EXPECT_GE(written, 1u);
  EXPECT_LE(written, 200u) << "registration events bypass the cap";
  EXPECT_GE(suppressed, static_cast<uint64_t>(n) - 200) << written << " written";
  EXPECT_GE(written + suppressed, static_cast<uint64_t>(n)) << "every event is written or counted";
}

TEST(RegistrationEvents, APhonesRefreshesAreOneEpisode) {
  test::Telemetry t;
  ops::ActivityLog log(t.metrics);
  store::Subscriber sub;
  sub.impi = "refresh@ims.local";
  net::Flow f = flow_from(4000);
  f.port = 5099;
  const uint64_t written_before = t.events.emitted();
  for (int i = 0; i < 20; ++i) report_registration(t.events, log, f, sub, "sip:refresh@ims.local", 1, 600);
  // The first is written at once; the other 19 are counted in its episode's summary.
  EXPECT_LE(t.events.emitted() - written_before, 2u);
}

}  // namespace
}  // namespace imsguard::edge
