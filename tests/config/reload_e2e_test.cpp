// SIGHUP on a real `imsguard run` (issue 19, point 3): every key the schema marks reloadable
// (config/schema_table.cpp, Reload::kApplied) is applied and seen to act, each in the test of
// its part (the log and event output, the TLS files, each guard); a changed restart-only key
// is named in the log and as an event and is really not applied, and "reloaded" is said only
// when all of a change is in force. Also log.level at start: debug and trace write the SIP
// trace, info does not.
#include "client/credentials.h"
#include "crypto/hex.h"
#include "effects.h"
#include "net/pki.h"
#include "sip/parser.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

using namespace imsguard::testkit;
using namespace imsguard::testkit::effects;
using namespace std::chrono_literals;

namespace {

std::string options(const std::string& address, uint16_t local_port, const std::string& call_id) {
  return "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + address + ":" + std::to_string(local_port) +
         ";branch=z9hG4bK" + call_id + "\r\nFrom: <sip:probe@ims.local>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: " +
         call_id + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
}

// Sends `n` OPTIONS from `address`; how many were answered.
int options_burst(const std::string& address, uint16_t port, int n, const std::string& tag) {
  UdpPeer peer(address);
  for (int i = 0; i < n; ++i) peer.send(options(address, peer.local_port(), tag + std::to_string(i)), port);
  int answered = 0;
  while (answered < n && peer.receive(answered == 0 ? 3000ms : 1000ms)) ++answered;
  return answered;
}

// The algorithms an unauthenticated REGISTER is challenged with, in order ("SHA-256,MD5").
std::string challenge_algorithms(uint16_t port) {
  UdpPeer peer;
  std::string p = std::to_string(peer.local_port());
  peer.send("REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + p +
                ";branch=z9hG4bKalg\r\nFrom: <sip:alice@ims.local>;tag=a\r\nTo: <sip:alice@ims.local>\r\n"
                "Call-ID: alg-" + p + "\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:" + p +
                ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            port);
  auto answer = peer.receive(3000ms);
  if (!answer) return "no answer";
  std::string out;
  for (size_t at = answer->find("algorithm="); at != std::string::npos; at = answer->find("algorithm=", at + 1)) {
    size_t end = answer->find_first_of(",\r", at);
    out += (out.empty() ? "" : ",") + answer->substr(at + 10, end - at - 10);
  }
  return out;
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in\n" << text;
  text.replace(at, from.size(), to);
}

bool sighup_and_wait(ImsguardProcess& proc, const std::string& marker, size_t after) {
  if (::kill(proc.pid(), SIGHUP) != 0) return false;
  return eventually([&] { return proc.log().find(marker, after) != std::string::npos; }, 10s);
}

// A REGISTER for `impi` from `peer` without credentials.
std::string register_request(UdpPeer& peer, const std::string& impi, int cseq, const std::string& extra = "") {
  std::string p = std::to_string(peer.local_port());
  return sip_request("REGISTER", "sip:ims.local", "sip:" + impi, peer.local_port(), cseq, "bf-" + impi + "-" + p,
                     "Contact: <sip:u@127.0.0.1:" + p + ">\r\nExpires: 600\r\n" + extra);
}

// One wrong Digest answer for `impi` from `peer`: the status answering the REGISTER (0: it
// was not answered, the source is locked out) and, when challenged, the answer's.
struct Guess {
  int challenge = 0, answer = 0;
};
Guess wrong_answer(UdpPeer& peer, uint16_t port, const std::string& impi) {
  Guess g;
  peer.send(register_request(peer, impi, 1), port);
  auto challenge = next_response(peer, 2s);
  if (!challenge) return g;
  g.challenge = status_of(*challenge);
  if (g.challenge != 401) return g;
  std::string auth = digest_authorization(*challenge, impi, "not-the-password");
  peer.send(register_request(peer, impi, 2, auth), port);
  auto answer = next_response(peer, 2s);
  g.answer = answer ? status_of(*answer) : 0;
  return g;
}

// The number of answers with `status` among what `peer` receives until quiet.
int count_status(UdpPeer& peer, int status, int expected, std::string* last = nullptr) {
  int n = 0;
  for (int got = 0; got < expected; ++got) {
    auto m = peer.receive(got == 0 ? 3000ms : 1000ms);
    if (!m) break;
    if (status_of(*m) == status) {
      ++n;
      if (last) *last = *m;
    }
  }
  return n;
}

// The guards' keys, each changed by SIGHUP on one running edge per guard.
class GuardReloadE2e : public ReloadedEdge {};

}  // namespace

