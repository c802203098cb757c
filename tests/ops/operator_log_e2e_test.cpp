// What an operator reads every day, from a real `imsguard run` (issue 19, points 5 and 7):
// a log line at info per registration, per authentication failure (wrong password, unknown
// user and realm mismatch told apart, never toward the client) and per call; the cap on
// those lines under a flood; a security event per successful registration; the SIP trace of
// both directions at debug; and a counter that counts what its name says.
#include "cli_run.h"
#include "digest_phone.h"
#include "imsguard_process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <thread>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

const char kToken[] = "operator-log-e2e-token-7c1d";

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The value of one sample line ("name value") of the metrics text, or -1 when absent.
double metric(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

class OperatorLogE2e : public ::testing::Test {
 protected:
  // Starts an edge with two Digest subscribers (alice, carol) and the admin API on.
  void start(const std::string& extra_yaml = "", const std::string& log_level = "info") {
    dir_ = make_temp_dir("imsguard-oplog");
    for (const char* user : {"alice", "carol"}) {
      auto add = run_imsguard(dir_, {"subscriber", "add", "--data-dir", dir_, "--impi", std::string(user) + "@ims.local",
                                     "--impu", "sip:" + std::string(user) + "@ims.local", "--password",
                                     std::string("pw-") + user, "--service", "messaging"});
      ASSERT_EQ(add.status, 0) << add.output;
    }
    admin_port_ = free_port();
    ImsguardOptions o;
    o.tls = false;
    o.data_dir = dir_;
    o.digest_algorithms = "[SHA-256]";
    // Raw UDP phones that do not answer the edge's 407 (UdpRequestChallengeE2e shows that key).
    o.auth_yaml = "  challenge_udp_requests: false\n";
    o.extra_yaml = "admin:\n  listen: { address: 127.0.0.1, port: " + std::to_string(admin_port_) + " }\n  token: \"" +
                   kToken + "\"\nlog:\n  level: " + log_level + "\n" + extra_yaml;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }

  std::string metrics() {
    auto r = run_imsguard(dir_, {"admin", "--config", edge_.config_path(), "metrics"});
    EXPECT_EQ(r.status, 0) << r.output;
    return r.output;
  }

  ImsguardProcess edge_;
  std::string dir_;
  uint16_t admin_port_ = 0;
};

TEST_F(OperatorLogE2e, ASuccessfulRegistrationIsALogLineAndASecurityEvent) {
  start();
  DigestPhone alice("alice", edge_.sip_port());
  ASSERT_EQ(alice.register_with("pw-alice"), 200) << edge_.log();
  ASSERT_TRUE(eventually([&] { return edge_.log().find("registration: alice@ims.local registered") != std::string::npos; }, 5s))
      << edge_.log();
  EXPECT_NE(edge_.log().find("registered sip:alice@ims.local with Digest; 1 contact(s) bound, this flow's for 600 s (from udp:127.0.0.1:" +
                             std::to_string(alice.peer().local_port()) + ")"),
            std::string::npos)
      << edge_.log();
  std::string events = edge_.events();
  EXPECT_NE(events.find("\"guard\":\"registrar\",\"source\":\"udp:127.0.0.1:" + std::to_string(alice.peer().local_port()) +
                        "\",\"identity\":\"alice@ims.local\",\"action\":\"register\""),
            std::string::npos)
      << events;
  // Un-registering is told too, as such.
  ASSERT_EQ(alice.register_with("pw-alice", 0), 200);
  ASSERT_TRUE(eventually([&] { return edge_.events().find("\"action\":\"deregister\"") != std::string::npos; }, 5s))
      << edge_.events();
  EXPECT_NE(edge_.log().find("registration: alice@ims.local deregistered sip:alice@ims.local"), std::string::npos) << edge_.log();
}

TEST_F(OperatorLogE2e, WrongPasswordUnknownUserAndRealmMismatchAreToldApartInTheLogNotToTheClient) {
  start();
  DigestPhone alice("alice", edge_.sip_port());
  auto first = alice.exchange(alice.register_request(""));
  ASSERT_TRUE(first);
  auto c = DigestPhone::challenge_of(*first);
  ASSERT_TRUE(c);
  auto wrong = alice.exchange(alice.register_request(DigestPhone::answer(*c, alice.impi(), "not-her-password")));
  ASSERT_TRUE(wrong);
  auto other_realm = alice.exchange(
      alice.register_request(DigestPhone::answer(*c, alice.impi(), "pw-alice", "elsewhere.example")));
  ASSERT_TRUE(other_realm);
  // An unknown name: challenged like anyone (Digest or a decoy AKA: keyed per process).
  std::optional<imsguard::crypto::DigestChallenge> decoy;
  std::string nobody;
  for (int i = 0; i < 32 && !decoy; ++i) {
    nobody = "nobody" + std::to_string(i) + "@ims.local";
    auto r = alice.exchange(alice.register_request("", "sip:" + nobody));
    ASSERT_TRUE(r);
    if (auto drawn = DigestPhone::challenge_of(*r); drawn && drawn->algorithm.aka == imsguard::crypto::DigestAka::kNone)
      decoy = drawn;
  }
  ASSERT_TRUE(decoy);
  auto unknown = alice.exchange(alice.register_request(DigestPhone::answer(*decoy, nobody, "x"), "sip:" + nobody));
  ASSERT_TRUE(unknown);
  // The client is told nothing: a challenge each time.
  EXPECT_EQ(status_of(*wrong), 401);
  EXPECT_EQ(status_of(*other_realm), 401);
  EXPECT_EQ(status_of(*unknown), 401);
  std::string src = "udp:127.0.0.1:" + std::to_string(alice.peer().local_port());
  ASSERT_TRUE(eventually([&] { return edge_.log().find("auth failure: " + nobody) != std::string::npos; }, 5s)) << edge_.log();
  std::string log = edge_.log();
  EXPECT_NE(log.find("auth failure: alice@ims.local from " + src + ": wrong password (Digest, counted as a failure)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("auth failure: alice@ims.local from " + src + ": realm mismatch"), std::string::npos) << log;
  EXPECT_NE(log.find("auth failure: " + nobody + " from " + src + ": unknown user (Digest, counted as a failure)"),
            std::string::npos)
      << log;
  // The first challenges (no credentials yet) are the protocol at work, not failures.
  EXPECT_EQ(count_of(log, "auth failure:"), 3u) << log;
  std::string events = edge_.events();
  for (const char* reason : {"wrong password", "unknown user", "realm mismatch"})
    EXPECT_NE(events.find(reason), std::string::npos) << reason << "\n" << events;
}

// A name the attacker chooses reaches the operator's log: it must not forge a line, drive the
// terminal (ESC sequences, C1 controls, a right-to-left override) or break the log's UTF-8
// (the name is lower-cased as an identity before it is logged).
TEST_F(OperatorLogE2e, AHostileUserNameCannotForgeReorderOrCorruptTheLog) {
  start("", "debug");
  DigestPhone eve("eve", edge_.sip_port());
  auto first = eve.exchange(eve.register_request(""));
  ASSERT_TRUE(first);
  auto c = DigestPhone::challenge_of(*first);
  ASSERT_TRUE(c);
  // RFC 3261 quoted-string: UTF-8 text is allowed, and a quoted-pair may carry any byte but CR/LF.
  const std::string hostile = "eve\\\x1b[2J\xc2\x9b" "31m\xe2\x80\xae" "admin\xff@ims.local";
  auto failed = eve.exchange(eve.register_request(DigestPhone::answer(*c, hostile, "x")));
  ASSERT_TRUE(failed);
  ASSERT_TRUE(eventually([&] { return edge_.log().find("auth failure: eve") != std::string::npos; }, 5s)) << edge_.log();
  std::string log = edge_.log();
  std::string line = log.substr(log.find("auth failure: eve"));
  line = line.substr(0, line.find('\n'));
  EXPECT_NE(line.find("\\x1b[2j\\u{009b}31m\\u{202e}admin\\xff@ims.local"), std::string::npos) << line;
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "no raw ESC anywhere in the log (the SIP trace included)";
  EXPECT_EQ(log.find("\xe2\x80\xae"), std::string::npos) << "no raw right-to-left override";
  EXPECT_EQ(log.find("\xc2\x9b"), std::string::npos) << "no raw C1 control";
  EXPECT_EQ(log.find('\xff'), std::string::npos) << "no byte that is not UTF-8";
}

TEST_F(OperatorLogE2e, AFloodOfFailuresWritesAtMostTwentyLinesASecondAndCountsTheRest) {
  // Thresholds far away: every wrong answer is a failure, none is locked out or limited.
  start("guards:\n  bruteforce: { max_failures: 1000, per_impi_distributed: 1000, max_challenges_per_impi: 1000 }\n"
        "  ratelimit: { per_source_rps: 1000, per_impi_rps: 1000, per_method_rps: 1000, burst: 1000 }\n");
  DigestPhone alice("alice", edge_.sip_port());
  auto last = alice.exchange(alice.register_request(""));
  ASSERT_TRUE(last);
  const int kGuesses = 150;
  int answered = 0;
  for (int i = 0; i < kGuesses; ++i) {
    auto c = DigestPhone::challenge_of(*last);
    ASSERT_TRUE(c) << *last;
    auto r = alice.exchange(alice.register_request(DigestPhone::answer(*c, alice.impi(), "guess-" + std::to_string(i))));
    ASSERT_TRUE(r) << "guess " << i << "\n" << edge_.log();
    ++answered;
    last = r;
  }
  ASSERT_EQ(answered, kGuesses);
  // One more failure in a later second: its line comes after one saying what was held back.
  std::this_thread::sleep_for(1100ms);
  auto c = DigestPhone::challenge_of(*last);
  ASSERT_TRUE(c);
  ASSERT_TRUE(alice.exchange(alice.register_request(DigestPhone::answer(*c, alice.impi(), "one-more"))));
  std::string m = metrics();
  double suppressed = metric(m, "imsguard_log_lines_suppressed_total{kind=\"auth_failure\"}");
  size_t written = count_of(edge_.log(), "auth failure: alice@ims.local");
  // Every failure is either a line or counted; the lines are fewer than the failures.
  EXPECT_EQ(written + static_cast<size_t>(suppressed), static_cast<size_t>(kGuesses + 1)) << m;
  EXPECT_GT(suppressed, 0) << "150 failures cannot all be written at 20 lines a second unless they took 8 s";
  EXPECT_NE(edge_.log().find("auth_failure line(s) left out before this one (over 20 a second)"), std::string::npos)
      << "a line says what was held back (written with the next line of that kind)\n"
      << edge_.log().substr(0, 4000);
}

TEST_F(OperatorLogE2e, ACallIsLoggedWhenRelayedAnsweredAndEnded) {
  start();
  DigestPhone alice("alice", edge_.sip_port());
  DigestPhone carol("carol", edge_.sip_port());
  ASSERT_EQ(alice.register_with("pw-alice"), 200);
  ASSERT_EQ(carol.register_with("pw-carol"), 200);
  const std::string call_id = "oplog-call-1";
  std::string ap = std::to_string(alice.peer().local_port());
  auto request = [&](const std::string& method, int cseq, const std::string& to_tag, const std::string& route) {
    return method + " sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + ap + ";branch=z9hG4bKcall" + method +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=caller1\r\nTo: <sip:carol@ims.local>" +
           (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) + " " +
           method + "\r\nContact: <" + alice.contact() + ">\r\n" + (route.empty() ? "" : "Route: " + route + "\r\n") +
           "Content-Length: 0\r\n\r\n";
  };
  // carol answers whatever reaches her with 200, echoing the Vias and Record-Route.
  auto answer_as_carol = [&](const std::string& req) {
    std::istringstream in(req);
    std::string line, head;
    while (std::getline(in, line) && line != "\r") {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::string lower = line.substr(0, line.find(':'));
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower == "via" || lower == "v" || lower == "from" || lower == "f" || lower == "call-id" || lower == "i" ||
          lower == "cseq" || lower == "record-route")
        head += line + "\r\n";
      if (lower == "to" || lower == "t") head += line + (line.find("tag=") == std::string::npos ? ";tag=callee1" : "") + "\r\n";
    }
    carol.peer().send("SIP/2.0 200 OK\r\n" + head + "Contact: <" + carol.contact() + ">\r\nContent-Length: 0\r\n\r\n",
                      edge_.sip_port());
  };
  alice.peer().send(request("INVITE", 1, "", ""), edge_.sip_port());
  auto invite = carol.peer().receive(5s);
  ASSERT_TRUE(invite) << edge_.log();
  answer_as_carol(*invite);
  std::optional<std::string> ok = alice.peer().receive(5s);
  while (ok && status_of(*ok) < 200) ok = alice.peer().receive(5s);
  ASSERT_TRUE(ok) << edge_.log();
  ASSERT_EQ(status_of(*ok), 200) << *ok;
  std::string route = header_of(*ok, "Record-Route");
  ASSERT_FALSE(route.empty()) << *ok;
  alice.peer().send(request("BYE", 2, "callee1", route), edge_.sip_port());
  auto bye = carol.peer().receive(5s);
  ASSERT_TRUE(bye) << edge_.log();
  answer_as_carol(*bye);
  ASSERT_TRUE(eventually([&] { return edge_.log().find("call " + call_id + ": ended by alice@ims.local") != std::string::npos; }, 5s))
      << edge_.log();
  std::string log = edge_.log();
  EXPECT_NE(log.find("call: alice@ims.local -> sip:carol@ims.local (Call-ID " + call_id + ", from udp:127.0.0.1:" + ap),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("call " + call_id + ": answered 200 OK (to the caller at udp:127.0.0.1:" + ap + ")"), std::string::npos)
      << log;
  EXPECT_EQ(count_of(log, "call: alice@ims.local -> "), 1u) << "one line per call, whatever is retransmitted\n" << log;
}

TEST_F(OperatorLogE2e, DebugTracesWhatComesInAndWhatGoesBack) {
  start("", "debug");
  DigestPhone alice("alice", edge_.sip_port());
  ASSERT_EQ(alice.register_with("pw-alice"), 200);
  std::string src = "udp:127.0.0.1:" + std::to_string(alice.peer().local_port());
  ASSERT_TRUE(eventually([&] { return edge_.log().find("sip -> " + src) != std::string::npos; }, 5s)) << edge_.log();
  std::string log = edge_.log();
  EXPECT_NE(log.find("[debug] sip <- " + src), std::string::npos) << log;
  EXPECT_NE(log.find("): REGISTER sip:ims.local SIP/2.0"), std::string::npos) << log;
  EXPECT_NE(log.find("[debug] sip -> " + src), std::string::npos) << log;
  EXPECT_NE(log.find("): SIP/2.0 401 Unauthorized"), std::string::npos) << log;
  EXPECT_NE(log.find("): SIP/2.0 200 OK"), std::string::npos) << log;
}

TEST_F(OperatorLogE2e, InfoWritesNoTrace) {
  start();
  DigestPhone alice("alice", edge_.sip_port());
  ASSERT_EQ(alice.register_with("pw-alice"), 200);
  ASSERT_TRUE(eventually([&] { return edge_.log().find("registration: alice@ims.local") != std::string::npos; }, 5s));
  EXPECT_EQ(edge_.log().find("sip -> "), std::string::npos) << edge_.log();
  EXPECT_EQ(edge_.log().find("sip <- "), std::string::npos) << edge_.log();
}

TEST_F(OperatorLogE2e, StatelessUnauthenticatedRegisterCountsOnlyTheChallengesSent) {
  // Three challenges per identity, then the brute-force guard drops the unauthenticated REGISTERs.
  start("guards:\n  bruteforce: { max_challenges_per_impi: 3 }\n"
        "  ratelimit: { per_source_rps: 1000, per_impi_rps: 1000, per_method_rps: 1000, burst: 1000 }\n");
  const std::string name = "imsguard_edge_transactions_total{event=\"stateless_unauthenticated_register\"}";
  double before = std::max(0.0, metric(metrics(), name));
  DigestPhone alice("alice", edge_.sip_port());
  int challenged = 0, dropped = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = alice.exchange(alice.register_request(""), 1500ms);
    if (r && status_of(*r) == 401) ++challenged;
    else if (!r) ++dropped;
  }
  ASSERT_EQ(challenged, 3) << edge_.log();
  ASSERT_EQ(dropped, 5);
  EXPECT_EQ(metric(metrics(), name) - before, 3) << "only the REGISTERs answered with a challenge";
}

}  // namespace
