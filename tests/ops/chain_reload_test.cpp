// Reload of the defence chain (SIGHUP): new thresholds and allowlists apply at once, what
// the guards learned survives where the settings did not change, and a bad config changes
// nothing.
#include "guard/chain.h"
#include "../support/test_telemetry.h"

#include "guard/bruteforce.h"
#include "guard/control.h"
#include "../guard/helpers.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace imsguard::guard {
namespace {

using testing::flow;
using testing::request;

std::unique_ptr<Chain> make(test::Telemetry& t, const config::Config& cfg) {
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  EXPECT_TRUE(created.ok()) << created.message();
  if (!created.ok()) return nullptr;
  return std::move(created).value();
}

int drops(Chain& chain, const net::Flow& f, int messages, int64_t now) {
  int n = 0;
  for (int i = 0; i < messages; ++i) n += chain.on_raw(chain.context(f, now), "OPTIONS").stops() ? 1 : 0;
  return n;
}

bool has_note(const Chain::ReloadResult& r, const std::string& text) {
  for (const auto& n : r.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

TEST(ChainReload, NewFloodThresholdAppliesAndBansAreKept) {
  test::Telemetry t;
  config::Config cfg;
  auto chain = make(t, cfg);
  chain->bans().ban(*parse_prefix("192.0.2.99"), 0, 600, "operator", "admin", false, 1000);
  EXPECT_EQ(drops(*chain, flow("192.0.2.1"), 20, 1000), 0);

  cfg.guards.flood.max_per_source = 5;
  auto r = chain->reload(cfg);
  ASSERT_TRUE(r.error.ok());
  EXPECT_TRUE(has_note(r, "guards.flood: new settings applied")) << ::testing::PrintToString(r.notes);
  EXPECT_EQ(chain->settings().flood.max_per_source, 5u);
  EXPECT_GT(drops(*chain, flow("192.0.2.2"), 20, 1001), 0);
  EXPECT_EQ(chain->on_raw(chain->context(flow("192.0.2.99"), 1002), "x").action, Action::kDrop);
}

TEST(ChainReload, AllowlistIsReplaced) {
  test::Telemetry t;
  config::Config cfg;
  auto chain = make(t, cfg);
  auto f = flow("198.51.100.7");
  EXPECT_FALSE(chain->context(f, 1000).allowlisted);
  cfg.guards.flood.allowlist = {"198.51.100.0/24"};
  auto r = chain->reload(cfg);
  ASSERT_TRUE(r.error.ok());
  EXPECT_TRUE(has_note(r, "guards.flood.allowlist: 1 entries applied"));
  EXPECT_TRUE(chain->context(f, 1000).allowlisted);
  cfg.guards.flood.allowlist.clear();
  ASSERT_TRUE(chain->reload(cfg).error.ok());
  EXPECT_FALSE(chain->context(f, 1000).allowlisted);
}

TEST(ChainReload, ABadConfigChangesNothing) {
  test::Telemetry t;
  config::Config cfg;
  cfg.guards.flood.max_per_source = 7;
  auto chain = make(t, cfg);
  auto* flood = chain->find("flood");
  config::Config bad = cfg;
  bad.guards.flood.max_per_source = 3;
  bad.guards.flood.allowlist = {"10.0.0.0/8", "not-an-address"};
  auto r = chain->reload(bad);
  EXPECT_EQ(r.error.code(), Code::kInvalid);
  EXPECT_NE(r.error.message().find("guards.flood.allowlist"), std::string::npos) << r.error.message();
  EXPECT_EQ(chain->settings().flood.max_per_source, 7u);
  EXPECT_EQ(chain->find("flood"), flood);
  EXPECT_FALSE(chain->context(flow("10.1.2.3"), 1000).allowlisted);
}

TEST(ChainReload, UnchangedGuardsKeepTheirStateAndBruteForceLockoutsSurvive) {
  test::Telemetry t;
  config::Config cfg;
  auto chain = make(t, cfg);
  auto* flood = chain->find("flood");
  auto* bf = dynamic_cast<BruteForceGuard*>(chain->find("bruteforce"));
  ASSERT_NE(bf, nullptr);
  auto attacker = flow("203.0.113.5");
  auto r = request("REGISTER", "alice", "testphone/1.0", testing::digest("alice@ims.local"));
  for (uint32_t i = 0; i <= cfg.guards.bruteforce.max_failures; ++i)
    chain->on_auth(chain->context(attacker, 1000 + i), r->msg, AuthInfo{AuthEvent::kFailed, "alice@ims.local", "wrong", true});
  ASSERT_GT(bf->source_locked_ms(chain->context(attacker, 1100)), 0);
  // An authenticated phone stays known across the reload.
  auto phone = flow("203.0.113.6", 6000);
  chain->on_auth(chain->context(phone, 1100), r->msg, AuthInfo{AuthEvent::kAuthenticated, "bob@ims.local", ""});

  config::Config next = cfg;
  next.guards.scanner.max_distinct_users = 3;
  next.guards.bruteforce.max_failures = 50;
  auto result = chain->reload(next);
  ASSERT_TRUE(result.error.ok());
  EXPECT_TRUE(has_note(result, "guards.bruteforce: new thresholds applied"));
  EXPECT_EQ(chain->find("flood"), flood);       // unchanged: the same instance, its windows kept
  EXPECT_EQ(chain->find("bruteforce"), bf);     // kept whatever changed: its lockouts are state
  EXPECT_GT(bf->source_locked_ms(chain->context(attacker, 1200)), 0);
  EXPECT_EQ(chain->settings().bruteforce.max_failures, 50u);
  EXPECT_EQ(bf->settings().max_failures, 50u);
  EXPECT_EQ(chain->settings().scanner.max_distinct_users, 3u);
  EXPECT_TRUE(chain->context(phone, 1200).registered);
  // The new threshold is in force at once: as many failures as locked the first attacker
  // out before the reload no longer lock a second one.
  auto second = flow("203.0.113.7");
  for (uint32_t i = 0; i <= cfg.guards.bruteforce.max_failures; ++i)
    chain->on_auth(chain->context(second, 1300 + i), r->msg, AuthInfo{AuthEvent::kFailed, "carol@ims.local", "wrong", true});
  EXPECT_EQ(bf->source_locked_ms(chain->context(second, 1400)), 0);
}

TEST(ChainReload, GuardsSwitchOnAndOff) {
  test::Telemetry t;
  config::Config cfg;
  auto chain = make(t, cfg);
  config::Config next = cfg;
  next.guards.ratelimit.enabled = false;
  auto r = chain->reload(next);
  ASSERT_TRUE(r.error.ok());
  EXPECT_TRUE(has_note(r, "guards.ratelimit: switched off"));
  EXPECT_EQ(chain->find("ratelimit"), nullptr);
  r = chain->reload(cfg);
  EXPECT_TRUE(has_note(r, "guards.ratelimit: switched on"));
  EXPECT_NE(chain->find("ratelimit"), nullptr);
}

TEST(ChainReload, MessagesKeepFlowingWhileReloading) {
  test::Telemetry t;
  config::Config cfg;
  auto chain = make(t, cfg);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> handled{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&, w] {
      auto f = flow("192.0.2." + std::to_string(10 + w));
      auto r = request("OPTIONS", "carol");
      for (int i = 0; i < 20000 && !stop; ++i) {
        Chain::Inflight inflight(chain->load_tracker());
        auto ctx = chain->context(f, 1000 + i / 1000);
        if (!chain->on_raw(ctx, "OPTIONS").stops()) (void)chain->on_request(ctx, r->msg);
        ++handled;
      }
    });
  for (int i = 0; i < 50; ++i) {
    config::Config next = cfg;
    next.guards.flood.max_per_source = 1000 + static_cast<uint32_t>(i);
    next.guards.overload.max_inflight = 4000 + static_cast<uint32_t>(i);
    next.guards.ratelimit.per_source_rps = 100 + static_cast<uint32_t>(i);
    ASSERT_TRUE(chain->reload(next).error.ok());
  }
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_GT(handled.load(), 0u);
  EXPECT_EQ(chain->settings().flood.max_per_source, 1049u);
}

// A replaced generation is held for 120 s (a message may still be inside it) and freed by the
// first reload after that: the clock is passed, so the test reaches the grace period.
TEST(ChainReload, ReplacedGenerationsAreFreedAfterTheGracePeriod) {
  test::Telemetry t;
  config::Config cfg;
  auto chain = make(t, cfg);
  auto next = [&](uint32_t n) {
    config::Config c = cfg;
    c.guards.flood.max_per_source = 1000 + n;
    return c;
  };
  const int64_t t0 = chain->now_ms();
  EXPECT_EQ(chain->retired_generations(), 0u);
  ASSERT_TRUE(chain->reload(next(1), t0).error.ok());  // the first generation retired at t0
  EXPECT_EQ(chain->retired_generations(), 1u);
  ASSERT_TRUE(chain->reload(next(2), t0 + 60'000).error.ok());
  EXPECT_EQ(chain->retired_generations(), 2u);
  ASSERT_TRUE(chain->reload(next(3), t0 + 120'000).error.ok());  // exactly 120 s: still held
  EXPECT_EQ(chain->retired_generations(), 3u);
  ASSERT_TRUE(chain->reload(next(4), t0 + 120'001).error.ok());  // the one retired at t0 is freed
  EXPECT_EQ(chain->retired_generations(), 3u);
  ASSERT_TRUE(chain->reload(next(5), t0 + 250'000).error.ok());  // all older than 130 s are freed
  EXPECT_EQ(chain->retired_generations(), 1u);
  EXPECT_EQ(chain->settings().flood.max_per_source, 1005u);
  // The chain in force still works after its predecessors were freed.
  auto f = flow("192.0.2.77");
  EXPECT_EQ(drops(*chain, f, 10, t0 + 250'000), 0);
}

// guards.banlist.default_ttl_s is applied on reload: the control socket (`imsguard ban add`
// without a TTL) reads the TTL in force, also while reloads run beside it.
TEST(ChainReload, TheControlSocketBansForTheDefaultTtlInForce) {
  test::Telemetry t;
  config::Config cfg;
  cfg.guards.banlist.default_ttl_s = 600;
  auto chain = make(t, cfg);
  char dir[] = "/tmp/imsguard-control-ttl-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/control.sock";
  ASSERT_TRUE(chain->start_control(path).ok());
  auto first = control_request(path, "ban add 203.0.113.1 - first");
  EXPECT_NE(first.text.find("for 600 s"), std::string::npos) << first.text;
  std::atomic<bool> stop{false};
  std::thread reloads([&] {
    config::Config c = cfg;
    for (uint32_t i = 0; !stop && i < 5000; ++i) {  // bounded: each keeps a retired generation
      c.guards.banlist.default_ttl_s = 1000 + i % 2;
      chain->reload(c);
    }
  });
  for (int i = 0; i < 20; ++i) {
    auto r = control_request(path, "ban add 203.0.113." + std::to_string(10 + i) + " - racing");
    EXPECT_TRUE(r.text.find("for 1000 s") != std::string::npos || r.text.find("for 1001 s") != std::string::npos ||
                r.text.find("for 600 s") != std::string::npos)
        << r.text;
  }
  stop = true;
  reloads.join();
  cfg.guards.banlist.default_ttl_s = 777;
  ASSERT_TRUE(chain->reload(cfg).error.ok());
  auto last = control_request(path, "ban add 203.0.113.2 - last");
  EXPECT_NE(last.text.find("for 777 s"), std::string::npos) << last.text;
  chain->stop_control();
  ::rmdir(dir);
}

}  // namespace
}  // namespace imsguard::guard
