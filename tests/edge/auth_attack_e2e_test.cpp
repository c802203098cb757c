// Attacks on the authentication path against a running `imsguard run`, over UDP with raw
// sockets, as the penetration test of issue 17 performed them:
//   F1  a decoy Authorization (another realm, another name) placed first, or an escaped
//       username, must not split what the guards count from what the authenticator checks;
//   F15 the Digest uri must be the Request-URI, and a nonce issued for one identity does not
//       authenticate another;
//   F8c failures that do not answer a challenge issued to that source (forged nonces, as an
//       off-path spoofer must send) never lock the victim out;
//   F10 credentials of any kind do not lift the per-IMPI challenge cap;
//   F5  the challenge's scheme for a name does not follow what the client asks for.
#include "imsguard_process.h"
#include "sip_socket.h"

#include "crypto/aka.h"
#include "crypto/digest.h"
#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

class AuthAttackE2e : public ::testing::Test {
 protected:
  void start(const std::string& guards_yaml) {
    ImsguardOptions o;
    o.tls = false;
    o.digest_algorithms = "[MD5]";
    o.extra_yaml = guards_yaml;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    impi_ = edge_.demo("digest", "impi");
    impu_ = edge_.demo("digest", "impu");
    password_ = edge_.demo("digest", "password");
  }

  // A REGISTER for `to` (an IMPU) from `peer`, with extra header lines (Authorization ...).
  std::string register_request(UdpPeer& peer, const std::string& to, const std::string& extra,
                               const std::string& ruri = "sip:ims.local") {
    std::string port = std::to_string(peer.local_port());
    ++n_;
    return "REGISTER " + ruri + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKatk" +
           std::to_string(n_) + "\r\nMax-Forwards: 70\r\nFrom: <" + to + ">;tag=a" + std::to_string(n_) + "\r\nTo: <" +
           to + ">\r\nCall-ID: attack-" + port + "-" + std::to_string(n_) + "\r\nCSeq: " + std::to_string(n_) +
           " REGISTER\r\nContact: <sip:u@127.0.0.1:" + port + ">\r\nExpires: 600\r\n" + extra +
           "Content-Length: 0\r\n\r\n";
  }

  // Sends and returns the final answer (nullopt when none came: dropped).
  std::optional<std::string> exchange(UdpPeer& peer, const std::string& request, std::chrono::milliseconds wait = 3s) {
    peer.send(request, edge_.sip_port());
    auto got = peer.receive(wait);
    while (got && status_of(*got) < 200) got = peer.receive(wait);
    return got;
  }

  static std::optional<imsguard::crypto::DigestChallenge> challenge_of(const std::string& response) {
    auto parsed = imsguard::crypto::parse_digest_challenge(header_of(response, "WWW-Authenticate"));
    if (!parsed.ok()) return std::nullopt;
    return *parsed;
  }

  // An Authorization answering `c` for `username` with `password`, computed over `uri`.
  static std::string answer(const imsguard::crypto::DigestChallenge& c, const std::string& username,
                            const std::string& hash_user, const std::string& password,
                            const std::string& uri = "sip:ims.local") {
    std::string ha1 = imsguard::crypto::digest_ha1(c.algorithm.hash, hash_user, c.realm, password);
    imsguard::crypto::DigestInput in{c.algorithm, ha1, "REGISTER", uri, c.nonce, "00000001", "0a4f113b", "auth", ""};
    auto response = imsguard::crypto::digest_response(in);
    if (!response.ok()) return {};
    return "Authorization: Digest username=\"" + username + "\", realm=\"" + c.realm + "\", nonce=\"" + c.nonce +
           "\", uri=\"" + uri + "\", response=\"" + *response +
           "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\"\r\n";
  }

  static std::string decoy(int i) {
    return "Authorization: Digest username=\"decoy" + std::to_string(i) +
           "@elsewhere.example\", realm=\"elsewhere.example\", nonce=\"x\", uri=\"sip:ims.local\", "
           "response=\"00000000000000000000000000000000\"\r\n";
  }

