// Issue 17 F8(a) attacked through a real `imsguard run`: alice and bob are registered over
// UDP; an attacker writes datagrams with alice's address and port on them (a raw socket,
// IP_HDRINCL) carrying a MESSAGE or an INVITE "from" alice to bob. The edge answers 407
// (auth.challenge_udp_requests, on by default) to alice's address, where the attacker cannot
// read it, so nothing reaches bob with alice's asserted identity; alice's own phone answers
// the same challenge and is delivered, her Proxy-Authorization removed on the way. With the
// key off the old trust in the source address comes back (the spoofed MESSAGE reaches bob as
// alice); TCP flows are never challenged.
#include "raw_digest_phone.h"
#include "imsguard_process.h"
#include "process.h"
#include "sip_socket.h"
#include "spoofed_udp.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

class UdpRequestChallengeE2e : public ::testing::Test {
 protected:
  void start(const std::string& auth_yaml = "") {
    std::string dir = make_temp_dir("imsguard-udp-challenge");
    for (const char* user : {"alice", "bob", "carol"}) {
      ChildProcess add;
      ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir, "--realm", "ims.local", "--impi",
                             std::string(user) + "@ims.local", "--impu", "sip:" + std::string(user) + "@ims.local",
                             "--password", std::string(user) + "-secret"},
                            dir + "/add-" + user + ".log"));
      ASSERT_EQ(add.wait(30s), 0) << read_file(dir + "/add-" + user + ".log");
    }
    ImsguardOptions o;
    o.tls = false;
    o.data_dir = dir;
    o.digest_algorithms = "[MD5]";
    o.auth_yaml = auth_yaml;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    alice_ = std::make_unique<RawDigestPhone>("alice", "alice-secret", edge_.sip_port());
    bob_ = std::make_unique<RawDigestPhone>("bob", "bob-secret", edge_.sip_port());
    ASSERT_TRUE(alice_->register_self()) << edge_.log();
    ASSERT_TRUE(bob_->register_self()) << edge_.log();
    // From now on bob's phone answers every request it gets with 200 and keeps what it saw.
    bob_thread_ = std::thread([this] {
      while (!stop_) {
        auto got = bob_->socket().receive(100ms);
        if (!got || status_of(*got) != 0) continue;
        {
          std::lock_guard lock(bob_mu_);
          bob_seen_ += *got;
        }
        bob_->answer_ok(*got);
      }
    });
  }
  void TearDown() override {
    stop_ = true;
    if (bob_thread_.joinable()) bob_thread_.join();
  }

  // What an attacker sends in alice's name: her address, port, From and Via; no credentials.
  std::string forged(const std::string& method, const std::string& body) {
    std::string headers = "To: <sip:bob@ims.local>\r\nP-Asserted-Identity: <sip:alice@ims.local>\r\n";
    if (method == "INVITE") headers += "Contact: <" + alice_->own_contact() + ">\r\n";
    headers += "Content-Type: text/plain\r\n";
    return alice_->build(method, "sip:bob@ims.local", headers, body, "spoof-" + method + "-" + std::to_string(++forged_));
  }
  bool spoof(const std::string& bytes) {
    return send_spoofed_udp(bytes, "127.0.0.1", alice_->port(), edge_.sip_port());
  }
  // Every request bob's phone received so far, after waiting `wait` for stragglers.
  std::string bob_receives(std::chrono::milliseconds wait) {
    std::this_thread::sleep_for(wait);
    std::lock_guard lock(bob_mu_);
    return bob_seen_;
  }
  // The request bob received that carries `marker` (its start line to the marker), within 5 s.
  std::optional<std::string> bob_got(const std::string& marker) {
    std::optional<std::string> out;
    eventually(
        [&] {
          std::lock_guard lock(bob_mu_);
          size_t at = bob_seen_.find(marker);
          if (at == std::string::npos) return false;
          size_t begin = bob_seen_.rfind("MESSAGE sip:", at);
          if (begin == std::string::npos) begin = 0;
          out = bob_seen_.substr(begin, at + marker.size() - begin);
          return true;
        },
        5s);
    return out;
  }

  ImsguardProcess edge_;
  std::unique_ptr<RawDigestPhone> alice_, bob_;
  std::thread bob_thread_;
  std::atomic<bool> stop_{false};
  std::mutex bob_mu_;
  std::string bob_seen_;
  int forged_ = 0;
};