TEST(ReloadE2e, ReloadableKeysActAndARestartKeyIsNamedNotApplied) {
  ImsguardProcess proc;
  ASSERT_TRUE(proc.start()) << proc.log();
  const uint16_t port = proc.sip_port();
  EXPECT_EQ(proc.log().find("sip <- "), std::string::npos) << "log.level info writes no SIP trace";
  EXPECT_EQ(challenge_algorithms(port), "SHA-256,MD5");
  EXPECT_EQ(options_burst("127.0.0.2", port, 20, "before"), 20);

  // One file changing a key of every reloadable kind and one restart-only key.
  std::string text = read_file(proc.config_path());
  const std::string events2 = proc.data_dir() + "/events-2.jsonl";
  replace(text, proc.data_dir() + "/events.jsonl", events2);
  replace(text, "digest_algorithms: [SHA-256, MD5]", "digest_algorithms: [MD5]");
  text += "log:\n  level: debug\nguards:\n  flood:\n    max_per_source: 5\n    allowlist: [127.0.0.4/32]\n";
  write_file(proc.config_path(), text);
  size_t mark = proc.log().size();
  ASSERT_TRUE(sighup_and_wait(proc, "SIGHUP: configuration only partly reloaded", mark)) << proc.log();
  std::string log = proc.log().substr(mark);
  for (const char* key : {"log.level", "events.output", "guards.flood.max_per_source", "guards.flood.allowlist"})
    EXPECT_NE(log.find(std::string("SIGHUP: applied ") + key), std::string::npos) << key << "\n" << log;
  EXPECT_NE(log.find("SIGHUP: auth.digest_algorithms changed but is NOT applied: it needs a restart"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("SIGHUP: applied auth.digest_algorithms"), std::string::npos) << log;
  EXPECT_EQ(log.find("configuration reloaded"), std::string::npos) << "a partial reload never says reloaded\n" << log;
  // The event names the key, in the new event output (events.output applied).
  std::string events = read_file(events2);
  EXPECT_NE(events.find("\"action\":\"restart_needed\""), std::string::npos) << events;
  EXPECT_NE(events.find("auth.digest_algorithms: changed, applies after a restart"), std::string::npos) << events;
  EXPECT_NE(events.find("\"action\":\"reload_partial\""), std::string::npos) << events;

  // Each applied key acts: the SIP trace of log.level debug, the new flood threshold and
  // allowlist; the restart-only key does not: the challenge still offers SHA-256.
  UdpPeer probe;
  probe.send(options("127.0.0.1", probe.local_port(), "traced-after-reload"), port);
  ASSERT_TRUE(probe.receive(3000ms).has_value());
  EXPECT_TRUE(eventually([&] { return proc.log().find("OPTIONS sip:127.0.0.1 SIP/2.0", mark) != std::string::npos; }, 5s))
      << proc.log().substr(mark);
  EXPECT_NE(proc.log().find("sip <- udp:127.0.0.1:" + std::to_string(probe.local_port())), std::string::npos);
  EXPECT_LT(options_burst("127.0.0.2", port, 20, "after"), 20) << "guards.flood.max_per_source 5 applied";
  EXPECT_EQ(options_burst("127.0.0.4", port, 20, "allowed"), 20) << "guards.flood.allowlist applied";
  EXPECT_EQ(challenge_algorithms(port), "SHA-256,MD5") << "auth.digest_algorithms needs a restart";

  // The same file again: nothing new applied, the restart-only key is still named.
  mark = proc.log().size();
  ASSERT_TRUE(sighup_and_wait(proc, "SIGHUP: configuration only partly reloaded", mark)) << proc.log();
  log = proc.log().substr(mark);
  EXPECT_NE(log.find("0 key(s) applied; 1 key(s) need a restart: auth.digest_algorithms"), std::string::npos) << log;

  // Restart-only key back to its running value, log level to warn: a full reload, and the
  // SIP trace stops.
  replace(text, "digest_algorithms: [MD5]", "digest_algorithms: [SHA-256, MD5]");
  replace(text, "level: debug", "level: warn");
  write_file(proc.config_path(), text);
  mark = proc.log().size();
  ASSERT_EQ(::kill(proc.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return read_file(events2).find("\"reason\":\"applied: log.level\"") != std::string::npos; }, 10s))
      << read_file(events2) << proc.log().substr(mark);
  size_t before_probe = proc.log().size();
  probe.send(options("127.0.0.1", probe.local_port(), "not-traced"), port);
  ASSERT_TRUE(probe.receive(3000ms).has_value());
  EXPECT_EQ(proc.log().find("sip <- ", before_probe), std::string::npos) << proc.log().substr(before_probe);
  EXPECT_EQ(proc.stop(), 0) << proc.log();
}

