#include "guard/flood.h"
#include "../support/test_telemetry.h"

#include "helpers.h"


namespace imsguard::guard {
namespace {

using testing::ctx_at;
using testing::flow;

config::FloodGuard small_limits() {
  config::FloodGuard c;
  c.window_s = 2;
  c.max_per_source = 100;
  c.max_per_prefix = 400;
  c.ban_ttl_s = 60;
  c.memory_budget_kb = 1024;
  return c;
}

// Sends n messages from f at `now` (no time passes) and returns how many were dropped.
int send(FloodGuard& g, const net::Flow& f, int n, int64_t now, bool registered = false) {
  int dropped = 0;
  for (int i = 0; i < n; ++i) dropped += g.on_raw(ctx_at(f, now, registered), "x").stops();
  return dropped;
}

TEST(FloodGuard, BansASourceOverItsLimitAndNotOneUnder) {
  test::Telemetry t;
  BanList bans;
  FloodGuard g(small_limits(), bans, t.metrics, t.events);
  auto attacker = flow("192.0.2.1"), quiet = flow("198.51.100.1");
  EXPECT_EQ(send(g, quiet, 90, 1000), 0);
  EXPECT_EQ(send(g, attacker, 150, 1000), 50);
  EXPECT_TRUE(bans.banned(Address::from(attacker.address), attacker.port, false, 1001));
  EXPECT_FALSE(bans.banned(Address::from(quiet.address), quiet.port, false, 1001));
  auto list = bans.list(1001);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_NE(list[0].reason.find("limit 100"), std::string::npos) << list[0].reason;
  EXPECT_EQ(list[0].by, "flood");
}

TEST(FloodGuard, WindowSlidesSoASteadySourceUnderTheRateIsNeverBanned) {
  test::Telemetry t;
  BanList bans;
  FloodGuard g(small_limits(), bans, t.metrics, t.events);
  auto f = flow("192.0.2.1");
  // 40 per second = 80 per 2 s window, under 100, for 20 s.
  int dropped = 0;
  for (int64_t at = 0; at < 20'000; at += 25) dropped += send(g, f, 1, at);
  EXPECT_EQ(dropped, 0);
  EXPECT_EQ(bans.size(), 0u);
}

TEST(FloodGuard, ManySourcesEachUnderTheLimitBanTheirPrefix) {
  test::Telemetry t;
  BanList bans;
  FloodGuard g(small_limits(), bans, t.metrics, t.events);
  int dropped = 0;
  for (int round = 0; round < 10; ++round)
    for (int i = 0; i < 256; ++i) dropped += send(g, flow("127.0.1." + std::to_string(i)), 1, 1000 + round);
  EXPECT_GT(dropped, 0);
  EXPECT_TRUE(bans.banned(Address::from(asio::ip::make_address("127.0.1.77")), 1, false, 2000));
  EXPECT_FALSE(bans.banned(Address::from(asio::ip::make_address("127.0.0.3")), 1, false, 2000));
  EXPECT_EQ(send(g, flow("127.0.0.3"), 10, 2000), 0);
  auto list = bans.list(2000);
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0].prefix.to_string(), "127.0.1.0/24");
}

// With the default limits: 256 sources of one /24 at 8 messages each in 2 s (about 1 000/s
// in all, 16 per source per 2 s against a per-source limit of 1 500) is a flood of the prefix;
// 7 each (1 792) is not. A phone of that /24 that authenticated keeps passing after the ban.
TEST(FloodGuard, DefaultPrefixLimitCatchesASlowManySourceFlood) {
  test::Telemetry t;
  config::FloodGuard defaults;
  auto run = [&](int rounds, BanList& bans) {
    FloodGuard g(defaults, bans, t.metrics, t.events);
    int dropped = 0;
    for (int round = 0; round < rounds; ++round)
      for (int i = 0; i < 256; ++i) dropped += send(g, flow("127.0.1." + std::to_string(i)), 1, 2000 + round * 200);
    auto phone = flow("127.0.1.9", 5099);
    EXPECT_EQ(send(g, phone, 20, 3800, true), 0);
    return dropped;
  };
  BanList under;
  EXPECT_EQ(run(7, under), 0);
  EXPECT_EQ(under.size(), 0u);
  BanList over;
  EXPECT_GT(run(8, over), 0);
  auto list = over.list(3800);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].prefix.to_string(), "127.0.1.0/24");
  EXPECT_NE(list[0].reason.find("limit 2000"), std::string::npos) << list[0].reason;
  EXPECT_FALSE(over.banned(Address::from(asio::ip::make_address("127.0.1.9")), 5099, true, 3800));
}