TEST_F(UdpRequestChallengeE2e, ASpoofedMessageOrInviteInARegisteredPhonesNameReachesNobody) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(spoof(forged("MESSAGE", "spoofed-message")));
  ASSERT_TRUE(spoof(forged("INVITE", "spoofed-invite")));
  // The edge challenged the address the datagrams named: alice's phone gets the 407s.
  for (int i = 0; i < 2; ++i) {
    auto challenge = alice_->next(true);
    ASSERT_TRUE(challenge) << edge_.log();
    EXPECT_EQ(status_of(*challenge), 407) << *challenge;
    EXPECT_NE(header_of(*challenge, "Proxy-Authenticate").find("Digest realm=\"ims.local\""), std::string::npos)
        << *challenge;
  }
  // Alice's real MESSAGE, answering its own 407, is delivered: the witness that bob's socket
  // works and that anything the edge relayed has arrived by then.
  auto sent = alice_->request("MESSAGE", "sip:bob@ims.local", "", "the-real-one");
  ASSERT_TRUE(sent) << edge_.log();
  std::string seen = bob_receives(2s);
  EXPECT_NE(seen.find("the-real-one"), std::string::npos) << seen << edge_.log();
  EXPECT_EQ(seen.find("spoofed-message"), std::string::npos) << "the spoofed MESSAGE reached bob:\n" << seen;
  EXPECT_EQ(seen.find("spoofed-invite"), std::string::npos) << "the spoofed INVITE reached bob:\n" << seen;
  EXPECT_EQ(seen.find("INVITE sip:bob"), std::string::npos) << seen;
  // A forged answer (a made-up nonce) is challenged again, not delivered, and its failure is
  // no counted guess against alice (the nonce was not issued to that address).
  std::string forged_answer = alice_->build(
      "MESSAGE", "sip:bob@ims.local", "To: <sip:bob@ims.local>\r\nContent-Type: text/plain\r\n", "forged-answer",
      "spoof-answer",
      "Proxy-Authorization: Digest username=\"alice@ims.local\", realm=\"ims.local\", nonce=\"bWFkZS11cA\", "
      "uri=\"sip:bob@ims.local\", response=\"00000000000000000000000000000000\", algorithm=MD5, qop=auth, "
      "nc=00000001, cnonce=\"x\"\r\n");
  ASSERT_TRUE(spoof(forged_answer));
  auto again = alice_->next(true);
  ASSERT_TRUE(again);
  EXPECT_EQ(status_of(*again), 407) << *again;
  auto witness = alice_->request("MESSAGE", "sip:bob@ims.local", "", "second-real-one");
  ASSERT_TRUE(witness);
  seen = bob_receives(2s);
  EXPECT_NE(seen.find("second-real-one"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("forged-answer"), std::string::npos) << seen;
}

TEST_F(UdpRequestChallengeE2e, TheRealPhoneAnswersAndItsCredentialsStopAtTheEdge) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto first = alice_->request("MESSAGE", "sip:bob@ims.local", "", "hello-bob", /*answer_challenge=*/false);
  ASSERT_TRUE(first);
  ASSERT_EQ(status_of(*first), 407) << *first;
  std::string auth = alice_->answer(*first, "MESSAGE", "sip:bob@ims.local", "hello-bob");
  ASSERT_FALSE(auth.empty());
  ASSERT_TRUE(alice_->socket().send(alice_->build("MESSAGE", "sip:bob@ims.local",
                                                "To: <sip:bob@ims.local>\r\nContent-Type: text/plain\r\n", "hello-bob",
                                                "answered-1", auth),
                                   edge_.sip_port()));
  auto delivered = bob_got("hello-bob");
  ASSERT_TRUE(delivered) << edge_.log();
  EXPECT_EQ(header_of(*delivered, "P-Asserted-Identity"), "<sip:alice@ims.local>") << *delivered;
  EXPECT_EQ(header_of(*delivered, "Proxy-Authorization"), "") << "the credentials reached the callee:\n" << *delivered;
  // Another subscriber's valid answer, sent from alice's flow in alice's name, proves carol,
  // not alice: challenged again (carol registered nothing; her password is all she has).
  RawDigestPhone carol("carol", "carol-secret", edge_.sip_port());
  auto carol_challenge = alice_->request("MESSAGE", "sip:bob@ims.local", "", "carol-as-alice", false);
  ASSERT_TRUE(carol_challenge);
  std::string carols = carol.answer(*carol_challenge, "MESSAGE", "sip:bob@ims.local", "carol-as-alice");
  ASSERT_TRUE(alice_->socket().send(alice_->build("MESSAGE", "sip:bob@ims.local",
                                                "To: <sip:bob@ims.local>\r\nContent-Type: text/plain\r\n",
                                                "carol-as-alice", "carol-1", carols),
                                   edge_.sip_port()));
  auto refused = alice_->next(true);
  ASSERT_TRUE(refused);
  EXPECT_EQ(status_of(*refused), 407) << *refused;
  EXPECT_EQ(bob_receives(1s).find("carol-as-alice"), std::string::npos);
}

TEST_F(UdpRequestChallengeE2e, WithTheKeyOffTheSourceAddressIsTrustedAgain) {
  ASSERT_NO_FATAL_FAILURE(start("  challenge_udp_requests: false\n"));
  ASSERT_TRUE(spoof(forged("MESSAGE", "spoofed-message")));
  auto delivered = bob_got("spoofed-message");
  ASSERT_TRUE(delivered) << edge_.log();
  EXPECT_EQ(header_of(*delivered, "P-Asserted-Identity"), "<sip:alice@ims.local>") << *delivered;
}

