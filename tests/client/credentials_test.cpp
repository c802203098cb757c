// The client's answers checked by the edge's own Authenticator (in process, memory store):
// what the client computes must be exactly what the registrar accepts, for Digest with every
// algorithm order and for IMS AKA, including the USIM's refusal of a forged AUTN and the
// AUTS resynchronisation.
#include "client/credentials.h"
#include "../support/test_telemetry.h"
#include "crypto/aka.h"
#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hex.h"
#include "edge/authenticator.h"
#include "sip/parser.h"
#include "store/provisioning.h"
#include "store/state.h"

#include <gtest/gtest.h>

#include <memory>

using namespace imsguard;
using namespace imsguard::client;

namespace {

constexpr const char* kRealm = "ims.local";
constexpr const char* kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
constexpr const char* kOpc = "cd63cb71954a9f4e48a5994e37a02baf";

crypto::Key key(const char* hex) {
  crypto::Key k{};
  auto b = crypto::from_hex(hex);
  if (b && b->size() == k.size()) std::copy(b->begin(), b->end(), k.begin());
  return k;
}

// A parsed message that owns its bytes.
struct Parsed {
  std::string bytes;
  sip::Message msg;
};

std::unique_ptr<Parsed> parse(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->bytes = std::move(text);
  auto r = sip::parse_datagram(p->bytes, sip::Limits{}, p->msg);
  EXPECT_EQ(r.status, sip::ParseStatus::kOk) << r.reason;
  return p;
}

class ClientAgainstAuthenticator : public ::testing::Test {
 protected:
  test::Telemetry telemetry_;  // outlives the stores
  void SetUp() override {
    auto state = store::open_state("memory", "", telemetry_.metrics, telemetry_.events);
    ASSERT_TRUE(state.ok());
    stores_ = std::move(state.value());
    store::ProvisioningOptions po;
    po.realm = kRealm;
    add({.impi = "alice@ims.local", .impus = {"sip:alice@ims.local"}, .password = "secret"}, po);
    add({.impi = "bob@ims.local", .impus = {"sip:bob@ims.local"}, .k = kK, .opc = kOpc, .amf = "0000", .sqn = "0"}, po);
  }

  void make_authenticator(std::vector<crypto::DigestAlgorithm> order) {
    edge::AuthenticatorOptions o;
    o.realm = kRealm;
    o.digest_order = std::move(order);
    auto auth = edge::Authenticator::create(o, *stores_.subscribers);
    ASSERT_TRUE(auth.ok()) << auth.message();
    auth_ = std::move(auth).value();
  }

  void add(const store::SubscriberSpec& spec, const store::ProvisioningOptions& po) {
    auto s = store::build_subscriber(spec, po);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_TRUE(stores_.subscribers->add(s.value()).ok());
  }