TEST(LogLevelE2e, DebugTracesOneLinePerMessageTraceTheWholeMessage) {
  for (const char* level : {"debug", "trace"}) {
    ImsguardProcess proc;
    ImsguardOptions o;
    o.extra_yaml = std::string("log:\n  level: ") + level + "\n";
    ASSERT_TRUE(proc.start(o)) << proc.log();
    // The readiness probe of ImsguardProcess::start is an OPTIONS with Call-ID "ready".
    ASSERT_TRUE(eventually([&] { return proc.log().find("sip <- udp:127.0.0.1:") != std::string::npos; }, 5s))
        << level << "\n" << proc.log();
    EXPECT_NE(proc.log().find("OPTIONS sip:127.0.0.1 SIP/2.0"), std::string::npos) << level;
    bool whole = proc.log().find("Call-ID: ready") != std::string::npos;
    EXPECT_EQ(whole, std::string(level) == "trace") << level << "\n" << proc.log();
    EXPECT_EQ(proc.stop(), 0) << proc.log();
  }
}

// tls.cert and tls.key: a new connection is shown the new certificate (it can only finish the
// handshake with the matching key); tls.ca: the CA then travels in the chain it is shown.
TEST(ReloadE2e, TlsCertificateKeyAndCaApplyToNewConnections) {
  ImsguardProcess proc;
  ASSERT_TRUE(proc.start()) << proc.log();
  const std::string base = read_file(proc.config_path());
  auto first = served_chain(proc.tls_port());
  ASSERT_EQ(first.size(), 2u) << "the generated edge certificate and its CA";
  EXPECT_EQ(first[0], certificate_der(proc.data_dir() + "/pki/edge.crt"));

  std::string pki = make_temp_dir("imsguard-reload-tls");
  ASSERT_TRUE(imsguard::net::pki_init(pki, "reload CA").ok());
  ASSERT_TRUE(imsguard::net::pki_issue(pki, "edge2", {"127.0.0.1"}, false).ok());
  std::string log = reload(proc, base + "tls:\n  cert: " + pki + "/edge2.crt\n  key: " + pki + "/edge2.key\n");
  EXPECT_TRUE(applied(log, "tls.cert")) << log;
  EXPECT_TRUE(applied(log, "tls.key")) << log;
  auto second = served_chain(proc.tls_port());
  ASSERT_EQ(second.size(), 1u) << "no tls.ca: the leaf alone";
  EXPECT_EQ(second[0], certificate_der(pki + "/edge2.crt"));

  log = reload(proc, base + "tls:\n  ca: " + pki + "/ca.crt\n  cert: " + pki + "/edge2.crt\n  key: " + pki + "/edge2.key\n");
  EXPECT_TRUE(applied(log, "tls.ca")) << log;
  auto third = served_chain(proc.tls_port());
  ASSERT_EQ(third.size(), 2u);
  EXPECT_EQ(third[1], certificate_der(pki + "/ca.crt"));

  // A key that does not match the certificate is refused: the key file is really read.
  ASSERT_TRUE(imsguard::net::pki_issue(pki, "edge3", {"127.0.0.1"}, false).ok());
  log = reload(proc, base + "tls:\n  cert: " + pki + "/edge3.crt\n  key: " + pki + "/edge2.key\n");
  EXPECT_NE(log.find("SIGHUP: reload refused: tls:"), std::string::npos) << log;
  EXPECT_EQ(served_chain(proc.tls_port()).size(), 2u) << "the running files stay";
  std::filesystem::remove_all(pki);
  EXPECT_EQ(proc.stop(), 0) << proc.log();
  std::filesystem::remove_all(proc.data_dir());
}

// guards.order, guards.banlist.enabled, guards.banlist.default_ttl_s.
TEST_F(GuardReloadE2e, OrderAndBanlist) {
  ASSERT_NO_FATAL_FAILURE(start());

  // A flood limit of 5 acts only while the flood guard is in the order.
  EXPECT_TRUE(applies("guards:\n  order: [banlist, scanner, ratelimit, bruteforce, overload]\n"
                      "  flood: { max_per_source: 5 }\n",
                      {"guards.order"}));
  EXPECT_EQ(burst("127.0.2.1", port, 20, "order-out"), 20);
  EXPECT_TRUE(applies("guards:\n  flood: { max_per_source: 5 }\n", {"guards.order"}));
  EXPECT_LT(burst("127.0.2.2", port, 20, "order-in"), 20);

  // An operator's ban holds while the banlist guard is on.
  auto banned = imsguard::guard::control_request(proc.data_dir() + "/control.sock", "ban add 127.0.2.3 600 test");
  ASSERT_TRUE(banned.ok) << banned.text;
  EXPECT_EQ(burst("127.0.2.3", port, 3, "banned-on"), 0);
  EXPECT_TRUE(applies("guards:\n  banlist: { enabled: false }\n", {"guards.banlist.enabled"}));
  EXPECT_EQ(burst("127.0.2.3", port, 3, "banned-off"), 3);

  // An operator's ban without a TTL lasts default_ttl_s.
  EXPECT_TRUE(applies("guards:\n  banlist: { default_ttl_s: 777 }\n", {"guards.banlist.default_ttl_s"}));
  auto added = imsguard::guard::control_request(proc.data_dir() + "/control.sock", "ban add 127.0.2.4 - test");
  ASSERT_TRUE(added.ok) << added.text;
  EXPECT_NE(added.text.find("for 777 s"), std::string::npos) << added.text;
  int ttl = ttl_of(ban_of(proc, "127.0.2.4"));
  EXPECT_GT(ttl, 700) << ban_list(proc);
  EXPECT_LE(ttl, 777);
  EXPECT_EQ(burst("127.0.2.4", port, 3, "banned-ttl"), 0) << "banlist on again";
}