  // Guesses `guesses` wrong passwords for the demo user from `peer`, each answering the
  // challenge the previous answer brought back; `extra` goes before each Authorization.
  void guess(UdpPeer& peer, int guesses, const std::string& username, bool with_decoy) {
    auto first = exchange(peer, register_request(peer, impu_, ""));
    ASSERT_TRUE(first) << edge_.log();
    ASSERT_EQ(status_of(*first), 401) << *first;
    std::string last = *first;
    for (int i = 0; i < guesses; ++i) {
      auto c = challenge_of(last);
      if (!c) break;  // locked out (403) or dropped: the guards saw it
      std::string extra = (with_decoy ? decoy(i) : "") + answer(*c, username, impi_, "wrong-" + std::to_string(i));
      auto r = exchange(peer, register_request(peer, impu_, extra));
      if (!r) break;
      last = *r;
    }
  }

  // The right password, answered from `peer` (with a decoy first if asked): the final status.
  int register_with_password(UdpPeer& peer, const std::string& username, bool with_decoy) {
    auto first = exchange(peer, register_request(peer, impu_, with_decoy ? decoy(99) : ""));
    if (!first) return 0;
    if (status_of(*first) != 401) return status_of(*first);
    auto c = challenge_of(*first);
    if (!c) return -1;
    std::string extra = (with_decoy ? decoy(100) : "") + answer(*c, username, impi_, password_);
    auto r = exchange(peer, register_request(peer, impu_, extra));
    return r ? status_of(*r) : 0;
  }

  ImsguardProcess edge_;
  std::string impi_, impu_, password_;
  int n_ = 0;
};

// Thresholds that isolate the per-IMPI lockout: the per-source one far away.
const char* kImpiLockout =
    "guards:\n  bruteforce: { max_failures: 1000, per_impi_distributed: 4, lockout_s: 120, max_challenges_per_impi: 1000 }\n"
    "  ratelimit: { per_source_rps: 1000, per_impi_rps: 1000, per_method_rps: 1000, burst: 1000 }\n";

TEST_F(AuthAttackE2e, F1DecoyHeaderFirstDoesNotEscapeTheIdentityLockout) {
  start(kImpiLockout);
  UdpPeer attacker;
  guess(attacker, 8, impi_, /*with_decoy=*/true);
  // Locked: the right password gets 403, with or without the decoy.
  UdpPeer other("127.0.0.2");
  EXPECT_EQ(register_with_password(other, impi_, true), 403) << edge_.events();
  EXPECT_EQ(register_with_password(other, impi_, false), 403) << edge_.events();
}

TEST_F(AuthAttackE2e, F1EscapedUsernameIsTheSameIdentityForGuardsAndAuthenticator) {
  start(kImpiLockout);
  // "a\lice@ims.local" is alice@ims.local once the quoted-pair is resolved (RFC 3261 25.1).
  std::string escaped = "a\\" + impi_.substr(1);
  UdpPeer attacker;
  guess(attacker, 8, escaped, false);
  UdpPeer other("127.0.0.2");
  EXPECT_EQ(register_with_password(other, escaped, false), 403) << edge_.events();
  EXPECT_EQ(register_with_password(other, impi_, false), 403) << edge_.events();
}

TEST_F(AuthAttackE2e, F1ATypedRealmMismatchUnknownUserAndWrongPasswordAreToldApartInEvents) {
  start(kImpiLockout);
  UdpPeer peer;
  auto first = exchange(peer, register_request(peer, impu_, ""));
  ASSERT_TRUE(first);
  auto c = challenge_of(*first);
  ASSERT_TRUE(c);
  // Wrong password, then an unknown user, then credentials for another realm only.
  auto wrong = exchange(peer, register_request(peer, impu_, answer(*c, impi_, impi_, "nope")));
  ASSERT_TRUE(wrong);
  auto c2 = challenge_of(*wrong);
  ASSERT_TRUE(c2);
  (void)c2;
  // An unknown name that draws a Digest decoy (the choice is keyed per process: try a few).
  std::optional<imsguard::crypto::DigestChallenge> c3;
  std::string nobody;
  for (int i = 0; i < 32 && !c3; ++i) {
    nobody = "nobody" + std::to_string(i) + "@ims.local";
    auto r = exchange(peer, register_request(peer, "sip:" + nobody, ""));
    ASSERT_TRUE(r);
    auto drawn = challenge_of(*r);
    if (drawn && drawn->algorithm.aka == imsguard::crypto::DigestAka::kNone) c3 = drawn;
  }
  ASSERT_TRUE(c3);
  auto unknown = exchange(peer, register_request(peer, "sip:" + nobody, answer(*c3, nobody, nobody, "x")));
  ASSERT_TRUE(unknown);
  auto other_realm = exchange(peer, register_request(peer, impu_, decoy(1)));
  ASSERT_TRUE(other_realm);
  // The client sees the same thing each time: a 401 challenge.
  EXPECT_EQ(status_of(*wrong), 401);
  EXPECT_EQ(status_of(*unknown), 401);
  EXPECT_EQ(status_of(*other_realm), 401);
  std::string events = edge_.events();
  EXPECT_NE(events.find("wrong password"), std::string::npos) << events;
  EXPECT_NE(events.find("unknown user"), std::string::npos) << events;
  EXPECT_NE(events.find("realm mismatch"), std::string::npos) << events;
}

