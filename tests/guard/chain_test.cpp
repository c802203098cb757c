#include "guard/chain.h"
#include "../support/test_telemetry.h"

#include "guard/bruteforce.h"
#include "guard/control.h"
#include "helpers.h"

#include <unistd.h>

#include <algorithm>

namespace imsguard::guard {
namespace {

using testing::flow;
using testing::request;

TEST(Chain, FollowsTheConfiguredOrderAndSwitches) {
  test::Telemetry t;
  config::Config cfg;
  cfg.guards.order = {"overload", "scanner", "banlist", "flood", "ratelimit", "bruteforce"};
  cfg.guards.ratelimit.enabled = false;
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  auto names = chain->names();
  std::vector<std::string_view> expected{"overload", "scanner", "banlist", "flood", "bruteforce"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(chain->find("ratelimit"), nullptr);
}

TEST(Chain, BadAllowlistIsAnError) {
  test::Telemetry t;
  config::Config cfg;
  cfg.guards.flood.allowlist = {"10.0.0.0/8", "300.1.1.1"};
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.code(), Code::kInvalid);
  EXPECT_NE(created.message().find("guards.flood.allowlist"), std::string::npos) << created.message();
}

TEST(Chain, AllowlistedSourceIsNeverBanned) {
  test::Telemetry t;
  config::Config cfg;
  cfg.guards.flood.allowlist = {"192.0.2.0/24"};
  cfg.guards.flood.max_per_source = 10;
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  auto f = flow("192.0.2.5");
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(chain->on_raw(chain->context(f, 1000), "x").stops());
  auto r = request("OPTIONS", "x", "friendly-scanner");
  EXPECT_FALSE(chain->on_request(chain->context(f, 1000), r->msg).stops());
}

TEST(Chain, ScannerBanIsEnforcedOnRawBytesAndAuthenticationMarksTheFlow) {
  test::Telemetry t;
  config::Config cfg;
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  auto scanner = flow("192.0.2.66"), phone = flow("192.0.2.66", 7000);
  auto r = request("OPTIONS", "100", "friendly-scanner");
  EXPECT_EQ(chain->on_request(chain->context(scanner, 1000), r->msg).action, Action::kDrop);
  EXPECT_EQ(chain->on_raw(chain->context(scanner, 1001), "x").action, Action::kDrop);
  // A phone behind the same address that authenticates is told apart from the scanner.
  auto reg = request("REGISTER", "alice", "Linphone", testing::digest("alice@ims.local"));
  EXPECT_FALSE(chain->context(phone, 1002).registered);
  chain->on_auth(chain->context(phone, 1002), reg->msg, AuthInfo{AuthEvent::kAuthenticated, "alice@ims.local", ""});
  EXPECT_TRUE(chain->context(phone, 1003).registered);
  EXPECT_FALSE(chain->on_raw(chain->context(phone, 1003), "x").stops());
}

// The chain remembers the addresses of authenticated flows too: a UDP message from another
// port of that address may be a spoofer's, so the guards must not ban on it (F8).
TEST(Chain, AuthenticationMarksTheAddressForEveryFlowFromIt) {
  test::Telemetry t;
  config::Config cfg;
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  auto phone = flow("192.0.2.80", 7000), other = flow("192.0.2.80", 7001), stranger = flow("192.0.2.81", 7000);
  EXPECT_FALSE(chain->context(other, 1000).address_registered);
  auto reg = request("REGISTER", "alice", "Linphone", testing::digest("alice@ims.local"));
  chain->on_auth(chain->context(phone, 1000), reg->msg, AuthInfo{AuthEvent::kAuthenticated, "alice@ims.local", ""});
  EXPECT_TRUE(chain->context(other, 1001).address_registered);
  EXPECT_FALSE(chain->context(other, 1001).registered);
  EXPECT_FALSE(chain->context(stranger, 1001).address_registered);
  EXPECT_FALSE(chain->context(other, 1001).may_ban());
  auto r = request("OPTIONS", "100", "friendly-scanner");
  EXPECT_EQ(chain->on_request(chain->context(other, 1002), r->msg).action, Action::kDrop);
  EXPECT_FALSE(chain->on_raw(chain->context(other, 1003), "x").stops()) << "dropped, not banned";
}

TEST(Control, BanAddListRemove) {
  test::Telemetry t;
  BanList bans;
  std::string out = handle_control_line(bans, t.events, 3600, "ban add 192.0.2.9 120 brute force from the lab", 0);
  EXPECT_EQ(out, "banned 192.0.2.9 for 120 s\nOK\n");
  out = handle_control_line(bans, t.events, 3600, "ban add 198.51.100.0/24 - 42 is the reason", 0);
  EXPECT_EQ(out, "banned 198.51.100.0/24 for 3600 s\nOK\n");
  out = handle_control_line(bans, t.events, 3600, "ban list", 1000);
  EXPECT_NE(out.find("192.0.2.9 ttl=119s hits=0 by=admin reason=\"brute force from the lab\""), std::string::npos) << out;
  EXPECT_NE(out.find("198.51.100.0/24 ttl=3599s hits=0 by=admin reason=\"42 is the reason\""), std::string::npos) << out;
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "ban remove 192.0.2.9", 0), "removed 192.0.2.9\nOK\n");
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "ban remove 192.0.2.9", 0).rfind("ERROR no ban", 0), 0u);
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "ban add nonsense", 0).rfind("ERROR not an IP", 0), 0u);
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "ban add 10.0.0.1 0", 0).rfind("ERROR ttl", 0), 0u);
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "shutdown", 0).rfind("ERROR expected", 0), 0u);
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "", 0).rfind("ERROR", 0), 0u);
}

