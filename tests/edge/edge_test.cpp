// edge::Edge built as the composition root builds it, but on fakes: in-memory stores, a
// sender that records what would go on the wire, a clock the test moves and a counter
// registry of its own. A request goes through the whole edge (parse, validation, server
// transaction, registrar, proxy) with no socket and no process.
#include "edge/edge.h"

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "crypto/digest_header.h"
#include "crypto/hash.h"
#include "edge/registrar.h"
#include "edge/service_router.h"
#include "ops/counters.h"
#include "sip/parser.h"
#include "store/memory_binding_store.h"
#include "store/memory_subscriber_store.h"
#include "store/provisioning.h"

#include <atomic>
#include <mutex>

namespace imsguard::edge {
namespace {

// What the edge would send on its own (relays, timer retransmissions), and where.
class FakeSender final : public net::FlowSender {
 public:
  bool send_to(const net::Flow& flow, std::string_view bytes) override {
    std::lock_guard lock(mutex_);
    sent_.emplace_back(flow, std::string(bytes));
    return true;
  }
  std::vector<std::pair<net::Flow, std::string>> sent() {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<net::Flow, std::string>> sent_;
};

// The answers sent back on the flow a request came on.
class FakeResponder final : public net::Responder {
 public:
  void send(std::string_view bytes) override { answers.emplace_back(bytes); }
  std::vector<std::string> answers;
};

// A service router that takes every request: shows the edge hands requests to the one it
// was built with, and to no process-wide one.
class FakeServices final : public ServiceRouter {
 public:
  bool route(const net::Flow&, const FlowIdentity& identity, const sip::Message& msg, net::Responder& reply,
             const LateReply&) override {
    if (msg.request_uri().find("@services.") == std::string_view::npos) return false;
    routed.push_back(identity.impi);
    reply.send("SIP/2.0 202 fake service\r\n\r\n");
    return true;
  }
  std::vector<std::string> routed;
};

net::Flow udp(const std::string& address, uint16_t port) {
  net::Flow f;
  f.transport = config::Transport::kUdp;
  f.address = asio::ip::make_address(address);
  f.port = port;
  return f;
}

int status_of(const std::string& answer) {
  return answer.rfind("SIP/2.0 ", 0) == 0 ? std::stoi(answer.substr(8, 3)) : 0;
}

class EdgeWithFakes : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.sip.listen = {{config::Transport::kUdp, "192.0.2.10", 5060}};
    // These tests are about relaying and routing; the 407 that out-of-dialog UDP requests get
    // by default is shown in UdpRequestChallengeE2e.
    config_.auth.challenge_udp_requests = false;
    store::ProvisioningOptions po;
    po.realm = config_.auth.realm;
    for (const char* user : {"alice", "bob"}) {
      store::SubscriberSpec spec;
      spec.impi = std::string(user) + "@ims.local";
      spec.impus = {"sip:" + spec.impi};
      spec.password = std::string(user) + "-secret";
      auto sub = store::build_subscriber(spec, po);
      ASSERT_TRUE(sub.ok()) << sub.message();
      ASSERT_TRUE(subscribers_.add(sub.value()).ok());
    }
    registrar_ = std::make_unique<Registrar>(config_, subscribers_, bindings_, RegistrarDeps{nullptr, &metrics_, &events_});
    ASSERT_TRUE(registrar_->ready());
    EdgeDeps deps;
    deps.registrar = registrar_.get();
    deps.sender = &sender_;
    deps.services = &services_;
    deps.metrics = &metrics_;
    deps.events = &events_;
    deps.clock = [this] { return now_ms_.load(); };
    edge_ = std::make_unique<Edge>(config_, std::move(deps));
  }

