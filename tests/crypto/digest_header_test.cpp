#include "crypto/digest_header.h"

#include <gtest/gtest.h>

#include "testdata.h"

namespace imsguard::crypto {
namespace {

TEST(AuthHeader, ParsesTokensQuotedStringsAndQuotedPairs) {
  auto h = parse_auth_header(R"(Digest  USERNAME="a\"b\\c" ,realm = "r e", nc=00000001,qop=auth)");
  ASSERT_TRUE(h.ok()) << h.message();
  EXPECT_EQ(h->scheme, "Digest");
  ASSERT_EQ(h->params.size(), 4u);
  ASSERT_NE(h->find("username"), nullptr);
  EXPECT_EQ(h->find("username")->value, "a\"b\\c");
  EXPECT_TRUE(h->find("username")->quoted);
  EXPECT_EQ(h->find("realm")->value, "r e");
  EXPECT_EQ(h->find("nc")->value, "00000001");
  EXPECT_FALSE(h->find("nc")->quoted);
}

TEST(AuthHeader, RejectsMalformedInput) {
  const char* bad[] = {
      "",                                      // no scheme
      "Digest realm",                          // no '='
      "Digest realm=",                         // no value
      "Digest realm=\"unterminated",           // open quote
      "Digest realm=\"a\", realm=\"b\"",       // duplicate
      "Digest Realm=\"a\", REALM=\"b\"",       // duplicate, case-insensitive
      "Digest realm=\"a\" nonce=\"b\"",        // missing comma
      "Digest realm=\"a\r\nX-Injected: 1\"",  // CR/LF inside a quoted string
      "Digest realm=\"a\\\r\"",                // quoted-pair of CR
      "Digest realm=\"a\x01\"",                // control character
      "Digest realm=\"a\",",                   // trailing comma
      "Digest =x",
  };
  for (const char* v : bad) {
    auto h = parse_auth_header(v);
    EXPECT_FALSE(h.ok()) << "accepted: " << v;
    EXPECT_FALSE(h.message().empty());
  }
  auto dup = parse_auth_header("Digest realm=\"a\", Realm=b");
  EXPECT_NE(dup.message().find("duplicate"), std::string::npos);
  std::string many = "Digest ";
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("p") + std::to_string(i) + "=1";
  EXPECT_FALSE(parse_auth_header(many).ok());
}

TEST(DigestCredentials, FullSipAuthorization) {
  auto c = parse_digest_credentials(
      R"(Digest username="alice@example.com", realm="example.com", nonce="abc", uri="sip:example.com", )"
      R"(response="0123456789abcdef0123456789abcdef", algorithm=SHA-256, cnonce="xyz", opaque="op", qop=auth, nc=0000000a)");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->username, "alice@example.com");
  EXPECT_EQ(c->realm, "example.com");
  EXPECT_EQ(c->nonce, "abc");
  EXPECT_EQ(c->uri, "sip:example.com");
  EXPECT_EQ(c->algorithm, kDigestSha256);
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->nc, "0000000a");
  EXPECT_EQ(c->cnonce, "xyz");
  EXPECT_EQ(c->opaque, "op");
  EXPECT_FALSE(c->has_auts);
}

TEST(DigestCredentials, ImsInitialRegisterWithEmptyNonceAndAuts) {
  // TS 24.229 5.1.1.2: the first REGISTER carries empty nonce and response.
  auto c = parse_digest_credentials(
      R"(Digest username="001010000000001@ims.example", realm="ims.example", nonce="", uri="sip:ims.example", response="")");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_TRUE(c->nonce.empty());
  EXPECT_EQ(c->algorithm, kDigestMd5);  // absent means MD5
  auto r = parse_digest_credentials(
      R"(digest username="u", realm="r", nonce="n", uri="sip:r", response="", algorithm=AKAv1-MD5, auts="uoU/PBI8z0TpNZbjVcY=")");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_TRUE(r->has_auts);
  EXPECT_EQ(r->auts, "uoU/PBI8z0TpNZbjVcY=");
  EXPECT_EQ(r->algorithm, kDigestAkav1Md5);
}