// guards.flood.*: each key changed by SIGHUP and seen in what the edge answers, whom it bans
// and for how long, and the memory it holds.
TEST_F(GuardReloadE2e, Flood) {
  const std::string token = "flood-reload-token-0123456789";
  const uint16_t admin = free_port();
  ASSERT_NO_FATAL_FAILURE(
      start("admin: { listen: { address: 127.0.0.1, port: " + std::to_string(admin) + " }, token: " + token + " }\n"));
  EXPECT_EQ(burst("127.0.3.1", port, 20, "fl-base"), 20);
  double full_memory = metric(admin_get(admin, "/metrics", token).second, "imsguard_guard_memory_bytes");
  EXPECT_GT(full_memory, 4.0e6) << "two sketches of memory_budget_kb 4096 / 2";

  EXPECT_TRUE(applies("guards:\n  flood: { enabled: false, max_per_source: 5 }\n",
                      {"guards.flood.enabled", "guards.flood.max_per_source"}));
  EXPECT_EQ(burst("127.0.3.2", port, 20, "fl-off"), 20);
  EXPECT_EQ(ban_of(proc, "127.0.3.2"), "");

  EXPECT_TRUE(applies("guards:\n  flood: { max_per_source: 5, ban_ttl_s: 33 }\n", {"guards.flood.ban_ttl_s"}));
  EXPECT_LT(burst("127.0.3.3", port, 20, "fl-on"), 20);
  std::string ban = ban_of(proc, "127.0.3.3");
  EXPECT_NE(ban.find("by=flood"), std::string::npos) << ban_list(proc);
  EXPECT_NE(ban.find("(limit 5)"), std::string::npos) << ban;
  EXPECT_GT(ttl_of(ban), 25) << ban;
  EXPECT_LE(ttl_of(ban), 33) << ban;

  // window_s: 6 + 6 messages 2.5 s apart are within a limit of 8 per 1 s window, not per 30 s.
  auto twice_six = [&](const std::string& address) {
    UdpPeer peer(address);
    for (int i = 0; i < 6; ++i) peer.send(stranger_message(address, peer.local_port(), "w1-" + address + std::to_string(i)), port);
    int n = answers(peer, 6);
    std::this_thread::sleep_for(2500ms);
    for (int i = 0; i < 6; ++i) peer.send(stranger_message(address, peer.local_port(), "w2-" + address + std::to_string(i)), port);
    return n + answers(peer, 6);
  };
  EXPECT_TRUE(applies("guards:\n  flood: { max_per_source: 8, window_s: 1 }\n", {"guards.flood.window_s"}));
  EXPECT_EQ(twice_six("127.0.3.4"), 12);
  EXPECT_TRUE(applies("guards:\n  flood: { max_per_source: 8, window_s: 30 }\n", {"guards.flood.window_s"}));
  EXPECT_LT(twice_six("127.0.3.5"), 12);
  EXPECT_NE(ban_of(proc, "127.0.3.5").find("in 30 s"), std::string::npos) << ban_list(proc);

  // max_per_prefix: four sources of one /24, each under its own limit, together over 10.
  EXPECT_TRUE(applies("guards:\n  flood: { max_per_prefix: 10 }\n", {"guards.flood.max_per_prefix"}));
  int prefix_answered = 0;
  for (int i = 1; i <= 4; ++i) prefix_answered += burst("127.0.4." + std::to_string(i), port, 5, "fl-prefix");
  EXPECT_LE(prefix_answered, 11);
  EXPECT_NE(ban_of(proc, "127.0.4.0/24").find("by=flood"), std::string::npos) << ban_list(proc);

  EXPECT_TRUE(applies("guards:\n  flood: { max_per_source: 5, allowlist: [127.0.5.9/32] }\n",
                      {"guards.flood.allowlist"}));
  EXPECT_EQ(burst("127.0.5.9", port, 20, "fl-allowed"), 20);
  EXPECT_LT(burst("127.0.5.10", port, 20, "fl-not-allowed"), 20);

  EXPECT_TRUE(applies("guards:\n  flood: { memory_budget_kb: 64 }\n", {"guards.flood.memory_budget_kb"}));
  double small_memory = metric(admin_get(admin, "/metrics", token).second, "imsguard_guard_memory_bytes");
  EXPECT_GT(full_memory - small_memory, 3.9e6) << full_memory << " -> " << small_memory;
}

