#include "config/config.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace imsguard::config;

TEST(Config, EmbeddedDefaultLoadsWithSecureDefaults) {
  auto r = load_default();
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const Config& c = *r.config;
  EXPECT_TRUE(c.has_role("edge"));
  EXPECT_TRUE(c.has_listener(Transport::kUdp));
  EXPECT_TRUE(c.has_listener(Transport::kTcp));
  EXPECT_TRUE(c.has_listener(Transport::kTls));
  for (const auto& l : c.sip.listen) EXPECT_EQ(l.address, "127.0.0.1");
  EXPECT_EQ(c.auth.digest_algorithms.front(), "SHA-256");
  EXPECT_EQ(c.tls.min_version, "1.2");
  EXPECT_TRUE(c.servicebox.require_mtls);
  EXPECT_EQ(c.media.srtp_policy, SrtpPolicy::kOptional);
  EXPECT_EQ(c.guards.order.size(), 6u);  // the switchable guards only
  EXPECT_EQ(c.servicebox.services.size(), 3u);
}

TEST(Config, UnknownKeyIsAnErrorWithPathAndLine) {
  auto r = load_string("roles: [edge]\nsip:\n  listen: [{transport: udp, port: 5060}]\n  limts: {}\n", "t.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, "sip.limts");
  EXPECT_EQ(r.errors[0].line, 4);
  EXPECT_NE(r.errors[0].hint.find("limits"), std::string::npos);
}

TEST(Config, EveryErrorIsReportedNotJustTheFirst) {
  auto r = load_string(
      "roles: [edge, bogus]\n"
      "sip:\n  listen: [{transport: sctp, port: 70000}]\n"
      "tls: {min_version: '1.0'}\n"
      "media: {srtp_policy: sometimes}\n",
      "t.yaml");
  ASSERT_FALSE(r.ok());
  std::vector<std::string> paths;
  for (const auto& e : r.errors) paths.push_back(e.path);
  auto has = [&](const std::string& p) { return std::find(paths.begin(), paths.end(), p) != paths.end(); };
  EXPECT_TRUE(has("roles"));
  EXPECT_TRUE(has("sip.listen[0].transport"));
  EXPECT_TRUE(has("sip.listen[0].port"));
  EXPECT_TRUE(has("tls.min_version"));
  EXPECT_TRUE(has("media.srtp_policy"));
}

TEST(Config, SyntaxErrorHasLine) {
  auto r = load_string("roles: [edge\nsip: {", "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(Config, WrongTypesAreRefused) {
  auto r = load_string(
      "roles: edge\n"
      "sip:\n  listen: [{transport: udp, port: 5060}]\n  workers: many\n"
      "identity: {assert_authenticated: maybe}\n",
      "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_GE(r.errors.size(), 3u);
}

TEST(Config, MissingFileIsAClearError) {
  auto r = load_file("/nonexistent/imsguard.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].message.find("cannot read"), std::string::npos);
}

TEST(Config, GuardOrderRejectsUnknownAndDuplicates) {
  auto r = load_string("sip:\n  listen: [{transport: udp, port: 5060}]\nguards: {order: [flood, flood, magic]}\n", "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors.size(), 2u);
}

TEST(Config, GarbageNeverCrashes) {
  const char* inputs[] = {"", "[]", "- - -", "{a: [}", "\x01\x02\x03", "roles: {x: 1}", "sip: [1,2]", "~"};
  for (const char* in : inputs) {
    auto r = load_string(in, "g");
    EXPECT_FALSE(r.ok()) << in;
  }
}

TEST(Config, PeerEdgesAreIpAndPortOnly) {
  auto good = load_string("sip:\n  listen: [{transport: udp, port: 5060}]\n  peers: ['10.0.0.2:5060', '[2001:db8::2]:5062']\n"
                          "  peer_key_file: /etc/imsguard/peer.key\n", "t");
  ASSERT_TRUE(good.ok()) << good.errors[0].to_string();
  EXPECT_EQ(good.config->sip.peers.size(), 2u);
  auto bad = load_string("sip:\n  listen: [{transport: udp, port: 5060}]\n  peers: ['edge-b.example:5060', '10.0.0.3', '10.0.0.4:0', '10.0.0.5:5060']\n", "t");
  ASSERT_FALSE(bad.ok());
  std::vector<std::string> paths;
  for (const auto& e : bad.errors) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"sip.peers[0]", "sip.peers[1]", "sip.peers[2]", "sip.peer_key_file"}));
  EXPECT_NE(bad.errors[0].hint.find("no host names"), std::string::npos);
}

// A peer's address proves nothing: peers come with the key their requests are signed with.
TEST(Config, PeerEdgesNeedASharedKeyFile) {
  auto without = load_string("sip:\n  listen: [{transport: udp, address: 10.0.0.1, port: 5060}]\n  peers: ['10.0.0.2:5060']\n", "t");
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.errors[0].path, "sip.peer_key_file");
  auto with = load_string("sip:\n  listen: [{transport: udp, address: 10.0.0.1, port: 5060}]\n  peers: ['10.0.0.2:5060']\n"
                          "  peer_key_file: /etc/imsguard/peer.key\n", "t");
  ASSERT_TRUE(with.ok()) << with.errors[0].to_string();
  EXPECT_EQ(with.config->sip.peer_key_file, "/etc/imsguard/peer.key");
  auto alone = load_string("sip:\n  listen: [{transport: udp, port: 5060}]\n", "t");
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone.config->sip.peer_key_file, "");
}