  std::string register_text(const std::string& user, const net::Flow& from, int cseq, const std::string& auth) {
    std::string host = from.address.to_string() + ":" + std::to_string(from.port);
    return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP " + host + ";branch=z9hG4bKreg" + user +
           std::to_string(cseq) + "\r\nMax-Forwards: 70\r\nFrom: <sip:" + user + "@ims.local>;tag=f" + user +
           "\r\nTo: <sip:" + user + "@ims.local>\r\nCall-ID: reg-" + user + "\r\nCSeq: " + std::to_string(cseq) +
           " REGISTER\r\nContact: <sip:" + user + "@" + host + ">\r\nExpires: 600\r\n" +
           (auth.empty() ? "" : "Authorization: " + auth + "\r\n") + "Content-Length: 0\r\n\r\n";
  }

  // Challenge, answer, 200: the flow is registered.
  std::string register_user(const std::string& user, const net::Flow& from) {
    FakeResponder first;
    edge_->on_message(from, register_text(user, from, 1, ""), first);
    EXPECT_EQ(first.answers.size(), 1u);
    if (first.answers.empty()) return {};
    EXPECT_EQ(status_of(first.answers[0]), 401) << first.answers[0];
    sip::Message challenge_msg;
    EXPECT_EQ(sip::parse_datagram(first.answers[0], sip::Limits{}, challenge_msg).status, sip::ParseStatus::kOk);
    auto header = challenge_msg.find(sip::HeaderId::kWwwAuthenticate);
    EXPECT_NE(header, nullptr);
    if (!header) return {};
    auto c = crypto::parse_digest_challenge(header->value);
    EXPECT_TRUE(c.ok()) << c.message();
    std::string impi = user + "@ims.local";
    std::string ha1 = crypto::digest_ha1(c->algorithm.hash, impi, "ims.local", user + "-secret");
    crypto::DigestInput in;
    in.algorithm = c->algorithm;
    in.ha1 = ha1;
    in.method = "REGISTER";
    in.uri = "sip:ims.local";
    in.nonce = c->nonce;
    in.nc = "00000001";
    in.cnonce = "c0ffee";
    in.qop = "auth";
    auto response = crypto::digest_response(in);
    EXPECT_TRUE(response.ok());
    std::string auth = "Digest username=\"" + impi + "\", realm=\"ims.local\", nonce=\"" + c->nonce +
                       "\", uri=\"sip:ims.local\", response=\"" + *response + "\", algorithm=" +
                       crypto::digest_algorithm_name(c->algorithm) + ", qop=auth, nc=00000001, cnonce=\"c0ffee\"";
    std::string text = register_text(user, from, 2, auth);
    FakeResponder second;
    edge_->on_message(from, text, second);
    EXPECT_EQ(second.answers.size(), 1u);
    if (second.answers.empty()) return {};
    EXPECT_EQ(status_of(second.answers[0]), 200) << second.answers[0];
    return text;
  }

  uint64_t counter(std::string_view name) const {
    for (const auto& [n, v] : metrics_.snapshot())
      if (n == name) return v;
    return 0;
  }

  config::Config config_;
  store::MemorySubscriberStore subscribers_;
  store::MemoryBindingStore bindings_;
  FakeSender sender_;
  FakeServices services_;
  ops::CounterRegistry metrics_;
  ops::EventSink events_;
  std::atomic<int64_t> now_ms_{1'000'000};
  std::unique_ptr<Registrar> registrar_;
  std::unique_ptr<Edge> edge_;
};

TEST_F(EdgeWithFakes, ARegisteredUsersMessageIsRelayedToTheCalleesFlowWithTheAssertedIdentity) {
  const net::Flow alice = udp("198.51.100.7", 5070), bob = udp("198.51.100.8", 5072);
  ASSERT_FALSE(register_user("alice", alice).empty());
  ASSERT_FALSE(register_user("bob", bob).empty());
  auto bound = bindings_.lookup("sip:bob@ims.local", 1);
  ASSERT_TRUE(bound.ok());
  ASSERT_EQ(bound.value().size(), 1u);
  EXPECT_EQ(bound.value()[0].source, "198.51.100.8:5072");

  std::string message =
      "MESSAGE sip:bob@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKm1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=a1\r\nTo: <sip:bob@ims.local>\r\nCall-ID: m1\r\n"
      "CSeq: 1 MESSAGE\r\nP-Asserted-Identity: <sip:bob@ims.local>\r\nContent-Type: text/plain\r\n"
      "Content-Length: 2\r\n\r\nhi";
  FakeResponder reply;
  edge_->on_message(alice, message, reply);
  EXPECT_TRUE(reply.answers.empty()) << reply.answers[0];
  auto sent = sender_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first.address.to_string(), "198.51.100.8");
  EXPECT_EQ(sent[0].first.port, 5072);
  // The identity the client asserted is replaced by the one it authenticated as.
  EXPECT_NE(sent[0].second.find("P-Asserted-Identity: <sip:alice@ims.local>"), std::string::npos) << sent[0].second;
  EXPECT_EQ(sent[0].second.find("<sip:bob@ims.local>\r\nContent-Type"), std::string::npos) << sent[0].second;
  // Counted in the registry the edge was given, not only the process-wide one.
  EXPECT_EQ(counter("imsguard_edge_requests_total{method=\"MESSAGE\"}"), 1u);
  EXPECT_EQ(counter("imsguard_proxy_requests_total{outcome=\"forwarded\"}"), 1u);
}