TEST(DigestCredentials, ErrorsNameTheProblem) {
  struct Case {
    const char* header;
    const char* expect;
  } cases[] = {
      {R"(Basic dXNlcjpwYXNz)", "not Digest"},
      {R"(Digest realm="r", nonce="n", uri="u", response="x")", "username"},
      {R"(Digest username="u", realm="r", nonce="n", uri="u")", "response"},
      {R"(Digest username="u", realm="r", nonce="n", uri="u", response="x", algorithm=SHA-1)", "algorithm"},
      {R"(Digest username="u", realm="r", nonce="n", uri="u", response="x", qop=auth-conf, nc=00000001, cnonce="c")", "qop"},
      {R"(Digest username="u", realm="r", nonce="n", uri="u", response="x", qop=auth, nc=00000001)", "cnonce"},
      {R"(Digest username="u", realm="r", nonce="n", uri="u", response="x", qop=auth, nc=1, cnonce="c")", "nc"},
      {R"(Digest username="u", realm="r", nonce="n", uri="u", response="x", nc=00000001)", "nc"},
      {R"(Digest username="u", username="v", realm="r", nonce="n", uri="u", response="x")", "duplicate"},
  };
  for (const auto& c : cases) {
    auto r = parse_digest_credentials(c.header);
    EXPECT_FALSE(r.ok()) << c.header;
    EXPECT_NE(r.message().find(c.expect), std::string::npos) << c.header << " -> " << r.message();
  }
}

TEST(DigestChallenge, BuildsOneHeaderPerAlgorithmInOrder) {
  ChallengeParams p;
  p.realm = "example.com";
  p.nonce = "N1";
  p.opaque = "O1";
  auto headers = build_challenges(default_algorithm_order(), p);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0], R"(Digest realm="example.com", nonce="N1", algorithm=SHA-256, qop="auth", opaque="O1")");
  EXPECT_EQ(headers[1], R"(Digest realm="example.com", nonce="N1", algorithm=MD5, qop="auth", opaque="O1")");
  auto md5_first = build_challenges(default_algorithm_order(/*md5_first=*/true), p);
  ASSERT_EQ(md5_first.size(), 2u);
  EXPECT_EQ(md5_first[0], headers[1]);
  EXPECT_EQ(md5_first[1], headers[0]);
}

TEST(DigestChallenge, StaleAndRoundTripThroughTheParser) {
  ChallengeParams p;
  p.realm = "we \"quote\" \\ and\r\nbreak";
  p.nonce = "abc";
  p.qop = "auth,auth-int";
  p.stale = true;
  std::string h = build_challenge(kDigestSha512_256, p);
  EXPECT_EQ(h.find('\r'), std::string::npos);
  EXPECT_EQ(h.find('\n'), std::string::npos);
  EXPECT_NE(h.find(", stale=true"), std::string::npos);
  auto c = parse_digest_challenge(h);
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->realm, "we \"quote\" \\ andbreak");
  EXPECT_EQ(c->nonce, "abc");
  EXPECT_EQ(c->algorithm, kDigestSha512_256);
  EXPECT_TRUE(c->stale);
  EXPECT_EQ(c->qop_options, (std::vector<std::string>{"auth", "auth-int"}));
  EXPECT_TRUE(c->opaque.empty());
}

TEST(DigestChallenge, ParsesTheRfc7616ChallengesOfTheVectors) {
  auto doc = testing::digest_vectors();
  int parsed = 0;
  for (const auto& v : doc["vectors"]) {
    if (!v.contains("challenge")) continue;
    auto c = parse_digest_challenge(v["challenge"].get<std::string>());
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_EQ(c->realm, v["realm"].get<std::string>());
    EXPECT_EQ(c->nonce, v["nonce"].get<std::string>());
    EXPECT_EQ(c->opaque, v["opaque"].get<std::string>());
    EXPECT_EQ(digest_algorithm_name(c->algorithm), v["algorithm"].get<std::string>());
    EXPECT_EQ(c->qop_options, (std::vector<std::string>{"auth", "auth-int"}));
    ++parsed;
  }
  EXPECT_EQ(parsed, 2);
}

TEST(DigestChallenge, AlgorithmOrderFromConfig) {
  auto order = parse_algorithm_order({"MD5", "SHA-256", "SHA-512-256"});
  ASSERT_TRUE(order.ok()) << order.message();
  EXPECT_EQ(*order, (std::vector<DigestAlgorithm>{kDigestMd5, kDigestSha256, kDigestSha512_256}));
  EXPECT_FALSE(parse_algorithm_order({}).ok());
  EXPECT_NE(parse_algorithm_order({"SHA-256", "sha-256"}).message().find("twice"), std::string::npos);
  EXPECT_NE(parse_algorithm_order({"SHA-1"}).message().find("SHA-1"), std::string::npos);
  EXPECT_FALSE(parse_algorithm_order({""}).ok());
}

}  // namespace
}  // namespace imsguard::crypto
