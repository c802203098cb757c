// The authenticator in process against an in-memory store: Digest and IMS AKA success, and
// every way to fail (wrong answer, unknown or barred user, replayed nc, foreign or stale
// nonce, AKA resynchronisation), with the anti-enumeration property checked on the wire form.
#include "crypto/aka.h"
#include "../support/test_telemetry.h"
#include "crypto/digest.h"
#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hash.h"
#include "crypto/hex.h"
#include "crypto/hmac.h"
#include "edge/authenticator.h"
#include "sip/parser.h"
#include "store/provisioning.h"
#include "store/state.h"

#include <gtest/gtest.h>

#include <regex>

namespace imsguard::edge {
// The challenge makers are private: their codes end in AuthResult as "unavailable" (the edge
// answers 500/503 whatever the code), so their codes are pinned down here.
struct AuthenticatorTestPeer {
  static StatusOr<Challenge> digest(Authenticator& a, std::string_view identity) {
    return a.digest_challenge(identity, "127.0.0.5", false);
  }
  static StatusOr<Challenge> aka(Authenticator& a, const store::Subscriber* sub, std::string_view identity) {
    return a.aka_challenge(sub, identity, "127.0.0.5", false);
  }
};
}  // namespace imsguard::edge

using namespace imsguard;
using namespace imsguard::edge;

namespace {

constexpr const char* kRealm = "ims.local";
constexpr const char* kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
constexpr const char* kOpc = "cd63cb71954a9f4e48a5994e37a02baf";

class AuthenticatorTest : public ::testing::Test {
 protected:
  test::Telemetry telemetry_;  // outlives the stores
  void SetUp() override {
    auto state = store::open_state("memory", "", telemetry_.metrics, telemetry_.events);
    ASSERT_TRUE(state.ok());
    stores_ = std::move(state.value());
    store::ProvisioningOptions po;
    po.realm = kRealm;
    add({.impi = "alice@ims.local", .impus = {"sip:alice@ims.local"}, .password = "secret"}, po);
    add({.impi = "mallory@ims.local", .impus = {"sip:mallory@ims.local"}, .password = "secret"}, po);
    ASSERT_TRUE(stores_.subscribers->set_barred("mallory@ims.local", true).ok());
    add({.impi = "bob@ims.local", .impus = {"sip:bob@ims.local"}, .k = kK, .opc = kOpc, .amf = "0000", .sqn = "0"}, po);

    auto auth = Authenticator::create(options(), *stores_.subscribers);
    ASSERT_TRUE(auth.ok()) << auth.message();
    auth_ = std::move(auth).value();
  }

  // The fixture's authenticator: the test realm, the default Digest order, the test's clock.
  AuthenticatorOptions options() {
    AuthenticatorOptions o;
    o.realm = kRealm;
    o.digest_order = crypto::default_algorithm_order(false);
    o.clock = [this] { return now_ms_; };
    return o;
  }

  // The fixture's options with a MAC that fails while `fail` is true (the OpenSSL HMAC the
  // authenticator uses otherwise cannot be made to fail on demand).
  AuthenticatorOptions options_with_mac_failing_while(const bool& fail) {
    AuthenticatorOptions o = options();
    o.mac = [&fail](std::span<const uint8_t> key, std::string_view data) -> std::optional<crypto::Sha256Mac> {
      if (fail) return std::nullopt;
      return crypto::hmac_sha256(key, data);
    };
    return o;
  }

  void add(const store::SubscriberSpec& spec, const store::ProvisioningOptions& po) {
    auto s = store::build_subscriber(spec, po);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_TRUE(stores_.subscribers->add(s.value()).ok());
  }