// guards.scanner.*: a fingerprinted User-Agent and a sweep of distinct users.
TEST_F(GuardReloadE2e, Scanner) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string scanner_ua = "User-Agent: friendly-scanner\r\n";
  // Messages from `address` to `users` distinct users, `per_window` of them, then a pause.
  auto sweep = [&](const std::string& address, int users, int per_window = 100) {
    UdpPeer peer(address);
    int n = 0;
    for (int i = 0; i < users; ++i) {
      if (i > 0 && i % per_window == 0) {
        n += answers(peer, per_window);
        std::this_thread::sleep_for(1500ms);
      }
      peer.send(stranger_message(address, peer.local_port(), "sw-" + address + "-" + std::to_string(i),
                                 "user" + std::to_string(i)),
                port);
    }
    return n + answers(peer, users % per_window == 0 ? per_window : users % per_window);
  };
  EXPECT_EQ(burst("127.0.6.1", port, 3, "sc-ua", 0ms, scanner_ua), 0);
  EXPECT_NE(ban_of(proc, "127.0.6.1").find("by=scanner"), std::string::npos) << ban_list(proc);
  EXPECT_EQ(sweep("127.0.6.9", 6), 6) << "6 users are no sweep for max_distinct_users 20";

  EXPECT_TRUE(applies("guards:\n  scanner: { enabled: false }\n", {"guards.scanner.enabled"}));
  EXPECT_EQ(burst("127.0.6.2", port, 3, "sc-off", 0ms, scanner_ua), 3);

  EXPECT_TRUE(applies("guards:\n  scanner: { ban_ttl_s: 44 }\n", {"guards.scanner.ban_ttl_s"}));
  EXPECT_EQ(burst("127.0.6.3", port, 3, "sc-ttl", 0ms, scanner_ua), 0);
  int ttl = ttl_of(ban_of(proc, "127.0.6.3"));
  EXPECT_GT(ttl, 35) << ban_list(proc);
  EXPECT_LE(ttl, 44);

  EXPECT_TRUE(applies("guards:\n  scanner: { max_distinct_users: 4 }\n", {"guards.scanner.max_distinct_users"}));
  EXPECT_LT(sweep("127.0.6.4", 6), 6);
  EXPECT_NE(ban_of(proc, "127.0.6.4").find("(limit 4)"), std::string::npos) << ban_list(proc);
  // Three users per window, twice: within 4 for a window of 1 s, a sweep in one of 60 s.
  EXPECT_LT(sweep("127.0.6.5", 6, 3), 6);
  EXPECT_TRUE(applies("guards:\n  scanner: { max_distinct_users: 4, window_s: 1 }\n", {"guards.scanner.window_s"}));
  EXPECT_EQ(sweep("127.0.6.6", 6, 3), 6);
  EXPECT_EQ(ban_of(proc, "127.0.6.6"), "");
}