TEST_F(AuthAttackE2e, F15DigestUriMustBeTheRequestUri) {
  start("");
  UdpPeer peer;
  auto first = exchange(peer, register_request(peer, impu_, ""));
  ASSERT_TRUE(first);
  auto c = challenge_of(*first);
  ASSERT_TRUE(c);
  // A correct response, but computed over another URI than the request's.
  auto r = exchange(peer, register_request(peer, impu_, answer(*c, impi_, impi_, password_, "sip:other.example")));
  ASSERT_TRUE(r) << edge_.log();
  EXPECT_EQ(status_of(*r), 401) << *r;
  auto c2 = challenge_of(*r);
  ASSERT_TRUE(c2);
  auto ok = exchange(peer, register_request(peer, impu_, answer(*c2, impi_, impi_, password_)));
  ASSERT_TRUE(ok);
  EXPECT_EQ(status_of(*ok), 200) << *ok;
}

TEST_F(AuthAttackE2e, F15ANonceIssuedForOneIdentityDoesNotAuthenticateAnother) {
  start("");
  UdpPeer peer;
  // The challenge was issued for a REGISTER of somebody else.
  auto first = exchange(peer, register_request(peer, "sip:carol@ims.local", ""));
  ASSERT_TRUE(first);
  auto c = challenge_of(*first);
  ASSERT_TRUE(c);
  auto r = exchange(peer, register_request(peer, impu_, answer(*c, impi_, impi_, password_)));
  ASSERT_TRUE(r) << edge_.log();
  EXPECT_EQ(status_of(*r), 401) << *r;
  auto c2 = challenge_of(*r);
  ASSERT_TRUE(c2);
  EXPECT_TRUE(c2->stale) << "the password was right: stale=true, no prompt";
  auto ok = exchange(peer, register_request(peer, impu_, answer(*c2, impi_, impi_, password_)));
  ASSERT_TRUE(ok);
  EXPECT_EQ(status_of(*ok), 200) << *ok;
}

TEST_F(AuthAttackE2e, F8cSpoofedFailuresWithoutTheChallengeDoNotLockTheVictimOut) {
  start("guards:\n  bruteforce: { max_failures: 3, per_impi_distributed: 3, lockout_s: 120 }\n");
  // The spoofer sends from the victim's address but never sees the challenges sent there:
  // its nonces are made up.
  for (int i = 0; i < 12; ++i) {
    UdpPeer spoofer;
    imsguard::crypto::DigestChallenge made_up;
    made_up.realm = "ims.local";
    made_up.nonce = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" + std::to_string(i % 10);
    made_up.algorithm = imsguard::crypto::kDigestMd5;
    spoofer.send(register_request(spoofer, impu_, answer(made_up, impi_, impi_, "guess")), edge_.sip_port());
    (void)spoofer.receive(1s);  // goes to the victim's address: the spoofer cannot read it
  }
  UdpPeer victim;
  EXPECT_EQ(register_with_password(victim, impi_, false), 200) << edge_.events();
}