  // REGISTER for `user` with an optional Authorization value.
  AuthResult send(const std::string& user, const std::string& authorization, const std::string& ip = "127.0.0.5") {
    ++n_;
    text_ = "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK" + std::to_string(n_) +
            "\r\nMax-Forwards: 70\r\nFrom: <sip:" + user + ">;tag=1\r\nTo: <sip:" + user + ">\r\nCall-ID: c" +
            std::to_string(n_) + "\r\nCSeq: " + std::to_string(n_) + " REGISTER\r\nContact: <sip:u@127.0.0.5:5070>\r\n" +
            (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") + "Content-Length: 0\r\n\r\n";
    sip::Limits limits;
    auto r = sip::parse_datagram(text_, limits, msg_);
    EXPECT_EQ(r.status, sip::ParseStatus::kOk) << r.reason;
    return auth_->authenticate(msg_, "sip:" + user, ip);
  }

  static crypto::DigestChallenge first_challenge(const AuthResult& r) {
    EXPECT_FALSE(r.challenge.www_authenticate.empty());
    auto c = crypto::parse_digest_challenge(r.challenge.www_authenticate.at(0));
    EXPECT_TRUE(c.ok()) << c.message();
    return *c;
  }

  // The Authorization a correct Digest client sends for this challenge.
  static std::string digest_answer(const std::string& user, const std::string& password,
                                   const crypto::DigestChallenge& c, const std::string& nc = "00000001") {
    std::string ha1 = crypto::digest_ha1(c.algorithm.hash, user, kRealm, password);
    crypto::DigestInput in;
    in.algorithm = c.algorithm;
    in.ha1 = ha1;
    in.method = "REGISTER";
    in.uri = "sip:ims.local";
    in.nonce = c.nonce;
    in.nc = nc;
    in.cnonce = "0a4f113b";
    in.qop = "auth";
    auto resp = crypto::digest_response(in);
    EXPECT_TRUE(resp.ok());
    return "Digest username=\"" + user + "\", realm=\"ims.local\", nonce=\"" + c.nonce +
           "\", uri=\"sip:ims.local\", response=\"" + *resp + "\", algorithm=" +
           crypto::digest_algorithm_name(c.algorithm) + ", qop=auth, nc=" + nc + ", cnonce=\"0a4f113b\"";
  }

  static std::string shape(const std::string& header) {
    // The challenge with the nonce's value blanked: what an observer can compare.
    return std::regex_replace(header, std::regex("nonce=\"[^\"]*\""), "nonce=\"\"");
  }

  store::StateStores stores_;
  std::unique_ptr<Authenticator> auth_;
  int64_t now_ms_ = 1'800'000'000'000;
  int n_ = 0;
  std::string text_;
  sip::Message msg_;
};

}  // namespace

// Fail closed (issue 20): when the MAC of the nonces fails the authenticator refuses as
// unavailable (the edge answers 500/503): it sends no challenge with a nonce that binds
// nothing, and it accepts no answer whose nonce it cannot check, however right the answer.
TEST_F(AuthenticatorTest, AMacFailureRefusesAndNeverChallengesOrAcceptsWithoutIt) {
  bool fail = false;
  auto auth = Authenticator::create(options_with_mac_failing_while(fail), *stores_.subscribers);
  ASSERT_TRUE(auth.ok()) << auth.message();
  auth_ = std::move(auth).value();
  const std::string answer = digest_answer("alice@ims.local", "secret", first_challenge(send("alice@ims.local", "")));

  fail = true;
  for (const char* user : {"alice@ims.local", "bob@ims.local", "nobody@ims.local"}) {  // Digest, AKA, a decoy
    AuthResult r = send(user, "");
    EXPECT_EQ(r.outcome, AuthOutcome::kUnavailable) << user;
    EXPECT_TRUE(r.challenge.www_authenticate.empty()) << user << ": " << r.challenge.www_authenticate.at(0);
  }
  AuthResult refused = send("alice@ims.local", answer);
  EXPECT_NE(refused.outcome, AuthOutcome::kAuthenticated);
  EXPECT_EQ(refused.outcome, AuthOutcome::kUnavailable);
  EXPECT_FALSE(refused.subscriber);

  fail = false;  // the same answer, its nonce checkable again: it was right all along
  EXPECT_EQ(send("alice@ims.local", answer).outcome, AuthOutcome::kAuthenticated);
}

// A MAC that fails is a library failure (kInternal) for both challenge makers, a real AKA
// subscriber's and a decoy's alike; when it works again so do they.
TEST_F(AuthenticatorTest, TheChallengeMakersSayWhyThereIsNoChallenge) {
  bool fail = false;
  auto auth = Authenticator::create(options_with_mac_failing_while(fail), *stores_.subscribers);
  ASSERT_TRUE(auth.ok()) << auth.message();
  auto bob = stores_.subscribers->find_shared("bob@ims.local");
  ASSERT_TRUE(bob.ok() && bob.value());

  fail = true;
  auto digest = AuthenticatorTestPeer::digest(**auth, "alice@ims.local");
  EXPECT_EQ(digest.code(), Code::kInternal);
  EXPECT_EQ(digest.message(), "cannot make a nonce (MAC or randomness failed)");
  auto aka = AuthenticatorTestPeer::aka(**auth, bob.value().get(), "bob@ims.local");
  EXPECT_EQ(aka.code(), Code::kInternal);
  auto decoy = AuthenticatorTestPeer::aka(**auth, nullptr, "nobody@ims.local");
  EXPECT_EQ(decoy.code(), Code::kInternal);
  // What the edge sees of it: unavailable, with the reason in the detail.
  auth_ = std::move(auth).value();
  AuthResult r = send("alice@ims.local", "");
  EXPECT_EQ(r.outcome, AuthOutcome::kUnavailable);
  EXPECT_EQ(r.detail, "cannot make a nonce (MAC or randomness failed)");

  fail = false;
  auto ok = AuthenticatorTestPeer::digest(*auth_, "alice@ims.local");
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(ok->www_authenticate.size(), 2u);
  auto aka_ok = AuthenticatorTestPeer::aka(*auth_, bob.value().get(), "bob@ims.local");
  ASSERT_TRUE(aka_ok.ok()) << aka_ok.message();
  EXPECT_EQ(aka_ok->www_authenticate.size(), 1u);
}

TEST_F(AuthenticatorTest, UnusableOptionsAreInvalid) {
  AuthenticatorOptions o;
  o.realm = kRealm;  // no digest algorithm
  auto none = Authenticator::create(o, *stores_.subscribers);
  EXPECT_EQ(none.code(), Code::kInvalid);
  EXPECT_NE(none.message().find("auth.digest_algorithms"), std::string::npos) << none.message();
  o.digest_order = crypto::default_algorithm_order(false);
  o.aka_enabled = false;
  o.digest_enabled = false;
  auto nobody = Authenticator::create(o, *stores_.subscribers);
  EXPECT_EQ(nobody.code(), Code::kInvalid);
  EXPECT_NE(nobody.message().find("nobody could register"), std::string::npos) << nobody.message();
}

TEST_F(AuthenticatorTest, DigestSha256FirstThenSuccess) {
  auto r = send("alice@ims.local", "");
  ASSERT_EQ(r.outcome, AuthOutcome::kChallenge);
  ASSERT_EQ(r.challenge.www_authenticate.size(), 2u);
  auto c = first_challenge(r);
  EXPECT_EQ(c.algorithm.hash, crypto::HashAlgorithm::kSha256);
  auto ok = send("alice@ims.local", digest_answer("alice@ims.local", "secret", c));
  ASSERT_EQ(ok.outcome, AuthOutcome::kAuthenticated) << reason_text(ok.reason);
  EXPECT_EQ(ok.subscriber->impi, "alice@ims.local");
}

TEST_F(AuthenticatorTest, WrongPasswordUnknownAndBarredLookTheSame) {
  // What a wrong answer looks like for a known user of each scheme.
  auto c = first_challenge(send("alice@ims.local", ""));
  auto wrong_digest = send("alice@ims.local", digest_answer("alice@ims.local", "guess", c));
  auto cb = first_challenge(send("bob@ims.local", ""));
  auto wrong_aka = send("bob@ims.local", "Digest username=\"bob@ims.local\", realm=\"ims.local\", nonce=\"" + cb.nonce +
                                             "\", uri=\"sip:ims.local\", response=\"00000000000000000000000000000000\", "
                                             "algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"x\"");
  ASSERT_EQ(wrong_digest.outcome, AuthOutcome::kFailed);
  ASSERT_EQ(wrong_aka.outcome, AuthOutcome::kFailed);
  // Unknown names look like a known user of one scheme (the same one every time); barred
  // users keep looking like what they were.
  for (const std::string user : {"nobody@ims.local", "ghost@ims.local", "x1@ims.local", "mallory@ims.local"}) {
    auto first = send(user, "");
    auto cc = first_challenge(first);
    std::string answer = first.scheme == AuthScheme::kAka
                             ? "Digest username=\"" + user + "\", realm=\"ims.local\", nonce=\"" + cc.nonce +
                                   "\", uri=\"sip:ims.local\", response=\"00000000000000000000000000000000\", "
                                   "algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"x\""
                             : digest_answer(user, "secret", cc);
    auto r = send(user, answer);
    const auto& like = first.scheme == AuthScheme::kAka ? wrong_aka : wrong_digest;
    EXPECT_EQ(r.outcome, AuthOutcome::kFailed) << user;
    EXPECT_EQ(r.scheme, first.scheme) << user;
    ASSERT_EQ(r.challenge.www_authenticate.size(), like.challenge.www_authenticate.size()) << user;
    for (size_t i = 0; i < r.challenge.www_authenticate.size(); ++i)
      EXPECT_EQ(shape(r.challenge.www_authenticate[i]), shape(like.challenge.www_authenticate[i])) << user;
  }
  EXPECT_EQ(send("mallory@ims.local", "").scheme, AuthScheme::kDigest);
}

TEST_F(AuthenticatorTest, ReplayedNonceCountIsRefused) {
  auto c = first_challenge(send("alice@ims.local", ""));
  std::string answer = digest_answer("alice@ims.local", "secret", c);
  ASSERT_EQ(send("alice@ims.local", answer).outcome, AuthOutcome::kAuthenticated);
  auto replay = send("alice@ims.local", answer);
  EXPECT_EQ(replay.outcome, AuthOutcome::kFailed);
  EXPECT_EQ(replay.reason, AuthReason::kNcReplay);
  EXPECT_EQ(send("alice@ims.local", digest_answer("alice@ims.local", "secret", c, "00000002")).outcome,
            AuthOutcome::kAuthenticated);
}

TEST_F(AuthenticatorTest, NonceFromAnotherClientAddressIsRefusedAndProvesNothing) {
  auto c = first_challenge(send("alice@ims.local", "", "127.0.0.5"));
  auto r = send("alice@ims.local", digest_answer("alice@ims.local", "secret", c), "127.0.0.6");
  // Not authenticated, and not a counted failure: the sender never saw a challenge of ours.
  EXPECT_EQ(r.outcome, AuthOutcome::kChallenge);
  EXPECT_EQ(r.reason, AuthReason::kNonceNotOurs);
  EXPECT_FALSE(r.answered_our_challenge);
  // A wrong password on our own nonce is a guess.
  auto w = send("alice@ims.local", digest_answer("alice@ims.local", "guess", c), "127.0.0.5");
  EXPECT_EQ(w.outcome, AuthOutcome::kFailed);
  EXPECT_EQ(w.reason, AuthReason::kWrongPassword);
  EXPECT_TRUE(w.answered_our_challenge);
}

TEST_F(AuthenticatorTest, NonceIsBoundToTheIdentityAndUriToTheRequestUri) {
  // A challenge issued for carol's REGISTER does not authenticate alice (stale: try again).
  auto c = first_challenge(send("carol@ims.local", ""));
  auto r = send("alice@ims.local", digest_answer("alice@ims.local", "secret", c));
  EXPECT_EQ(r.outcome, AuthOutcome::kChallenge);
  EXPECT_EQ(r.reason, AuthReason::kNonceNotOurs);
  EXPECT_TRUE(first_challenge(r).stale);
  // A response over another URI than the Request-URI.
  auto c2 = first_challenge(send("alice@ims.local", ""));
  std::string ha1 = crypto::digest_ha1(c2.algorithm.hash, "alice@ims.local", kRealm, "secret");
  crypto::DigestInput in{c2.algorithm, ha1, "REGISTER", "sip:elsewhere", c2.nonce, "00000001", "abc", "auth", ""};
  auto resp = crypto::digest_response(in);
  ASSERT_TRUE(resp.ok());
  auto u = send("alice@ims.local", "Digest username=\"alice@ims.local\", realm=\"ims.local\", nonce=\"" + c2.nonce +
                                       "\", uri=\"sip:elsewhere\", response=\"" + *resp +
                                       "\", algorithm=" + std::string(crypto::digest_algorithm_name(c2.algorithm)) +
                                       ", qop=auth, nc=00000001, cnonce=\"abc\"");
  EXPECT_EQ(u.outcome, AuthOutcome::kFailed);
  EXPECT_EQ(u.reason, AuthReason::kUriMismatch);
  EXPECT_TRUE(digest_uri_matches("sip:ims.local", "sip:IMS.local"));
  EXPECT_FALSE(digest_uri_matches("sip:ims.local", "sip:ims.local:5070"));
}

TEST_F(AuthenticatorTest, RealmMismatchUnknownUserAndWrongPasswordAreToldApart) {
  auto c = first_challenge(send("alice@ims.local", ""));
  EXPECT_EQ(send("alice@ims.local", digest_answer("alice@ims.local", "guess", c)).reason, AuthReason::kWrongPassword);
  auto cn = first_challenge(send("nobody@ims.local", ""));
  auto unknown = send("nobody@ims.local", digest_answer("nobody@ims.local", "guess", cn));
  EXPECT_EQ(unknown.reason, cn.algorithm.aka != crypto::DigestAka::kNone ? unknown.reason : AuthReason::kUnknownUser);
  EXPECT_EQ(send("alice@ims.local", "Digest username=\"alice@ims.local\", realm=\"other\", nonce=\"x\", uri=\"sip:ims.local\", "
                                    "response=\"00\"").reason,
            AuthReason::kRealmMismatch);
}

TEST_F(AuthenticatorTest, ExpiredNonceGetsStaleChallenge) {
  auto c = first_challenge(send("alice@ims.local", ""));
  now_ms_ += 31'000;
  auto r = send("alice@ims.local", digest_answer("alice@ims.local", "secret", c));
  EXPECT_EQ(r.outcome, AuthOutcome::kChallenge);
  EXPECT_TRUE(first_challenge(r).stale);
}

TEST_F(AuthenticatorTest, CredentialsWithoutQopAreRefused) {
  auto c = first_challenge(send("alice@ims.local", ""));
  std::string ha1 = crypto::digest_ha1(c.algorithm.hash, "alice@ims.local", kRealm, "secret");
  crypto::DigestInput in{c.algorithm, ha1, "REGISTER", "sip:ims.local", c.nonce, "", "", "", ""};
  auto resp = crypto::digest_response(in);
  ASSERT_TRUE(resp.ok());
  auto r = send("alice@ims.local", "Digest username=\"alice@ims.local\", realm=\"ims.local\", nonce=\"" + c.nonce +
                                       "\", uri=\"sip:ims.local\", response=\"" + *resp + "\", algorithm=SHA-256");
  EXPECT_EQ(r.outcome, AuthOutcome::kFailed);
}

TEST_F(AuthenticatorTest, AkaChallengeVerifiesAtTheClientAndTheAnswerAuthenticates) {
  auto r = send("bob@ims.local", "");
  ASSERT_EQ(r.outcome, AuthOutcome::kChallenge);
  auto c = first_challenge(r);
  EXPECT_EQ(c.algorithm.aka, crypto::DigestAka::kAkav1);
  auto nonce = crypto::split_aka_nonce(c.nonce);
  ASSERT_TRUE(nonce.ok());
  auto k = *crypto::from_hex(kK);
  auto opc = *crypto::from_hex(kOpc);
  crypto::Key kk, oo;
  std::copy(k.begin(), k.end(), kk.begin());
  std::copy(opc.begin(), opc.end(), oo.begin());
  auto m = crypto::Milenage::from_opc(kk, oo);
  ASSERT_TRUE(m);
  crypto::SqnWindow window;
  auto client = crypto::client_authenticate(*m, nonce->rand, nonce->autn, window);
  ASSERT_EQ(client.status, crypto::AutnStatus::kOk);  // the network proved itself
  auto ha1 = crypto::aka_ha1(crypto::DigestAka::kAkav1, "bob@ims.local", kRealm, client.res, client.ik, client.ck);
  ASSERT_TRUE(ha1);
  crypto::DigestInput in{c.algorithm, *ha1, "REGISTER", "sip:ims.local", c.nonce, "00000001", "abc", "auth", ""};
  auto resp = crypto::digest_response(in);
  ASSERT_TRUE(resp.ok());
  std::string answer = "Digest username=\"bob@ims.local\", realm=\"ims.local\", nonce=\"" + c.nonce +
                       "\", uri=\"sip:ims.local\", response=\"" + *resp +
                       "\", algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"abc\"";
  auto ok = send("bob@ims.local", answer);
  EXPECT_EQ(ok.outcome, AuthOutcome::kAuthenticated) << reason_text(ok.reason);

  // SQNs are reserved durably in batches ahead of use: the store already holds a value past
  // this challenge's SQN, and the next challenges come from memory, each with a fresh SQN.
  auto stored = stores_.subscribers->find("bob@ims.local").value()->sqn;
  EXPECT_GT(stored, 0u);
  for (int i = 0; i < 5; ++i) {
    auto next = first_challenge(send("bob@ims.local", ""));
    auto n = crypto::split_aka_nonce(next.nonce);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(crypto::client_authenticate(*m, n->rand, n->autn, window).status, crypto::AutnStatus::kOk) << i;
  }
  EXPECT_EQ(stores_.subscribers->find("bob@ims.local").value()->sqn, stored) << "no store write per challenge";
}

TEST_F(AuthenticatorTest, AkaResyncWithAutsMovesTheNetworkSqn) {
  // The USIM has seen a much higher SQN than the network (e.g. after a restore).
  auto k = *crypto::from_hex(kK);
  auto opc = *crypto::from_hex(kOpc);
  crypto::Key kk, oo;
  std::copy(k.begin(), k.end(), kk.begin());
  std::copy(opc.begin(), opc.end(), oo.begin());
  auto m = crypto::Milenage::from_opc(kk, oo);
  crypto::SqnWindow window;
  for (uint64_t ind = 0; ind < 32; ++ind) window.accept(crypto::make_sqn(5000 + ind, ind));
  auto c = first_challenge(send("bob@ims.local", ""));
  auto nonce = crypto::split_aka_nonce(c.nonce);
  auto client = crypto::client_authenticate(*m, nonce->rand, nonce->autn, window);
  ASSERT_EQ(client.status, crypto::AutnStatus::kSyncFailure);
  std::string answer = "Digest username=\"bob@ims.local\", realm=\"ims.local\", nonce=\"" + c.nonce +
                       "\", uri=\"sip:ims.local\", response=\"\", algorithm=AKAv1-MD5, auts=\"" +
                       crypto::encode_auts(client.auts) + "\"";
  auto r = send("bob@ims.local", answer);
  EXPECT_EQ(r.outcome, AuthOutcome::kChallenge) << reason_text(r.reason);
  auto c2 = first_challenge(r);
  auto n2 = crypto::split_aka_nonce(c2.nonce);
  auto again = crypto::client_authenticate(*m, n2->rand, n2->autn, window);
  EXPECT_EQ(again.status, crypto::AutnStatus::kOk) << crypto::autn_status_name(again.status);
}

TEST_F(AuthenticatorTest, UnknownUserNeverTouchesARealSqnAndGetsAConsistentScheme) {
  auto a = send("ghost@ims.local", "");
  auto b = send("ghost@ims.local", "");
  EXPECT_EQ(a.scheme, b.scheme);  // the same unknown name always looks like the same kind of user
  EXPECT_EQ(a.challenge.www_authenticate.size(), b.challenge.www_authenticate.size());
  EXPECT_EQ(stores_.subscribers->find("bob@ims.local").value()->sqn, 0u);
}

TEST_F(AuthenticatorTest, DecoySchemeFollowsThePopulationAndIgnoresTheClientsHint) {
  // Two Digest subscribers (alice, mallory) and one AKA (bob): a third of unknown names look
  // like AKA users, each one always the same, whatever algorithm the client names.
  EXPECT_NEAR(auth_->decoy_aka_share(), 1.0 / 3.0, 1e-9);
  int aka = 0;
  const int names = 300;
  for (int i = 0; i < names; ++i) {
    std::string user = "probe" + std::to_string(i) + "@ims.local";
    auto plain = send(user, "");
    auto hinted = send(user, "Digest username=\"" + user + "\", realm=\"ims.local\", nonce=\"\", uri=\"sip:ims.local\", "
                             "response=\"\", algorithm=AKAv1-MD5");
    EXPECT_EQ(plain.scheme, hinted.scheme) << user;
    aka += plain.scheme == AuthScheme::kAka ? 1 : 0;
  }
  EXPECT_GT(aka, names / 5);
  EXPECT_LT(aka, names / 2);
  // A real Digest user asked for AKA still gets Digest.
  EXPECT_EQ(send("alice@ims.local", "Digest username=\"alice@ims.local\", realm=\"ims.local\", nonce=\"\", "
                                    "uri=\"sip:ims.local\", response=\"\", algorithm=AKAv1-MD5").scheme,
            AuthScheme::kDigest);
}