// guards.ratelimit.*: with a bucket depth of 1 the rate alone decides how many of ten
// requests 100 ms apart pass; the events name the bucket that was over. The scanner guard is
// off throughout so that only the rate limits act.
TEST_F(GuardReloadE2e, RateLimit) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto with = [&](const std::string& ratelimit) {
    return "guards:\n  scanner: { enabled: false }\n  ratelimit: { " + ratelimit + " }\n";
  };
  EXPECT_TRUE(applies(with("burst: 1, per_source_rps: 1000, per_method_rps: 1000"), {"guards.ratelimit.burst"}));
  EXPECT_EQ(burst("127.0.7.1", port, 10, "rl-base", 100ms), 10);

  size_t mark = proc.events().size();
  EXPECT_TRUE(applies(with("burst: 1, per_source_rps: 2, per_method_rps: 1000"), {"guards.ratelimit.per_source_rps"}));
  EXPECT_LE(burst("127.0.7.2", port, 10, "rl-source", 100ms), 5);
  EXPECT_NE(events_after(proc, mark).find("\"reason\":\"source over its rate (dropped)\""), std::string::npos)
      << events_after(proc, mark);

  mark = proc.events().size();
  EXPECT_TRUE(applies(with("burst: 1, per_source_rps: 1000, per_method_rps: 2"), {"guards.ratelimit.per_method_rps"}));
  EXPECT_LE(burst("127.0.7.3", port, 10, "rl-method", 100ms), 5);
  EXPECT_NE(events_after(proc, mark).find("source over its rate for this method"), std::string::npos)
      << events_after(proc, mark);

  // per_impi_rps: REGISTERs claiming one identity, each from another source.
  mark = proc.events().size();
  EXPECT_TRUE(applies(with("burst: 1, per_source_rps: 1000, per_method_rps: 1000, per_impi_rps: 2"),
                      {"guards.ratelimit.per_impi_rps"}));
  int challenged = 0;
  for (int i = 0; i < 10; ++i) {
    UdpPeer peer("127.0.7." + std::to_string(10 + i));
    peer.send(register_request(peer, "ratelimited@ims.local", 1), port);
    challenged += next_response(peer, 1000ms) ? 1 : 0;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_LE(challenged, 5);
  EXPECT_NE(events_after(proc, mark).find("identity over its rate"), std::string::npos) << events_after(proc, mark);

  // burst: twenty at once, one a second refilled: the depth passes.
  reload(proc, base + with("burst: 8, per_source_rps: 1, per_method_rps: 1000"));
  int deep = burst("127.0.7.30", port, 20, "rl-deep");
  EXPECT_GE(deep, 8);
  EXPECT_LE(deep, 10);
  EXPECT_TRUE(applies(with("burst: 1, per_source_rps: 1, per_method_rps: 1000"), {"guards.ratelimit.burst"}));
  EXPECT_LE(burst("127.0.7.31", port, 20, "rl-shallow"), 2);

  EXPECT_TRUE(applies(with("enabled: false, burst: 1, per_source_rps: 1"), {"guards.ratelimit.enabled"}));
  EXPECT_EQ(burst("127.0.7.32", port, 20, "rl-off"), 20);

  // A flow that authenticated has its own bucket, and is told 503 with Retry-After 1.
  UdpPeer alice;
  ASSERT_EQ(register_udp(alice, port, "alice@ims.local", "sip:alice@ims.local", proc.demo("digest", "password")), 200);
  auto options_from_alice = [&](int n, std::chrono::milliseconds gap, int& ok, int& refused) {
    ok = refused = 0;
    for (int i = 0; i < n; ++i) {
      alice.send(sip_request("OPTIONS", "sip:127.0.0.1", "sip:alice@ims.local", alice.local_port(), i + 1,
                             "rl-alice-" + std::to_string(i)),
                 port);
      if (gap.count()) std::this_thread::sleep_for(gap);
    }
    for (int got = 0; got < n; ++got) {
      auto m = next_response(alice, 2000ms);
      if (!m) break;
      if (status_of(*m) == 200) ++ok;
      if (status_of(*m) == 503 && header_of(*m, "Retry-After") == "1") ++refused;
    }
  };
  int ok = 0, refused = 0;
  EXPECT_TRUE(applies(with("enabled: true, authenticated_burst: 1, authenticated_rps: 1000"),
                      {"guards.ratelimit.authenticated_burst"}));
  options_from_alice(10, 100ms, ok, refused);
  EXPECT_EQ(ok, 10);
  EXPECT_TRUE(applies(with("authenticated_burst: 1, authenticated_rps: 2"), {"guards.ratelimit.authenticated_rps"}));
  options_from_alice(10, 100ms, ok, refused);
  EXPECT_LE(ok, 5);
  EXPECT_GE(refused, 5);
  EXPECT_TRUE(applies(with("authenticated_burst: 6, authenticated_rps: 1"), {"guards.ratelimit.authenticated_burst"}));
  options_from_alice(10, 0ms, ok, refused);
  EXPECT_GE(ok, 6);
  EXPECT_LE(ok, 8);
}