TEST_F(EdgeWithFakes, AnUnregisteredFlowIsRefusedAndAServiceUriGoesToTheRouterItWasBuiltWith) {
  const net::Flow alice = udp("198.51.100.7", 5070), stranger = udp("203.0.113.9", 5060);
  std::string to_service =
      "MESSAGE sip:echo@services.ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKs1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=s1\r\nTo: <sip:echo@services.ims.local>\r\n"
      "Call-ID: s1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
  FakeResponder refused;
  edge_->on_message(stranger, to_service, refused);
  ASSERT_EQ(refused.answers.size(), 1u);
  EXPECT_EQ(status_of(refused.answers[0]), 403) << refused.answers[0];
  EXPECT_TRUE(services_.routed.empty());

  ASSERT_FALSE(register_user("alice", alice).empty());
  std::string from_alice = to_service;
  from_alice.replace(from_alice.find("203.0.113.9:5060"), 16, "198.51.100.7:5070");
  from_alice.replace(from_alice.find("z9hG4bKs1"), 9, "z9hG4bKs2");
  FakeResponder routed;
  edge_->on_message(alice, from_alice, routed);
  ASSERT_EQ(services_.routed.size(), 1u);
  EXPECT_EQ(services_.routed[0], "alice@ims.local");
  ASSERT_EQ(routed.answers.size(), 1u);
  EXPECT_EQ(status_of(routed.answers[0]), 202);
}

TEST_F(EdgeWithFakes, ARetransmittedRegisterGetsTheStoredAnswerUntilTheFakeClockPassesTheTransactionsLife) {
  const net::Flow alice = udp("198.51.100.7", 5070);
  std::string authenticated = register_user("alice", alice);
  ASSERT_FALSE(authenticated.empty());
  FakeResponder again;
  edge_->on_message(alice, authenticated, again);
  ASSERT_EQ(again.answers.size(), 1u);
  EXPECT_EQ(status_of(again.answers[0]), 200) << again.answers[0];
  // Answered from the table: the registrar did not see it a second time.
  EXPECT_EQ(counter("imsguard_edge_requests_total{method=\"REGISTER\"}"), 2u);  // challenge + answer
  // 64*T1 later the entry is gone: the same bytes reach the registrar, whose nonce-count
  // table refuses the replayed nc with a fresh challenge.
  now_ms_ += 64 * int64_t{config_.sip.timers.t1_ms} + 1;
  FakeResponder later;
  edge_->on_message(alice, authenticated, later);
  ASSERT_EQ(later.answers.size(), 1u);
  EXPECT_EQ(status_of(later.answers[0]), 401) << later.answers[0];
  EXPECT_EQ(counter("imsguard_edge_requests_total{method=\"REGISTER\"}"), 3u);
}

}  // namespace
}  // namespace imsguard::edge
