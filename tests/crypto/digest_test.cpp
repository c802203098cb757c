#include "crypto/digest.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "testdata.h"

namespace imsguard::crypto {
namespace {

// The vectors of digest/vectors.json that give a password and a known response.
TEST(Digest, RfcKnownAnswers) {
  auto doc = testing::digest_vectors();
  ASSERT_TRUE(doc.contains("vectors"));
  int checked = 0;
  for (const auto& v : doc["vectors"]) {
    if (!v.contains("expected_response") || !v.contains("password")) continue;
    SCOPED_TRACE(v["id"].get<std::string>());
    auto alg = parse_digest_algorithm(v["algorithm"].get<std::string>());
    ASSERT_TRUE(alg);
    std::string ha1 = digest_ha1(alg->hash, v["username"].get<std::string>(), v["realm"].get<std::string>(),
                                 v["password"].get<std::string>());
    EXPECT_EQ(ha1, v["ha1"].get<std::string>());
    std::string uri = v["uri"], nonce = v["nonce"], nc = v["nc"], cnonce = v["cnonce"], qop = v["qop"],
                method = v["method"];
    std::string a2 = method + ":" + uri;
    EXPECT_EQ(hex_digest(alg->hash, a2), v["ha2"].get<std::string>());
    DigestInput in{*alg, ha1, method, uri, nonce, nc, cnonce, qop, ""};
    auto r = digest_response(in);
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(*r, v["expected_response"].get<std::string>());
    EXPECT_TRUE(digest_verify(in, v["expected_response"].get<std::string>()));
    ++checked;
  }
  // rfc2617-3.5, rfc7616 MD5 and SHA-256, and the derived AKAv2 one (its password is given).
  EXPECT_EQ(checked, 4);
}

// RFC 7616 3.9.2 prints values that only SHA-512 truncated to 256 bits reproduces. We follow
// RFC 8760 / FIPS 180-4 SHA-512/256 (what OpenSSL's sha512-256 is and what the errata'd RFC
// means), so the FIPS values must come out and the printed ones must not.
TEST(Digest, Sha512_256FollowsFips180_4) {
  auto doc = testing::digest_vectors();
  const auto* v = testing::find_vector(doc, "rfc7616-3.9.2-sha-512-256-userhash");
  ASSERT_NE(v, nullptr);
  const std::string username = (*v)["username"], realm = (*v)["realm"], password = (*v)["password"];
  const std::string method = (*v)["method"], uri = (*v)["uri"], nonce = (*v)["nonce"], nc = (*v)["nc"],
                    cnonce = (*v)["cnonce"], qop = (*v)["qop"];
  EXPECT_EQ(to_hex(username), (*v)["username_utf8_hex"].get<std::string>());
  EXPECT_EQ(hex_digest(HashAlgorithm::kSha512_256, username + ":" + realm),
            (*v)["fips180_4_sha512_256_username_hash"].get<std::string>());
  std::string ha1 = digest_ha1(HashAlgorithm::kSha512_256, username, realm, password);
  EXPECT_EQ(ha1, (*v)["fips180_4_sha512_256_ha1"].get<std::string>());
  EXPECT_EQ(hex_digest(HashAlgorithm::kSha512_256, method + ":" + uri),
            (*v)["fips180_4_sha512_256_ha2"].get<std::string>());
  DigestInput in{kDigestSha512_256, ha1, method, uri, nonce, nc, cnonce, qop, ""};
  auto r = digest_response(in);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(*r, (*v)["fips180_4_sha512_256_response"].get<std::string>());
  EXPECT_FALSE(digest_verify(in, (*v)["rfc_printed_response"].get<std::string>()));
}

TEST(Digest, AuthIntHashesTheBody) {
  const std::string ha1 = digest_ha1(HashAlgorithm::kSha256, "alice", "example.com", "secret");
  const std::string body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
  DigestInput in{kDigestSha256, ha1, "INVITE", "sip:bob@example.com", "n0nce", "00000002", "c1", "auth-int", body};
  auto r = digest_response(in);
  ASSERT_TRUE(r.ok()) << r.message();
  // RFC 7616 3.4.3: A2 = method ":" uri ":" H(entity-body).
  std::string ha2 = hex_digest(HashAlgorithm::kSha256,
                               "INVITE:sip:bob@example.com:" + hex_digest(HashAlgorithm::kSha256, body));
  EXPECT_EQ(*r, hex_digest(HashAlgorithm::kSha256, ha1 + ":n0nce:00000002:c1:auth-int:" + ha2));
  // A changed body changes the response; with qop=auth it would not.
  DigestInput tampered = in;
  tampered.body = "v=0\r\n";
  EXPECT_FALSE(digest_verify(tampered, *r));
  DigestInput auth = in;
  auth.qop = "auth";
  auto a1 = digest_response(auth);
  auth.body = "other";
  auto a2 = digest_response(auth);
  ASSERT_TRUE(a1.ok() && a2.ok());
  EXPECT_EQ(*a1, *a2);
  EXPECT_NE(*a1, *r);
}

TEST(Digest, Rfc2069FormWithoutQop) {
  // RFC 2069 2.1.2: response = H(HA1 ":" nonce ":" HA2), no nc/cnonce/qop. (The response
  // printed in RFC 2069 2.4 is a known erratum, so the formula is the reference here.)
  const std::string ha1 = digest_ha1(HashAlgorithm::kMd5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  DigestInput in{kDigestMd5, ha1, "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "", "", "", ""};
  auto r = digest_response(in);
  ASSERT_TRUE(r.ok()) << r.message();
  std::string ha2 = hex_digest(HashAlgorithm::kMd5, "GET:/dir/index.html");
  EXPECT_EQ(*r, hex_digest(HashAlgorithm::kMd5, ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:" + ha2));
  // The qop form of the same exchange differs, so the two cannot be confused.
  DigestInput with_qop = in;
  with_qop.qop = "auth";
  with_qop.nc = "00000001";
  with_qop.cnonce = "0a4f113b";
  auto q = digest_response(with_qop);
  ASSERT_TRUE(q.ok());
  EXPECT_NE(*q, *r);
}

TEST(Digest, SessionVariant) {
  const std::string ha1 = digest_ha1(HashAlgorithm::kMd5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  auto alg = parse_digest_algorithm("md5-SESS");
  ASSERT_TRUE(alg);
  EXPECT_TRUE(alg->session);
  DigestInput in{*alg, ha1, "GET", "/dir/index.html", "abc", "00000001", "xyz", "auth", ""};
  auto r = digest_response(in);
  ASSERT_TRUE(r.ok());
  std::string sess_ha1 = hex_digest(HashAlgorithm::kMd5, ha1 + ":abc:xyz");
  std::string ha2 = hex_digest(HashAlgorithm::kMd5, "GET:/dir/index.html");
  EXPECT_EQ(*r, hex_digest(HashAlgorithm::kMd5, sess_ha1 + ":abc:00000001:xyz:auth:" + ha2));
  in.cnonce = "";
  in.qop = "";
  in.nc = "";
  EXPECT_FALSE(digest_response(in).ok());  // -sess needs a cnonce
}

TEST(Digest, AlgorithmTokens) {
  for (const char* name : {"MD5", "SHA-256", "SHA-512-256", "MD5-sess", "SHA-256-sess", "AKAv1-MD5", "AKAv2-MD5"}) {
    auto alg = parse_digest_algorithm(name);
    ASSERT_TRUE(alg) << name;
    EXPECT_EQ(digest_algorithm_name(*alg), name);
  }
  EXPECT_EQ(parse_digest_algorithm(""), kDigestMd5);
  EXPECT_EQ(parse_digest_algorithm("sha-256"), kDigestSha256);
  EXPECT_FALSE(parse_digest_algorithm("SHA-1"));
  EXPECT_FALSE(parse_digest_algorithm("-sess"));
  EXPECT_FALSE(parse_digest_algorithm("AKAv3-MD5"));
}

TEST(Digest, BadInputIsAnErrorNotACrash) {
  const std::string ha1 = digest_ha1(HashAlgorithm::kMd5, "u", "r", "p");
  DigestInput in{kDigestMd5, ha1, "REGISTER", "sip:r", "n", "00000001", "c", "auth", ""};
  ASSERT_TRUE(digest_response(in).ok());
  DigestInput bad = in;
  bad.qop = "auth-conf";
  EXPECT_NE(digest_response(bad).message().find("qop"), std::string::npos);
  bad = in;
  bad.nc = "1";
  EXPECT_NE(digest_response(bad).message().find("nc"), std::string::npos);
  bad = in;
  bad.cnonce = "";
  EXPECT_NE(digest_response(bad).message().find("cnonce"), std::string::npos);
  bad = in;
  bad.algorithm = kDigestSha256;  // MD5 HA1 with SHA-256
  EXPECT_NE(digest_response(bad).message().find("HA1"), std::string::npos);
  bad = in;
  bad.ha1 = "zz";
  EXPECT_FALSE(digest_response(bad).ok());
  EXPECT_FALSE(digest_verify(bad, "00"));
}

TEST(Digest, VerifyAcceptsUppercaseHexAndRejectsNearMisses) {
  const std::string ha1 = digest_ha1(HashAlgorithm::kSha256, "u", "r", "p");
  DigestInput in{kDigestSha256, ha1, "REGISTER", "sip:r", "n", "00000001", "c", "auth", ""};
  auto r = digest_response(in);
  ASSERT_TRUE(r.ok());
  std::string upper = *r;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(digest_verify(in, upper));
  std::string wrong = *r;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(digest_verify(in, wrong));
  EXPECT_FALSE(digest_verify(in, r->substr(1)));
  EXPECT_FALSE(digest_verify(in, ""));
  // The same response for another method or URI is refused.
  DigestInput other = in;
  other.uri = "sip:other";
  EXPECT_FALSE(digest_verify(other, *r));
}

}  // namespace
}  // namespace imsguard::crypto