TEST(Config, PeerEdgesNeedAConcreteUdpListener) {
  auto tcp_only = load_string("sip:\n  listen: [{transport: tcp, address: 10.0.0.1, port: 5060}]\n  peers: ['10.0.0.2:5060']\n", "t");
  ASSERT_FALSE(tcp_only.ok());
  EXPECT_EQ(tcp_only.errors[0].path, "sip.peers");
  EXPECT_NE(tcp_only.errors[0].message.find("UDP listener"), std::string::npos);
  auto wildcard = load_string("sip:\n  listen: [{transport: udp, address: 0.0.0.0, port: 5060}]\n  peers: ['10.0.0.2:5060']\n", "t");
  ASSERT_FALSE(wildcard.ok());
  EXPECT_NE(wildcard.errors[0].message.find("concrete address"), std::string::npos);
}

TEST(Config, SipTimersAreValidatedWithTheirPath) {
  auto good = load_string("sip:\n  listen: [{transport: udp, port: 5060}]\n  timers: {t1_ms: 250, t2_ms: 2000}\n", "t");
  ASSERT_TRUE(good.ok()) << good.errors[0].to_string();
  EXPECT_EQ(good.config->sip.timers.t1_ms, 250u);
  EXPECT_EQ(good.config->sip.timers.t2_ms, 2000u);
  auto defaults = load_string("sip:\n  listen: [{transport: udp, port: 5060}]\n", "t");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config->sip.timers.t1_ms, 500u);
  EXPECT_EQ(defaults.config->sip.timers.t2_ms, 4000u);
  EXPECT_GT(defaults.config->sip.timers.c_ms, 180000u) << "RFC 3261 16.6: Timer C above 3 minutes";
  auto short_c = load_string("sip:\n  listen: [{transport: udp, port: 5060}]\n  timers: {c_ms: 2000}\n", "t");
  ASSERT_TRUE(short_c.ok()) << short_c.errors[0].to_string();
  EXPECT_EQ(short_c.config->sip.timers.c_ms, 2000u);

  auto paths_of = [](const std::string& yaml) {
    auto r = load_string(yaml, "t");
    std::vector<std::string> paths;
    for (const auto& e : r.errors) paths.push_back(e.path);
    return paths;
  };
  const std::string head = "sip:\n  listen: [{transport: udp, port: 5060}]\n";
  EXPECT_EQ(paths_of(head + "  timers: {t1_ms: 0}\n"), (std::vector<std::string>{"sip.timers.t1_ms"}));
  EXPECT_EQ(paths_of(head + "  timers: {t1_ms: fast}\n"), (std::vector<std::string>{"sip.timers.t1_ms"}));
  EXPECT_EQ(paths_of(head + "  timers: {t1_ms: 1000, t2_ms: 500}\n"), (std::vector<std::string>{"sip.timers.t2_ms"}));
  EXPECT_EQ(paths_of(head + "  timers: {t3_ms: 5}\n"), (std::vector<std::string>{"sip.timers.t3_ms"}));
  EXPECT_EQ(paths_of(head + "  timers: {c_ms: 10}\n"), (std::vector<std::string>{"sip.timers.c_ms"}));
  EXPECT_EQ(paths_of(head + "  timers: {c_ms: -1}\n"), (std::vector<std::string>{"sip.timers.c_ms"}));
  EXPECT_EQ(paths_of(head + "  timers: 500\n"), (std::vector<std::string>{"sip.timers"}));
  EXPECT_EQ(paths_of(head + "  max_client_transactions: 1\n"), (std::vector<std::string>{"sip.max_client_transactions"}));
}