TEST_F(UdpRequestChallengeE2e, StreamFlowsAreNotChallengedUdpOnesAre) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto run_client = [&](const std::string& transport, const std::string& text) {
    std::string log = edge_.data_dir() + "/carol-" + transport + ".log";
    ChildProcess c;
    EXPECT_TRUE(c.start({IMSGUARD_BIN, "client", "message", "--server", "127.0.0.1:" + std::to_string(edge_.sip_port()),
                         "-v", "--transport", transport, "--impi", "carol@ims.local", "--impu", "sip:carol@ims.local",
                         "--password", "carol-secret", "--to", "sip:bob@ims.local", "--text", text},
                        log));
    EXPECT_EQ(c.wait(60s), 0) << read_file(log);
    return read_file(log);
  };
  std::string tcp = run_client("tcp", "over-tcp");
  EXPECT_NE(tcp.find("MESSAGE sip:bob@ims.local: 200 OK"), std::string::npos) << tcp;
  EXPECT_EQ(tcp.find("407"), std::string::npos) << tcp;
  std::string udp = run_client("udp", "over-udp");
  EXPECT_NE(udp.find("MESSAGE sip:bob@ims.local: 200 OK"), std::string::npos) << udp;
  EXPECT_NE(udp.find("407"), std::string::npos) << udp;
  std::string to_bob = bob_receives(0ms);
  EXPECT_NE(to_bob.find("over-tcp"), std::string::npos) << to_bob;
  EXPECT_NE(to_bob.find("over-udp"), std::string::npos) << to_bob;
}

TEST_F(UdpRequestChallengeE2e, ABurstOfWrongAnswersOrForgedHeadersIsABoundedNumberOfEvents) {
  // One security event per episode (ops/episodes.h), for the emits of the registrar, the
  // proxy and this challenge: 20 wrong answers to the 407 and 20 MESSAGEs carrying forged
  // network headers make one line each when their episode opens (and one summary per 10 s
  // window), not one line per message.
  ASSERT_NO_FATAL_FAILURE(start());
  auto began = std::chrono::steady_clock::now();
  RawDigestPhone liar("alice", "not-her-password", edge_.sip_port());
  for (int i = 0; i < 20; ++i) {
    auto challenge = alice_->request("MESSAGE", "sip:bob@ims.local", "", "wrong-" + std::to_string(i), false);
    ASSERT_TRUE(challenge) << edge_.log();
    ASSERT_EQ(status_of(*challenge), 407) << *challenge;
    std::string body = "wrong-" + std::to_string(i);
    std::string wrong = liar.answer(*challenge, "MESSAGE", "sip:bob@ims.local", body);
    ASSERT_TRUE(alice_->socket().send(alice_->build("MESSAGE", "sip:bob@ims.local",
                                                    "To: <sip:bob@ims.local>\r\nContent-Type: text/plain\r\n", body,
                                                    "wrong-answer-" + std::to_string(i), wrong),
                                      edge_.sip_port()));
    auto refused = alice_->next(true);
    ASSERT_TRUE(refused);
    EXPECT_EQ(status_of(*refused), 407) << *refused;
  }
  for (int i = 0; i < 20; ++i) {
    auto ok = alice_->request("MESSAGE", "sip:bob@ims.local", "P-Asserted-Identity: <sip:bank@ims.local>\r\n",
                              "forged-" + std::to_string(i));
    ASSERT_TRUE(ok) << edge_.log();
  }
  std::string to_bob = bob_receives(2s);
  EXPECT_EQ(to_bob.find("wrong-"), std::string::npos) << "a wrong answer was relayed:\n" << to_bob;
  EXPECT_NE(to_bob.find("forged-19"), std::string::npos) << to_bob;
  EXPECT_EQ(to_bob.find("bank@"), std::string::npos) << to_bob;
  auto elapsed_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began).count();
  const size_t bound = 2u * static_cast<size_t>(elapsed_s / 10 + 1);
  ASSERT_TRUE(eventually([&] { return edge_.events().find("\"guard\":\"header_policy\"") != std::string::npos; }, 5s));
  std::string events = edge_.events();
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = events.find(needle); at != std::string::npos; at = events.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_GE(count("MESSAGE: wrong password"), 1u) << events;
  EXPECT_LE(count("MESSAGE: wrong password"), bound) << "in " << elapsed_s << " s:\n" << events;
  EXPECT_GE(count("\"guard\":\"header_policy\""), 1u) << events;
  EXPECT_LE(count("\"guard\":\"header_policy\""), bound) << "in " << elapsed_s << " s:\n" << events;
}

}  // namespace
