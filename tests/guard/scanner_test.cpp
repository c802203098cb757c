#include "guard/scanner.h"
#include "../support/test_telemetry.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

using testing::ctx_at;
using testing::flow;
using testing::request;

TEST(ScannerGuard, KnownToolsAreRecognisedByUserAgent) {
  test::Telemetry t;
  for (const char* ua : {"friendly-scanner", "SIPVicious 0.3", "sipcli/v1.8", "sipsak 0.9.6", "sundayddr",
                         "VaxSIPUserAgent/3.1", "Friendly-Scanner"})
    EXPECT_TRUE(is_scanner_agent(ua)) << ua;
  for (const char* ua : {"", "Linphone/5.0", "baresip v2.0", "Zoiper rv2.10", "PolycomVVX-VVX_400"})
    EXPECT_FALSE(is_scanner_agent(ua)) << ua;
}

// RFC 3261 20.41: product tokens, compared whole (case-insensitively, 7.3.1); comments skipped.
TEST(ScannerGuard, FingerprintsMatchWholeProductTokensOnly) {
  test::Telemetry t;
  for (const char* ua : {"MyCorp SIPClient", "MyCorp SIPClient/2.1", "smapper/1.0", "Nmapped-Phone",
                         "Acme (friendly-scanner inside a comment)", "iwarehouse/3", "sipsakura"})
    EXPECT_FALSE(is_scanner_agent(ua)) << ua;
  for (const char* ua : {"sipcli/v1.8", "SIPCLI", "Mozilla/5.0 (x) sipvicious/0.3", "SIP Auditor/1", "Nmap NSE",
                         "friendly-scanner (sipvicious 0.2)", "Acme/1 (comment) sundayddr"})
    EXPECT_TRUE(is_scanner_agent(ua)) << ua;
  EXPECT_FALSE(is_scanner_agent("SIP Phone (Auditor)")) << "the words of a fingerprint are consecutive product names";
}

TEST(ScannerGuard, FingerprintDropsSilentlyAndBans) {
  test::Telemetry t;
  BanList bans;
  ScannerGuard g(config::ScannerGuard{}, bans, t.metrics, t.events);
  auto f = flow("192.0.2.66");
  auto r = request("OPTIONS", "100", "friendly-scanner");
  Verdict v = g.on_request(ctx_at(f, 1000), r->msg);
  EXPECT_EQ(v.action, Action::kDrop);
  auto list = bans.list(1000);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].prefix.to_string(), "192.0.2.66");
  EXPECT_NE(list[0].reason.find("friendly-scanner"), std::string::npos);
  EXPECT_EQ(list[0].expires_ms, 1000 + 3600 * 1000);
}

TEST(ScannerGuard, ManyDistinctUsersFromOneStrangerIsASweep) {
  test::Telemetry t;
  BanList bans;
  config::ScannerGuard c;
  c.max_distinct_users = 20;
  ScannerGuard g(c, bans, t.metrics, t.events);
  auto f = flow("192.0.2.7");
  int passed = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = request("REGISTER", std::to_string(1000 + i), "Linphone/5.0");
    if (!g.on_request(ctx_at(f, 1000 + i), r->msg).stops()) ++passed;
  }
  EXPECT_GE(passed, 15);
  EXPECT_LE(passed, 30);
  EXPECT_EQ(bans.size(), 1u);
  EXPECT_NE(bans.list(2000)[0].reason.find("many distinct users"), std::string::npos);
}

TEST(ScannerGuard, OneUserRegisteringRepeatedlyIsNotASweep) {
  test::Telemetry t;
  BanList bans;
  ScannerGuard g(config::ScannerGuard{}, bans, t.metrics, t.events);
  auto f = flow("192.0.2.8");
  for (int i = 0; i < 200; ++i) {
    auto r = request("REGISTER", "alice", "Linphone/5.0");
    ASSERT_FALSE(g.on_request(ctx_at(f, 1000 + i * 10), r->msg).stops()) << i;
  }
  EXPECT_EQ(bans.size(), 0u);
}

TEST(ScannerGuard, OptionsSweepIsCaughtAndRegisteredFlowsAreLeftAlone) {
  test::Telemetry t;
  BanList bans;
  config::ScannerGuard c;
  c.max_distinct_users = 10;
  ScannerGuard g(c, bans, t.metrics, t.events);
  auto stranger = flow("192.0.2.9"), phone = flow("192.0.2.10");
  int stopped = 0;
  for (int i = 0; i < 30; ++i) {
    auto r = request("OPTIONS", "alice", "Linphone/5.0");
    stopped += g.on_request(ctx_at(stranger, 1000 + i), r->msg).stops();
  }
  EXPECT_GT(stopped, 0);
  int phone_stopped = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = request("INVITE", "user" + std::to_string(i), "Linphone/5.0");
    phone_stopped += g.on_request(ctx_at(phone, 1000 + i, true), r->msg).stops();
  }
  EXPECT_EQ(phone_stopped, 0);
}

TEST(ScannerGuard, WindowEndsTheCount) {
  test::Telemetry t;
  BanList bans;
  config::ScannerGuard c;
  c.max_distinct_users = 20;
  c.window_s = 10;
  ScannerGuard g(c, bans, t.metrics, t.events);
  auto f = flow("192.0.2.11");
  // 10 new users every 11 s: never 20 within one window.
  for (int round = 0; round < 10; ++round)
    for (int i = 0; i < 10; ++i) {
      auto r = request("REGISTER", "u" + std::to_string(round * 10 + i), "Linphone/5.0");
      ASSERT_FALSE(g.on_request(ctx_at(f, round * 11'000 + i), r->msg).stops());
    }
}

// F8: a fingerprint in a datagram from an address with a registered flow (anyone can write
// it over UDP) is dropped but bans nothing; over TCP the source is proven and is banned.
TEST(ScannerGuard, UdpFingerprintFromARegisteredAddressIsDroppedNotBanned) {
  test::Telemetry t;
  BanList bans;
  ScannerGuard g(config::ScannerGuard{}, bans, t.metrics, t.events);
  auto phone = flow("192.0.2.70", 5070);
  auto r = request("OPTIONS", "100", "friendly-scanner");
  EXPECT_EQ(g.on_request(ctx_at(phone, 1000, true), r->msg).action, Action::kDrop);
  auto other_port = flow("192.0.2.70", 6000);
  Context other = ctx_at(other_port, 1000);
  other.address_registered = true;
  EXPECT_EQ(g.on_request(other, r->msg).action, Action::kDrop);
  EXPECT_EQ(bans.size(), 0u);
  auto tcp = flow("192.0.2.70", 7000);
  tcp.transport = config::Transport::kTcp;
  tcp.connection_id = 9;
  Context proven = ctx_at(tcp, 1000);
  proven.address_registered = true;
  EXPECT_EQ(g.on_request(proven, r->msg).action, Action::kDrop);
  EXPECT_EQ(bans.size(), 1u);
}

}  // namespace
}  // namespace imsguard::guard