TEST(FloodGuard, RegisteredPhonesBehindOneNatAreCountedPerFlow) {
  test::Telemetry t;
  BanList bans;
  FloodGuard g(small_limits(), bans, t.metrics, t.events);
  auto abusive = flow("203.0.113.5", 40000), neighbour = flow("203.0.113.5", 40001);
  // Over TCP the source is proven: the abusive flow itself is banned.
  abusive.transport = neighbour.transport = config::Transport::kTcp;
  abusive.connection_id = 1;
  neighbour.connection_id = 2;
  EXPECT_GT(send(g, abusive, 300, 1000, true), 0);
  // The neighbour's phone on the same public address keeps working.
  EXPECT_EQ(send(g, neighbour, 50, 1000, true), 0);
  EXPECT_TRUE(bans.banned(Address::from(abusive.address), abusive.port, true, 1001));
  EXPECT_FALSE(bans.banned(Address::from(neighbour.address), neighbour.port, true, 1001));
}

// F8: over UDP anyone can write a registered phone's address and port. What goes over the
// limit is dropped for the window, but never turned into a ban of the phone or its address.
TEST(FloodGuard, UdpEvidenceNeverBansAnAddressWithARegisteredFlow) {
  test::Telemetry t;
  BanList bans;
  FloodGuard g(small_limits(), bans, t.metrics, t.events);
  auto phone = flow("203.0.113.6", 40000), other_port = flow("203.0.113.6", 40002);
  EXPECT_EQ(send(g, phone, 300, 1000, true), 200);
  EXPECT_FALSE(bans.banned(Address::from(phone.address), phone.port, true, 1001));
  // From the same address on another port (not itself registered, but its address is).
  for (int i = 0; i < 300; ++i) {
    Context c = ctx_at(other_port, 1000);
    c.address_registered = true;
    g.on_raw(c, "x");
  }
  EXPECT_FALSE(bans.banned(Address::from(phone.address), other_port.port, false, 1001));
  EXPECT_EQ(bans.size(), 0u);
  // The window passes: the phone is served again.
  EXPECT_EQ(send(g, phone, 50, 6000, true), 0);
}

TEST(FloodGuard, AllowlistedSourcesAreNeverCounted) {
  test::Telemetry t;
  BanList bans;
  FloodGuard g(small_limits(), bans, t.metrics, t.events);
  auto f = flow("192.0.2.1");
  int dropped = 0;
  for (int i = 0; i < 1000; ++i) dropped += g.on_raw(ctx_at(f, 1000, false, true), "x").stops();
  EXPECT_EQ(dropped, 0);
  EXPECT_EQ(bans.size(), 0u);
}

TEST(WindowSketch, WidthFollowsTheBudget) {
  test::Telemetry t;
  WindowSketch small(1000, 64 * 1024), large(1000, 1024 * 1024);
  EXPECT_LE(small.memory_bytes(), 64u * 1024 + 256);
  EXPECT_LE(large.memory_bytes(), 1024u * 1024 + 256);
  EXPECT_GT(large.width(), small.width());
  for (int i = 0; i < 10; ++i) small.add(42, 10);
  EXPECT_EQ(small.estimate(42, 10), 10u);
  // Half a window later the previous window counts for half.
  EXPECT_EQ(small.estimate(42, 1500), 5u);
  EXPECT_EQ(small.estimate(42, 2500), 0u);
}

}  // namespace
}  // namespace imsguard::guard