// guards.bruteforce.*: wrong Digest answers from chosen sources, the lockouts they earn (the
// events say for how long), the per-identity limits and the AKA resynchronisation cap.
TEST_F(GuardReloadE2e, BruteForce) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto with = [&](const std::string& bf) {
    return "guards:\n  scanner: { enabled: false }\n  bruteforce: { " + bf + " }\n";
  };
  auto locked_for = [&](size_t mark, const std::string& source) {
    // "...; locked for N s" of the lockout event of `source`, -1 when none.
    std::string ev = events_after(proc, mark);
    for (size_t at = ev.find("\"source\":\"udp:" + source + ":"); at != std::string::npos;
         at = ev.find("\"source\":\"udp:" + source + ":", at + 1)) {
      size_t line_end = ev.find('\n', at);
      size_t f = ev.find("locked for ", at);
      if (f != std::string::npos && f < line_end) return std::stoi(ev.substr(f + 11));
    }
    return -1;
  };

  // max_failures and lockout_s: the third REGISTER after two guesses goes unanswered, and is
  // answered again once the lockout is over.
  size_t mark = proc.events().size();
  EXPECT_TRUE(applies(with("max_failures: 2, lockout_s: 2"),
                      {"guards.bruteforce.max_failures", "guards.bruteforce.lockout_s"}));
  UdpPeer s1("127.0.8.1");
  EXPECT_EQ(wrong_answer(s1, port, "alice@ims.local").answer > 0, true);
  EXPECT_EQ(wrong_answer(s1, port, "alice@ims.local").answer > 0, true);
  EXPECT_EQ(wrong_answer(s1, port, "alice@ims.local").challenge, 0) << "locked out: not answered";
  EXPECT_EQ(locked_for(mark, "127.0.8.1"), 2) << events_after(proc, mark);
  std::this_thread::sleep_for(2500ms);
  // backoff_factor: the second lockout of the same source lasts lockout_s x 3.
  mark = proc.events().size();
  EXPECT_TRUE(applies(with("max_failures: 2, lockout_s: 1, backoff_factor: 3"), {"guards.bruteforce.backoff_factor"}));
  EXPECT_EQ(wrong_answer(s1, port, "alice@ims.local").challenge, 401) << "the lockout is over";
  wrong_answer(s1, port, "alice@ims.local");
  EXPECT_TRUE(eventually([&] { return locked_for(mark, "127.0.8.1") == 3; }, 3s)) << events_after(proc, mark);
  std::this_thread::sleep_for(3500ms);
  // max_lockout_s: the third would last 9 s; the cap makes it 2.
  mark = proc.events().size();
  EXPECT_TRUE(applies(with("max_failures: 2, lockout_s: 1, backoff_factor: 3, max_lockout_s: 2"),
                      {"guards.bruteforce.max_lockout_s"}));
  wrong_answer(s1, port, "alice@ims.local");
  wrong_answer(s1, port, "alice@ims.local");
  EXPECT_TRUE(eventually([&] { return locked_for(mark, "127.0.8.1") == 2; }, 3s)) << events_after(proc, mark);

  // window_s: two guesses 1.5 s apart are not two in a window of 1 s.
  EXPECT_TRUE(applies(with("max_failures: 2, window_s: 1"), {"guards.bruteforce.window_s"}));
  UdpPeer s3("127.0.8.3");
  wrong_answer(s3, port, "alice@ims.local");
  std::this_thread::sleep_for(1500ms);
  wrong_answer(s3, port, "alice@ims.local");
  EXPECT_EQ(wrong_answer(s3, port, "alice@ims.local").challenge, 401) << "not locked out";

  // per_impi_distributed: one guess each from two sources locks the identity: 403 to a third.
  mark = proc.events().size();
  EXPECT_TRUE(applies(with("max_failures: 100, per_impi_distributed: 2"), {"guards.bruteforce.per_impi_distributed"}));
  UdpPeer s4("127.0.8.4"), s5("127.0.8.5"), s6("127.0.8.6");
  wrong_answer(s4, port, "victim@ims.local");
  wrong_answer(s5, port, "victim@ims.local");
  EXPECT_EQ(wrong_answer(s6, port, "victim@ims.local").challenge, 403);
  EXPECT_NE(events_after(proc, mark).find("for this identity from all sources"), std::string::npos);

  // max_challenges_per_impi: unauthenticated REGISTERs for one identity beyond 3 are dropped.
  EXPECT_TRUE(applies(with("max_challenges_per_impi: 3"), {"guards.bruteforce.max_challenges_per_impi"}));
  int challenged = 0;
  for (int i = 0; i < 6; ++i) {
    UdpPeer peer("127.0.8." + std::to_string(20 + i));
    peer.send(register_request(peer, "capped@ims.local", 1), port);
    challenged += next_response(peer, 1500ms) ? 1 : 0;
  }
  EXPECT_EQ(challenged, 3);

  // max_resyncs: bob's USIM answers every AKA challenge with a resynchronisation; the second
  // is one too many and locks bob (403).
  mark = proc.events().size();
  EXPECT_TRUE(applies(with("max_resyncs: 1"), {"guards.bruteforce.max_resyncs"}));
  imsguard::client::UsimProfile usim;
  auto k = imsguard::crypto::from_hex(proc.demo("aka", "k"));
  auto opc = imsguard::crypto::from_hex(proc.demo("aka", "opc"));
  ASSERT_TRUE(k && opc && k->size() == 16 && opc->size() == 16);
  std::copy(k->begin(), k->end(), usim.k.begin());
  std::copy(opc->begin(), opc->end(), usim.opc.begin());
  UdpPeer bob("127.0.8.40");
  int resyncs = 0;
  for (int round = 0; round < 3; ++round) {
    usim.sqn_ms = (uint64_t{1} << 40) << round;  // always ahead of the network: a resync
    imsguard::client::ChallengeAnswerer answerer({"bob@ims.local", "ims.local", std::nullopt, usim});
    bob.send(register_request(bob, "bob@ims.local", 2 * round + 1,
                              "Authorization: " + answerer.initial_authorization("sip:ims.local") + "\r\n"),
             port);
    auto challenge = next_response(bob, 2s);
    ASSERT_TRUE(challenge) << proc.log();
    if (status_of(*challenge) == 403) break;
    ASSERT_EQ(status_of(*challenge), 401) << *challenge;
    imsguard::sip::Message msg;
    ASSERT_EQ(imsguard::sip::parse_datagram(*challenge, {}, msg).status, imsguard::sip::ParseStatus::kOk);
    auto a = answerer.answer(msg, "REGISTER", "sip:ims.local", "");
    ASSERT_EQ(a.status, imsguard::client::AnswerStatus::kResync) << a.error;
    bob.send(register_request(bob, "bob@ims.local", 2 * round + 2, a.header_name + ": " + a.header_value + "\r\n"), port);
    ASSERT_TRUE(next_response(bob, 2s));
    ++resyncs;
  }
  EXPECT_EQ(resyncs, 2) << "the third REGISTER met the lockout";
  EXPECT_NE(events_after(proc, mark).find("too many AKA resynchronisations"), std::string::npos) << events_after(proc, mark);

  // enabled: with the guard off, guesses lock nobody out.
  EXPECT_TRUE(applies(with("enabled: false, max_failures: 2"), {"guards.bruteforce.enabled"}));
  UdpPeer s7("127.0.8.7");
  for (int i = 0; i < 3; ++i) wrong_answer(s7, port, "alice@ims.local");
  EXPECT_EQ(wrong_answer(s7, port, "alice@ims.local").challenge, 401);
}

