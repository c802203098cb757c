// edge::RequestChallenge in process (issue 17 F8a): which requests must prove their sender,
// the 407 and its answer, and that an answer proving another subscriber does not open a
// flow registered to this one.
#include "crypto/digest.h"
#include "../support/test_telemetry.h"
#include "crypto/digest_header.h"
#include "edge/received_from.h"
#include "edge/request_challenge.h"
#include "sip/parser.h"
#include "store/provisioning.h"
#include "store/state.h"

#include <gtest/gtest.h>

using namespace imsguard;
using namespace imsguard::edge;

namespace {

class Captured final : public net::Responder {
 public:
  void send(std::string_view bytes) override { last = std::string(bytes); }
  std::string last;
};

class RequestChallengeTest : public ::testing::Test {
 protected:
  test::Telemetry telemetry_;  // outlives the stores
  void SetUp() override {
    auto state = store::open_state("memory", "", telemetry_.metrics, telemetry_.events);
    ASSERT_TRUE(state.ok());
    stores_ = std::move(state.value());
    store::ProvisioningOptions po;
    po.realm = "ims.local";
    for (const char* user : {"alice", "carol"}) {
      auto s = store::build_subscriber({.impi = std::string(user) + "@ims.local",
                                        .impus = {"sip:" + std::string(user) + "@ims.local"},
                                        .password = std::string(user) + "-pw"},
                                       po);
      ASSERT_TRUE(s.ok()) << s.message();
      ASSERT_TRUE(stores_.subscribers->add(s.value()).ok());
    }
    config_.auth.digest_algorithms = {"MD5"};
    auto auth = Authenticator::create(Authenticator::options_from(config_), *stores_.subscribers);
    ASSERT_TRUE(auth.ok()) << auth.message();
    auth_ = std::move(auth).value();
    challenge_ = std::make_unique<RequestChallenge>(config_, *auth_, t_.metrics, t_.events);
    flow_.transport = config::Transport::kUdp;
    flow_.address = asio::ip::make_address("127.0.0.9");
    flow_.port = 5099;
  }

  // Parses `text` as the edge does (source recorded) into msg_.
  const sip::Message& parse(const std::string& text) {
    text_ = text;
    EXPECT_EQ(sip::parse_datagram(text_, sip::Limits{}, msg_).status, sip::ParseStatus::kOk) << text_;
    msg_.set_received_from(received_from(flow_));
    return msg_;
  }
  static std::string request(const std::string& method, const std::string& to_tag = "", const std::string& auth = "") {
    return method + " sip:bob@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5099;branch=z9hG4bK" + method +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=a\r\nTo: <sip:bob@ims.local>" +
           (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\nCall-ID: rc-" + method + "\r\nCSeq: 1 " + method + "\r\n" +
           auth + "Content-Length: 0\r\n\r\n";
  }
  // The Proxy-Authorization line answering the 407 in `challenge` as `user` with `password`.
  static std::string answer(const std::string& challenge, const std::string& user, const std::string& password) {
    size_t at = challenge.find("Proxy-Authenticate: ");
    std::string value = challenge.substr(at + 20, challenge.find("\r\n", at) - at - 20);
    auto c = crypto::parse_digest_challenge(value);
    EXPECT_TRUE(c.ok()) << value;
    std::string impi = user + "@ims.local";
    std::string ha1 = crypto::digest_ha1(c.value().algorithm.hash, impi, "ims.local", password);
    crypto::DigestInput in{c.value().algorithm, ha1, "MESSAGE", "sip:bob@ims.local", c.value().nonce,
                           "00000001",         "cn", "auth",                 ""};
    return "Proxy-Authorization: Digest username=\"" + impi + "\", realm=\"ims.local\", nonce=\"" + c.value().nonce +
           "\", uri=\"sip:bob@ims.local\", response=\"" + crypto::digest_response(in).value() +
           "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"cn\"\r\n";
  }

  test::Telemetry t_;
  config::Config config_;
  store::StateStores stores_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<RequestChallenge> challenge_;
  net::Flow flow_;
  std::string text_;
  sip::Message msg_;
};

TEST_F(RequestChallengeTest, OnlyOutOfDialogRequestsOverUdpMustProveTheirSender) {
  for (const char* m : {"MESSAGE", "INVITE", "SUBSCRIBE", "OPTIONS", "REFER", "NOTIFY", "PUBLISH", "INFO"})
    EXPECT_TRUE(challenge_->applies(flow_, parse(request(m)))) << m;
  for (const char* m : {"REGISTER", "ACK", "CANCEL"}) EXPECT_FALSE(challenge_->applies(flow_, parse(request(m)))) << m;
  EXPECT_FALSE(challenge_->applies(flow_, parse(request("BYE", "b1")))) << "inside a dialog";
  EXPECT_FALSE(challenge_->applies(flow_, parse(request("INVITE", "b1")))) << "a re-INVITE";
  net::Flow tcp = flow_;
  tcp.transport = config::Transport::kTcp;
  EXPECT_FALSE(challenge_->applies(tcp, parse(request("MESSAGE"))));
  config_.auth.challenge_udp_requests = false;
  EXPECT_FALSE(challenge_->applies(flow_, parse(request("MESSAGE"))));
}

TEST_F(RequestChallengeTest, TheFlowsOwnSubscriberPassesAnotherOneDoesNot) {
  FlowIdentity alice{"alice@ims.local", {"sip:alice@ims.local"}, 0};
  Captured reply;
  EXPECT_FALSE(challenge_->admit(flow_, alice, parse(request("MESSAGE")), reply, nullptr));
  ASSERT_EQ(reply.last.rfind("SIP/2.0 407 ", 0), 0u) << reply.last;
  std::string challenge = reply.last;
  EXPECT_TRUE(challenge_->admit(flow_, alice, parse(request("MESSAGE", "", answer(challenge, "alice", "alice-pw"))),
                                reply, nullptr));
  // A wrong password: challenged again.
  reply.last.clear();
  EXPECT_FALSE(challenge_->admit(flow_, alice, parse(request("MESSAGE")), reply, nullptr));
  std::string second = reply.last;
  EXPECT_FALSE(challenge_->admit(flow_, alice, parse(request("MESSAGE", "", answer(second, "alice", "guess"))), reply,
                                 nullptr));
  EXPECT_EQ(reply.last.rfind("SIP/2.0 407 ", 0), 0u) << reply.last;
  // Carol holds a nonce issued to this address for herself (she registered from here once)
  // and answers it rightly, in a request on alice's flow: it proves carol, not alice.
  FlowIdentity carol{"carol@ims.local", {"sip:carol@ims.local"}, 0};
  std::string carol_msg = request("MESSAGE");
  size_t from = carol_msg.find("sip:alice@");
  carol_msg.replace(from, 10, "sip:carol@");
  EXPECT_FALSE(challenge_->admit(flow_, carol, parse(carol_msg), reply, nullptr));
  std::string carols = reply.last;
  reply.last.clear();
  EXPECT_FALSE(challenge_->admit(flow_, alice, parse(request("MESSAGE", "", answer(carols, "carol", "carol-pw"))), reply,
                                 nullptr));
  EXPECT_EQ(reply.last.rfind("SIP/2.0 407 ", 0), 0u) << reply.last;
}

}  // namespace
