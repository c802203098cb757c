// edge::ChallengePolicy without sockets: which User-Agents get MD5 alone (the product token,
// whole; only while MD5 is accepted) and what is removed from a 401 (SHA challenges, only
// when an MD5 or AKA one remains).
#include "edge/challenge_policy.h"

#include "sip/parser.h"

#include <gtest/gtest.h>

namespace imsguard::edge {
namespace {

sip::Message parse(const std::string& ua) {
  static std::string bytes;
  bytes = "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKcp\r\nMax-Forwards: 70\r\n"
          "From: <sip:a@ims.local>;tag=1\r\nTo: <sip:a@ims.local>\r\nCall-ID: cp\r\nCSeq: 1 REGISTER\r\n" +
          (ua.empty() ? "" : "User-Agent: " + ua + "\r\n") + "Content-Length: 0\r\n\r\n";
  sip::Message m;
  EXPECT_EQ(sip::parse_datagram(bytes, {}, m).status, sip::ParseStatus::kOk);
  return m;
}

TEST(ChallengePolicy, TheListedProductsGetMd5AloneAndOthersTheFullSet) {
  config::Config c;  // defaults: [SHA-256, MD5], [baresip, sipp]
  ChallengePolicy p(c);
  EXPECT_TRUE(p.md5_only(parse("baresip v1.0.0 (x86_64/linux)")));
  EXPECT_TRUE(p.md5_only(parse("SIPp/3.6.1")));
  EXPECT_FALSE(p.md5_only(parse("Linphone/5.1.65 (belle-sip/5.1.64)")));
  EXPECT_FALSE(p.md5_only(parse("MyCorp baresip-fork/2"))) << "the product token, not a substring";
  EXPECT_FALSE(p.md5_only(parse("baresipX/1")));
  EXPECT_FALSE(p.md5_only(parse("")));
  c.auth.md5_only_user_agents.clear();
  EXPECT_FALSE(p.md5_only(parse("baresip v1.0.0")));
  c.auth.md5_only_user_agents = {"baresip"};
  c.auth.digest_algorithms = {"SHA-256"};
  EXPECT_FALSE(p.md5_only(parse("baresip v1.0.0"))) << "MD5 is not accepted: nothing to offer";
}

TEST(ChallengePolicy, OnlyShaChallengesAreRemovedAndOnlyWhenAWeakerOneRemains) {
  std::string both =
      "SIP/2.0 401 Unauthorized\r\nVia: x\r\nWWW-Authenticate: Digest realm=\"ims.local\", nonce=\"a\", algorithm=SHA-256, "
      "qop=\"auth\"\r\nWWW-Authenticate: Digest realm=\"ims.local\", nonce=\"b\", algorithm=MD5, qop=\"auth\"\r\n"
      "Content-Length: 0\r\n\r\n";
  std::string md5 = ChallengePolicy::keep_md5(both);
  EXPECT_EQ(md5.find("SHA-256"), std::string::npos) << md5;
  EXPECT_NE(md5.find("algorithm=MD5"), std::string::npos) << md5;
  EXPECT_NE(md5.find("\r\nContent-Length: 0\r\n\r\n"), std::string::npos) << md5;
  std::string sha_only =
      "SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"a\", algorithm=SHA-256\r\n\r\n";
  EXPECT_EQ(ChallengePolicy::keep_md5(sha_only), sha_only) << "never left without a challenge";
  std::string aka =
      "SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"a\", algorithm=AKAv1-MD5\r\n\r\n";
  EXPECT_EQ(ChallengePolicy::keep_md5(aka), aka);
  std::string ok = "SIP/2.0 200 OK\r\nWWW-Authenticate: Digest algorithm=SHA-256\r\nX: algorithm=MD5\r\n\r\n";
  EXPECT_EQ(ChallengePolicy::keep_md5(ok), ok) << "only 401/407";
}

}  // namespace
}  // namespace imsguard::edge
