// Which REGISTERs hold a server transaction, end to end over UDP with a raw socket: one
// without credentials is challenged statelessly (RFC 3261 8.2.7), so its retransmission gets
// a fresh challenge with the same To tag, and either challenge can be answered; one with
// credentials keeps its transaction, so its retransmission gets the stored 200 byte for
// byte instead of being refused as a replayed nonce count.
#include "imsguard_process.h"
#include "sip_socket.h"

#include "crypto/digest.h"
#include "crypto/digest_header.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

class StatelessChallengeE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    o.digest_algorithms = "[MD5]";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    impi_ = edge_.demo("digest", "impi");
    impu_ = edge_.demo("digest", "impu");
  }

  // A REGISTER from `from` (default: the peer) with a fixed branch (the same bytes make a
  // retransmission).
  std::string register_request(const std::string& branch, int cseq, const std::string& authorization = "",
                               const UdpPeer* from = nullptr, const std::string& host = "127.0.0.1") {
    std::string port = std::to_string((from != nullptr ? *from : peer_).local_port());
    return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP " + host + ":" + port + ";branch=z9hG4bK" + branch +
           "\r\nMax-Forwards: 70\r\nFrom: <" + impu_ + ">;tag=sl" + port + "\r\nTo: <" + impu_ +
           ">\r\nCall-ID: stateless-" + port + "\r\nCSeq: " + std::to_string(cseq) +
           " REGISTER\r\nContact: <sip:u@" + host + ":" + port + ">\r\nExpires: 600\r\n" + authorization +
           "Content-Length: 0\r\n\r\n";
  }

  std::optional<std::string> response(std::chrono::milliseconds timeout = 5s) {
    auto got = peer_.receive(timeout);
    while (got && status_of(*got) <= 0) got = peer_.receive(timeout);
    return got;
  }

  // The Authorization header answering `challenge` (a 401) with the demo user's password.
  std::string answer(const std::string& challenge) {
    auto parsed = imsguard::crypto::parse_digest_challenge(header_of(challenge, "WWW-Authenticate"));
    EXPECT_TRUE(parsed.ok()) << challenge;
    if (!parsed.ok()) return {};
    const auto& c = *parsed;
    std::string ha1 = imsguard::crypto::digest_ha1(c.algorithm.hash, impi_, c.realm, edge_.demo("digest", "password"));
    imsguard::crypto::DigestInput in{c.algorithm, ha1,        "REGISTER", "sip:ims.local", c.nonce,
                                     "00000001",  "0a4f113b", "auth",     ""};
    auto response = imsguard::crypto::digest_response(in);
    EXPECT_TRUE(response.ok());
    if (!response.ok()) return {};
    return "Authorization: Digest username=\"" + impi_ + "\", realm=\"" + c.realm + "\", nonce=\"" + c.nonce +
           "\", uri=\"sip:ims.local\", response=\"" + *response + "\", algorithm=MD5, qop=auth, nc=00000001, "
           "cnonce=\"0a4f113b\"\r\n";
  }

  static std::string nonce_of(const std::string& challenge) {
    auto parsed = imsguard::crypto::parse_digest_challenge(header_of(challenge, "WWW-Authenticate"));
    return parsed.ok() ? parsed->nonce : std::string();
  }

  ImsguardProcess edge_;
  UdpPeer peer_;
  std::string impi_, impu_;
};

TEST_F(StatelessChallengeE2e, ARetransmittedRegisterWithoutCredentialsGetsAFreshChallengeWithTheSameTag) {
  std::string initial = register_request("sl-initial", 1);
  peer_.send(initial, edge_.sip_port());
  auto first = response();
  ASSERT_TRUE(first) << edge_.log();
  ASSERT_EQ(status_of(*first), 401) << *first;
  peer_.send(initial, edge_.sip_port());  // the same bytes: a retransmission
  auto second = response();
  ASSERT_TRUE(second) << edge_.log();
  ASSERT_EQ(status_of(*second), 401) << *second;
  EXPECT_EQ(header_of(*second, "To"), header_of(*first, "To")) << "the To tag is derived, not drawn";
  EXPECT_NE(nonce_of(*second), nonce_of(*first)) << "a new challenge, not a stored copy";
  // The client answers the first challenge it got: still valid.
  peer_.send(register_request("sl-answer", 2, answer(*first)), edge_.sip_port());
  auto registered = response();
  ASSERT_TRUE(registered) << edge_.log();
  EXPECT_EQ(status_of(*registered), 200) << *registered;
}

TEST_F(StatelessChallengeE2e, ARetransmittedRegisterWithCredentialsGetsTheStored200) {
  peer_.send(register_request("sl-a", 1), edge_.sip_port());
  auto challenge = response();
  ASSERT_TRUE(challenge) << edge_.log();
  ASSERT_EQ(status_of(*challenge), 401) << *challenge;
  std::string answered = register_request("sl-b", 2, answer(*challenge));
  peer_.send(answered, edge_.sip_port());
  auto ok = response();
  ASSERT_TRUE(ok) << edge_.log();
  ASSERT_EQ(status_of(*ok), 200) << *ok;
  peer_.send(answered, edge_.sip_port());  // its 200 was "lost": the client sends it again
  auto again = response();
  ASSERT_TRUE(again) << edge_.log();
  EXPECT_EQ(*again, *ok) << "the stored answer, not a nonce-count replay refusal";
}

TEST_F(StatelessChallengeE2e, AnAnswerFromAnotherAddressThanTheChallengedOneIsRefused) {
  // The nonce is bound to the source address the edge recorded on the challenged request: a
  // captured challenge cannot be answered from elsewhere, and the refusal costs the real
  // client nothing (its answer from its own address still registers).
  peer_.send(register_request("sl-c", 1), edge_.sip_port());
  auto challenge = response();
  ASSERT_TRUE(challenge) << edge_.log();
  ASSERT_EQ(status_of(*challenge), 401) << *challenge;
  UdpPeer other("127.0.0.2");
  ASSERT_NE(other.local_port(), 0);
  other.send(register_request("sl-d", 2, answer(*challenge), &other, "127.0.0.2"), edge_.sip_port());
  auto refused = other.receive(5s);
  while (refused && status_of(*refused) < 200) refused = other.receive(5s);
  ASSERT_TRUE(refused) << edge_.log();
  EXPECT_EQ(status_of(*refused), 401) << *refused;
  EXPECT_NE(nonce_of(*refused), nonce_of(*challenge)) << "a new challenge, bound to 127.0.0.2";
  peer_.send(register_request("sl-e", 2, answer(*challenge)), edge_.sip_port());
  auto registered = response();
  ASSERT_TRUE(registered) << edge_.log();
  EXPECT_EQ(status_of(*registered), 200) << *registered;
}

}  // namespace