// guards.overload.*: strangers over max_rps get 503 with retry_after_s; over max_inflight
// (messages inside the edge at once, two workers) too.
TEST_F(GuardReloadE2e, Overload) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto with = [&](const std::string& overload) {
    return "guards:\n  scanner: { enabled: false }\n  ratelimit: { enabled: false }\n  flood: { enabled: false }\n"
           "  overload: { " + overload + " }\n";
  };
  EXPECT_TRUE(applies(with("max_rps: 5, retry_after_s: 7"),
                      {"guards.overload.max_rps", "guards.overload.retry_after_s"}));
  {
    UdpPeer peer("127.0.9.1");
    for (int i = 0; i < 8; ++i) peer.send(stranger_message("127.0.9.1", peer.local_port(), "ov-" + std::to_string(i)), port);
    std::string shed;
    EXPECT_GE(count_status(peer, 503, 8, &shed), 1);
    EXPECT_EQ(header_of(shed, "Retry-After"), "7") << shed;
  }
  EXPECT_TRUE(applies(with("enabled: false, max_rps: 5"), {"guards.overload.enabled"}));
  {
    UdpPeer peer("127.0.9.2");
    for (int i = 0; i < 8; ++i) peer.send(stranger_message("127.0.9.2", peer.local_port(), "ov-off-" + std::to_string(i)), port);
    EXPECT_EQ(count_status(peer, 403, 8), 8);
  }
  // max_inflight 1: a second message handled while another is inside the edge is shed.
  EXPECT_TRUE(applies(with("max_inflight: 1, retry_after_s: 9"), {"guards.overload.max_inflight"}));
  // The kernel gives each source (address and port) one worker: 16 sources (four sockets in
  // each of four threads) reach both workers unless all 16 hash alike (odds 2 in 65,536).
  std::atomic<int> shed{0};
  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&, t] {
      std::string address = "127.0.9." + std::to_string(10 + t);
      std::vector<std::unique_ptr<UdpPeer>> peers;
      for (int p = 0; p < 4; ++p) peers.push_back(std::make_unique<UdpPeer>(address));
      for (int round = 0; round < 40 && shed == 0 && std::chrono::steady_clock::now() < deadline; ++round) {
        for (int i = 0; i < 48; ++i) {
          UdpPeer& peer = *peers[static_cast<size_t>(i) % peers.size()];
          peer.send(stranger_message(address, peer.local_port(), "inf-" + std::to_string(round) + "-" + std::to_string(i)), port);
        }
        for (auto& peer : peers)
          while (auto m = peer->receive(100ms))
            if (status_of(*m) == 503 && header_of(*m, "Retry-After") == "9") ++shed;
      }
    });
  for (auto& s : senders) s.join();
  EXPECT_GE(shed.load(), 1) << "no message was shed with max_inflight 1";
}