TEST(Control, SocketRoundTrip) {
  test::Telemetry t;
  char dir[] = "/tmp/imsguard-control-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/control.sock";
  BanList bans;
  {
    ControlServer server(bans, t.events, &steady_now_ms, [] { return 600u; });
    ASSERT_TRUE(server.start(path).ok());
    auto added = control_request(path, "ban add 203.0.113.7 - test");
    EXPECT_TRUE(added.ok) << added.text;
    EXPECT_TRUE(bans.banned(Address::from(asio::ip::make_address("203.0.113.7")), 1, false, steady_now_ms()));
    auto listed = control_request(path, "ban list");
    EXPECT_TRUE(listed.ok);
    EXPECT_NE(listed.text.find("203.0.113.7"), std::string::npos) << listed.text;
    auto bad = control_request(path, "ban remove 203.0.113.8");
    EXPECT_FALSE(bad.ok);
    EXPECT_NE(bad.text.find("no ban"), std::string::npos) << bad.text;
  }
  auto gone = control_request(path, "ban list");
  EXPECT_FALSE(gone.ok);
  EXPECT_NE(gone.text.find("cannot reach"), std::string::npos);
  ::rmdir(dir);
}

}  // namespace
}  // namespace imsguard::guard

namespace imsguard::guard {
namespace {

// The chain's dependencies come through its constructor (ChainDeps from the composition root):
// a fake clock drives a lockout to its end without sleeping, and the brute-force guard counts
// into the shared state it was built with.
struct RecordingShared final : SharedFailures {
  void count_failure(std::string_view key, int64_t) override { counted.emplace_back(key); }
  void publish_lockout(std::string_view key, int64_t lock_ms) override { published.emplace_back(key, lock_ms); }
  std::vector<std::string> counted;
  std::vector<std::pair<std::string, int64_t>> published;
};

config::Config brute_force_only() {
  config::Config cfg;
  cfg.guards.order = {"bruteforce"};
  cfg.guards.bruteforce = testing::brute_force_limits(3, 100, 1000);
  return cfg;
}

TEST(ChainDeps, ALockoutEndsOnTheInjectedClockWithoutSleeping) {
  test::Telemetry t;
  int64_t now = 5'000'000;  // fake monotonic milliseconds
  auto created = Chain::create(brute_force_only(), ChainDeps{[&now] { return now; }, nullptr, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  EXPECT_EQ(chain->now_ms(), now);
  const auto f = testing::flow("192.0.2.31");
  auto r = testing::request("REGISTER", "alice", "x", testing::digest("alice@ims.local"));
  for (int i = 0; i < 3; ++i)
    chain->on_auth(chain->context(f), r->msg, AuthInfo{AuthEvent::kFailed, "alice@ims.local", "wrong", true});
  // The context takes its time from the injected clock: the source is locked at `now`...
  EXPECT_EQ(chain->on_request(chain->context(f), r->msg).action, Action::kDrop);
  auto* bf = dynamic_cast<BruteForceGuard*>(chain->find("bruteforce"));
  ASSERT_NE(bf, nullptr);
  EXPECT_EQ(bf->source_locked_ms(chain->context(f)), 60'000);
  now += 59'999;  // ...one millisecond before the end it still is...
  EXPECT_EQ(chain->on_request(chain->context(f), r->msg).action, Action::kDrop);
  EXPECT_EQ(bf->source_locked_ms(chain->context(f)), 1);
  now += 1;  // ...and at the end of the 60 s lockout, with no sleep, it is lifted.
  EXPECT_FALSE(chain->on_request(chain->context(f), r->msg).stops());
  EXPECT_TRUE(bf->lockouts(chain->now_ms()).empty());
}

TEST(ChainDeps, TheBruteForceGuardCountsIntoTheSharedStateItWasBuiltWith) {
  test::Telemetry t;
  RecordingShared shared;
  int64_t now = 1'000;
  auto created = Chain::create(brute_force_only(), ChainDeps{[&now] { return now; }, &shared, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  const auto f = testing::flow("192.0.2.32");
  auto r = testing::request("REGISTER", "bob", "x", testing::digest("bob@ims.local"));
  for (int i = 0; i < 3; ++i)
    chain->on_auth(chain->context(f), r->msg, AuthInfo{AuthEvent::kFailed, "bob@ims.local", "wrong", true});
  // Each guess counted for the source and the identity; the local lockout published.
  EXPECT_EQ(std::count(shared.counted.begin(), shared.counted.end(), "impi:bob@ims.local"), 3);
  EXPECT_EQ(std::count(shared.counted.begin(), shared.counted.end(), "src:192.0.2.32"), 3);
  ASSERT_EQ(shared.published.size(), 1u);
  EXPECT_EQ(shared.published[0], std::make_pair(std::string("src:192.0.2.32"), int64_t{60'000}));
  // A reload that changes the thresholds keeps the same guard, still counting into `shared`.
  auto cfg = brute_force_only();
  cfg.guards.bruteforce.max_failures = 10;
  ASSERT_TRUE(chain->reload(cfg).error.ok());
  chain->on_auth(chain->context(testing::flow("192.0.2.33")), r->msg,
                 AuthInfo{AuthEvent::kFailed, "bob@ims.local", "wrong", true});
  EXPECT_EQ(std::count(shared.counted.begin(), shared.counted.end(), "impi:bob@ims.local"), 4);
}

// A guard reports into the sink and registry its chain was built with (ChainDeps), and
// nowhere else: another node's (here another test::Telemetry) sees nothing.
TEST(ChainDeps, AGuardsEventsAndCountersGoToTheSinkAndRegistryItWasBuiltWith) {
  test::Telemetry mine, other;
  config::Config cfg;
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &mine.metrics, &mine.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  ASSERT_TRUE(chain->find("scanner"));
  auto scan = testing::request("OPTIONS", "probe", "friendly-scanner");
  EXPECT_TRUE(chain->on_request(chain->context(testing::flow("198.51.100.7")), scan->msg).stops());
  EXPECT_EQ(mine.value("imsguard_guard_dropped_total{guard=\"scanner\"}"), 1u);
  EXPECT_GE(mine.events.emitted(), 1u) << "the scanner's drop was not reported to the chain's sink";
  EXPECT_EQ(other.events.emitted(), 0u);
  EXPECT_TRUE(other.metrics.snapshot().empty());

  // The brute-force guard's lockout (written directly, not through an episode) likewise.
  test::Telemetry bf_sink;
  int64_t now = 1'000;
  auto bf_created = Chain::create(brute_force_only(), ChainDeps{[&now] { return now; }, nullptr, &bf_sink.metrics, &bf_sink.events});
  ASSERT_TRUE(bf_created.ok()) << bf_created.message();
  auto bf_chain = std::move(bf_created).value();
  const uint64_t before = mine.events.emitted();
  auto r = testing::request("REGISTER", "carol", "x", testing::digest("carol@ims.local"));
  for (int i = 0; i < 3; ++i)
    bf_chain->on_auth(bf_chain->context(testing::flow("192.0.2.44")), r->msg,
                      AuthInfo{AuthEvent::kFailed, "carol@ims.local", "wrong", true});
  EXPECT_EQ(bf_sink.value("imsguard_guard_lockouts_total"), 1u);
  EXPECT_EQ(bf_sink.events.emitted(), 1u) << "one lockout, one event in the sink the chain was built with";
  EXPECT_EQ(mine.events.emitted(), before) << "the other chain's sink saw the lockout";
  EXPECT_EQ(other.events.emitted(), 0u);
}

}  // namespace
}  // namespace imsguard::guard