  std::string register_text(const std::string& user, const std::string& authorization) {
    ++n_;
    return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK" + std::to_string(n_) +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:" + user + ">;tag=1\r\nTo: <sip:" + user + ">\r\nCall-ID: c" +
           std::to_string(n_) + "\r\nCSeq: " + std::to_string(n_) + " REGISTER\r\n" +
           (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") + "Content-Length: 0\r\n\r\n";
  }

  edge::AuthResult send(const std::string& user, const std::string& authorization) {
    last_ = parse(register_text(user, authorization));
    return auth_->authenticate(last_->msg, "sip:" + user, "127.0.0.5");
  }

  // The 401 a registrar would send for this result.
  std::unique_ptr<Parsed> challenge_response(const edge::AuthResult& r) {
    std::string text = "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK1\r\n"
                       "From: <sip:x@ims.local>;tag=1\r\nTo: <sip:x@ims.local>;tag=2\r\nCall-ID: c\r\n"
                       "CSeq: 1 REGISTER\r\n";
    for (const auto& v : r.challenge.www_authenticate) text += "WWW-Authenticate: " + v + "\r\n";
    text += "Content-Length: 0\r\n\r\n";
    return parse(text);
  }

  Credentials alice(const std::string& password = "secret") {
    Credentials c;
    c.impi = "alice@ims.local";
    c.realm = kRealm;
    c.password = password;
    return c;
  }

  Credentials bob(const char* k = kK, uint64_t sqn_ms = 0) {
    Credentials c;
    c.impi = "bob@ims.local";
    c.realm = kRealm;
    UsimProfile u;
    u.k = key(k);
    u.opc = key(kOpc);
    u.sqn_ms = sqn_ms;
    c.usim = u;
    return c;
  }

  store::StateStores stores_;
  std::unique_ptr<edge::Authenticator> auth_;
  std::unique_ptr<Parsed> last_;
  int n_ = 0;
};

TEST_F(ClientAgainstAuthenticator, DigestAnswerIsAcceptedForEveryAlgorithmOrder) {
  for (auto order : {std::vector{crypto::kDigestSha256, crypto::kDigestMd5}, std::vector{crypto::kDigestMd5},
                     std::vector{crypto::kDigestSha512_256, crypto::kDigestSha256}}) {
    make_authenticator(order);
    auto first = send("alice@ims.local", "");
    ASSERT_EQ(first.outcome, edge::AuthOutcome::kChallenge);
    auto challenge = challenge_response(first);
    ChallengeAnswerer answerer(alice());
    Answer a = answerer.answer(challenge->msg, "REGISTER", "sip:ims.local", "");
    ASSERT_EQ(a.status, AnswerStatus::kOk) << a.error;
    EXPECT_EQ(a.header_name, "Authorization");
    // The server's first choice is the one answered.
    auto creds = crypto::parse_digest_credentials(a.header_value);
    ASSERT_TRUE(creds.ok()) << creds.message();
    EXPECT_EQ(creds->algorithm, order.front());
    EXPECT_EQ(creds->qop, "auth");
    EXPECT_EQ(creds->nc, "00000001");
    auto second = send("alice@ims.local", a.header_value);
    EXPECT_EQ(second.outcome, edge::AuthOutcome::kAuthenticated) << edge::reason_text(second.reason);
    // A refresh reuses the nonce with the next nc, and the server takes it.
    auto again = answerer.reuse("REGISTER", "sip:ims.local", "");
    ASSERT_TRUE(again);
    EXPECT_NE(again->header_value.find("nc=00000002"), std::string::npos);
    auto third = send("alice@ims.local", again->header_value);
    EXPECT_EQ(third.outcome, edge::AuthOutcome::kAuthenticated) << edge::reason_text(third.reason);
  }
}

TEST_F(ClientAgainstAuthenticator, WrongPasswordIsRefusedByTheServer) {
  make_authenticator({crypto::kDigestSha256, crypto::kDigestMd5});
  auto challenge = challenge_response(send("alice@ims.local", ""));
  ChallengeAnswerer answerer(alice("not-the-password"));
  Answer a = answerer.answer(challenge->msg, "REGISTER", "sip:ims.local", "");
  ASSERT_EQ(a.status, AnswerStatus::kOk);
  EXPECT_EQ(send("alice@ims.local", a.header_value).outcome, edge::AuthOutcome::kFailed);
}

TEST_F(ClientAgainstAuthenticator, ChallengesForAnotherRealmOrUnknownAlgorithmAreNotAnswered) {
  auto other_realm = parse(
      "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.5;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:a@b>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n"
      "WWW-Authenticate: Digest realm=\"evil.example\", nonce=\"abc\", algorithm=MD5, qop=\"auth\"\r\n"
      "WWW-Authenticate: Digest realm=\"ims.local\", nonce=\"abc\", algorithm=SHA-1, qop=\"auth\"\r\n"
      "WWW-Authenticate: Digest realm=\"ims.local\", nonce=\"abc\", algorithm=AKAv1-MD5, qop=\"auth\"\r\n"
      "Content-Length: 0\r\n\r\n");
  ChallengeAnswerer answerer(alice());
  Answer a = answerer.answer(other_realm->msg, "REGISTER", "sip:ims.local", "");
  EXPECT_EQ(a.status, AnswerStatus::kNoUsableChallenge);
  EXPECT_NE(a.error.find("evil.example"), std::string::npos) << a.error;
  EXPECT_FALSE(answerer.reuse("REGISTER", "sip:ims.local", ""));
}

TEST_F(ClientAgainstAuthenticator, ProxyChallengeIsAnsweredWithProxyAuthorization) {
  auto challenge = parse(
      "SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP 127.0.0.5;branch=z9hG4bK1\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n"
      "Proxy-Authenticate: Digest realm=\"ims.local\", nonce=\"n1\", opaque=\"op\", algorithm=MD5, qop=\"auth-int\"\r\n"
      "Content-Length: 0\r\n\r\n");
  ChallengeAnswerer answerer(alice());
  Answer a = answerer.answer(challenge->msg, "MESSAGE", "sip:bob@ims.local", "hello");
  ASSERT_EQ(a.status, AnswerStatus::kOk) << a.error;
  EXPECT_EQ(a.header_name, "Proxy-Authorization");
  auto creds = crypto::parse_digest_credentials(a.header_value);
  ASSERT_TRUE(creds.ok()) << creds.message();
  EXPECT_EQ(creds->qop, "auth-int");
  EXPECT_EQ(creds->opaque, "op");
  crypto::DigestInput in;
  std::string ha1 = crypto::digest_ha1(crypto::HashAlgorithm::kMd5, "alice@ims.local", kRealm, "secret");
  in.algorithm = crypto::kDigestMd5;
  in.ha1 = ha1;
  in.method = "MESSAGE";
  in.uri = "sip:bob@ims.local";
  in.nonce = "n1";
  in.nc = creds->nc;
  in.cnonce = creds->cnonce;
  in.qop = "auth-int";
  in.body = "hello";
  EXPECT_TRUE(crypto::digest_verify(in, creds->response));
}

TEST_F(ClientAgainstAuthenticator, AkaInitialRegisterThenAnswerIsAccepted) {
  make_authenticator({crypto::kDigestSha256, crypto::kDigestMd5});
  ChallengeAnswerer answerer(bob());
  auto first = send("bob@ims.local", answerer.initial_authorization("sip:ims.local"));
  ASSERT_EQ(first.outcome, edge::AuthOutcome::kChallenge) << edge::reason_text(first.reason);
  ASSERT_EQ(first.scheme, edge::AuthScheme::kAka);
  auto challenge = challenge_response(first);
  Answer a = answerer.answer(challenge->msg, "REGISTER", "sip:ims.local", "");
  ASSERT_EQ(a.status, AnswerStatus::kOk) << a.error;
  EXPECT_NE(a.header_value.find("algorithm=AKAv1-MD5"), std::string::npos);
  auto second = send("bob@ims.local", a.header_value);
  EXPECT_EQ(second.outcome, edge::AuthOutcome::kAuthenticated) << edge::reason_text(second.reason);
  EXPECT_GT(answerer.sqn_ms(), 0u);
}

TEST_F(ClientAgainstAuthenticator, AkaWithWrongKeyRefusesTheNetwork) {
  make_authenticator({crypto::kDigestSha256});
  auto challenge = challenge_response(send("bob@ims.local", ""));
  ChallengeAnswerer answerer(bob("00112233445566778899aabbccddeeff"));
  Answer a = answerer.answer(challenge->msg, "REGISTER", "sip:ims.local", "");
  EXPECT_EQ(a.status, AnswerStatus::kNetworkAuthFailed);
  EXPECT_NE(a.error.find("network failed to authenticate (MAC mismatch)"), std::string::npos) << a.error;
  EXPECT_TRUE(a.header_value.empty());
}

TEST_F(ClientAgainstAuthenticator, AkaStaleSqnIsResynchronised) {
  make_authenticator({crypto::kDigestSha256});
  // The USIM has seen SQNs far ahead of the network's: the first challenge is not fresh.
  uint64_t usim_sqn = crypto::make_sqn(5000, 3);
  ChallengeAnswerer answerer(bob(kK, usim_sqn));
  auto challenge = challenge_response(send("bob@ims.local", ""));
  Answer resync = answerer.answer(challenge->msg, "REGISTER", "sip:ims.local", "");
  ASSERT_EQ(resync.status, AnswerStatus::kResync) << resync.error;
  auto creds = crypto::parse_digest_credentials(resync.header_value);
  ASSERT_TRUE(creds.ok()) << creds.message();
  ASSERT_TRUE(creds->has_auts);
  auto after = send("bob@ims.local", resync.header_value);
  ASSERT_EQ(after.outcome, edge::AuthOutcome::kChallenge) << edge::reason_text(after.reason);
  // The network continued from the USIM's SQN: the new challenge is fresh and accepted.
  Answer a = answerer.answer(challenge_response(after)->msg, "REGISTER", "sip:ims.local", "");
  ASSERT_EQ(a.status, AnswerStatus::kOk) << a.error;
  EXPECT_EQ(send("bob@ims.local", a.header_value).outcome, edge::AuthOutcome::kAuthenticated);
  EXPECT_GT(answerer.sqn_ms(), usim_sqn);
}

}  // namespace