TEST_F(AuthAttackE2e, F10CredentialsDoNotLiftTheChallengeCap) {
  start("guards:\n  bruteforce: { max_challenges_per_impi: 5, max_failures: 1000, per_impi_distributed: 1000 }\n"
        "  ratelimit: { per_source_rps: 1000, per_impi_rps: 1000, per_method_rps: 1000, burst: 1000 }\n");
  std::string aka_impi = edge_.demo("aka", "impi");
  std::string aka_impu = edge_.demo("aka", "impu");
  UdpPeer peer;
  int challenges = 0;
  for (int i = 0; i < 40; ++i) {
    // IMS initial REGISTER form (empty nonce and response), and junk answers.
    std::string auth = i % 2 == 0
                           ? "Authorization: Digest username=\"" + aka_impi +
                                 "\", realm=\"ims.local\", nonce=\"\", uri=\"sip:ims.local\", response=\"\"\r\n"
                           : "Authorization: Digest username=\"" + aka_impi +
                                 "\", realm=\"ims.local\", nonce=\"junk\", uri=\"sip:ims.local\", response=\"00\", "
                                 "algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"c\"\r\n";
    auto r = exchange(peer, register_request(peer, aka_impu, auth), 300ms);
    if (r && status_of(*r) == 401) ++challenges;
  }
  EXPECT_LE(challenges, 5) << "each challenge for an AKA user costs an SQN";
  EXPECT_GE(challenges, 1);
}

TEST_F(AuthAttackE2e, F5TheSchemeOfAChallengeDoesNotFollowTheClientsHint) {
  start("");
  UdpPeer peer;
  auto scheme = [&](const std::string& user, const std::string& hint) {
    std::string auth = hint.empty() ? std::string()
                                    : "Authorization: Digest username=\"" + user + "@ims.local\", realm=\"ims.local\", "
                                      "nonce=\"\", uri=\"sip:ims.local\", response=\"\", algorithm=" + hint + "\r\n";
    auto r = exchange(peer, register_request(peer, "sip:" + user + "@ims.local", auth));
    if (!r) return std::string("none");
    auto c = challenge_of(*r);
    return c ? std::string(c->algorithm.aka != imsguard::crypto::DigestAka::kNone ? "aka" : "digest")
             : std::string("none");
  };
  std::string alice = impi_.substr(0, impi_.find('@'));
  // A real Digest user answers Digest whatever the hint; so must an unknown name.
  std::vector<std::string> names = {alice};
  for (int i = 0; i < 12; ++i) names.push_back("probe" + std::to_string(i));
  for (const auto& name : names) {
    std::string plain = scheme(name, "");
    EXPECT_NE(plain, "none") << name;
    EXPECT_EQ(scheme(name, "AKAv1-MD5"), plain) << name;
    EXPECT_EQ(scheme(name, "MD5"), plain) << name;
  }
}

TEST_F(AuthAttackE2e, F6AkaSqnsComeFromDurableBatchesAndAreNeverReusedAfterACrash) {
  // Challenges of a real AKA user take SQNs from a batch reserved durably ahead of use (no
  // fsync per challenge); a crash (SIGKILL) loses the rest of the batch, never reuses it: the
  // USIM, which remembers every SQN it accepted, accepts every challenge before and after.
  start("");
  auto k = *imsguard::crypto::from_hex(edge_.demo("aka", "k"));
  auto opc = *imsguard::crypto::from_hex(edge_.demo("aka", "opc"));
  imsguard::crypto::Key kk, oo;
  std::copy(k.begin(), k.end(), kk.begin());
  std::copy(opc.begin(), opc.end(), oo.begin());
  auto usim = imsguard::crypto::Milenage::from_opc(kk, oo);
  ASSERT_TRUE(usim);
  imsguard::crypto::SqnWindow window;
  std::string aka_impu = edge_.demo("aka", "impu");
  auto challenge_accepted = [&](UdpPeer& peer) {
    auto r = exchange(peer, register_request(peer, aka_impu, ""));
    if (!r || status_of(*r) != 401) return false;
    auto c = challenge_of(*r);
    if (!c) return false;
    auto n = imsguard::crypto::split_aka_nonce(c->nonce);
    return n.ok() && imsguard::crypto::client_authenticate(*usim, n->rand, n->autn, window).status ==
                         imsguard::crypto::AutnStatus::kOk;
  };
  UdpPeer peer;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(challenge_accepted(peer)) << i;
  std::string dir = edge_.data_dir();
  edge_.kill_hard();
  edge_.stop();
  ImsguardOptions o;
  o.tls = false;
  o.digest_algorithms = "[MD5]";
  o.data_dir = dir;
  ASSERT_TRUE(edge_.start(o)) << edge_.log();
  UdpPeer again;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(challenge_accepted(again)) << "after the crash, " << i;
}

}  // namespace
