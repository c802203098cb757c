#include "crypto/digest_aka.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "crypto/digest.h"
#include "crypto/hex.h"
#include "testdata.h"

namespace imsguard::crypto {
namespace {

using testing::jarr;

struct Set1 {
  Milenage m;
  Rand rand;
  AuthVector vector;
};

std::optional<Set1> set1() {
  auto sets = testing::milenage_sets();
  if (!sets.is_array() || sets.empty()) return std::nullopt;
  const auto& s = sets[0];
  auto m = Milenage::from_op(jarr<16>(s["k"]), jarr<16>(s["op"]));
  if (!m) return std::nullopt;
  auto rand = jarr<16>(s["rand"]);
  auto v = make_vector(*m, rand, sqn_from_bytes(jarr<6>(s["sqn"])), jarr<2>(s["amf"]));
  if (!v.ok()) return std::nullopt;
  return Set1{std::move(*m), rand, *v};
}

TEST(DigestAka, NonceMatchesDerivedVectorAndSplitsBack) {
  auto s = set1();
  ASSERT_TRUE(s);
  auto doc = testing::digest_vectors();
  const auto* v = testing::find_vector(doc, "derived-akav1-md5-milenage-set1");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(to_hex(s->vector.autn), (*v)["autn"].get<std::string>());
  std::string nonce = make_aka_nonce(s->rand, s->vector.autn);
  EXPECT_EQ(nonce, (*v)["nonce"].get<std::string>());
  auto raw = base64_decode(nonce);
  ASSERT_TRUE(raw);
  EXPECT_EQ(to_hex(*raw), (*v)["nonce_raw_hex"].get<std::string>());

  auto split = split_aka_nonce(nonce);
  ASSERT_TRUE(split.ok()) << split.message();
  EXPECT_EQ(split->rand, s->rand);
  EXPECT_EQ(split->autn, s->vector.autn);
  EXPECT_TRUE(split->server_data.empty());

  std::vector<uint8_t> server_data{1, 2, 3};
  auto with_data = split_aka_nonce(make_aka_nonce(s->rand, s->vector.autn, server_data));
  ASSERT_TRUE(with_data.ok());
  EXPECT_EQ(with_data->server_data, server_data);
}

TEST(DigestAka, NonceSplitRejectsBadInput) {
  EXPECT_FALSE(split_aka_nonce("not base64!").ok());
  EXPECT_FALSE(split_aka_nonce("").ok());
  std::vector<uint8_t> short_raw(31, 0xaa);
  auto r = split_aka_nonce(base64_encode(short_raw));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message().find("32"), std::string::npos);
}

TEST(DigestAka, Akav1ResponseUsesRawResOctets) {
  auto s = set1();
  ASSERT_TRUE(s);
  auto doc = testing::digest_vectors();
  const auto* v = testing::find_vector(doc, "derived-akav1-md5-milenage-set1");
  ASSERT_NE(v, nullptr);
  std::string password = akav1_password(s->vector.xres);
  EXPECT_EQ(to_hex(password), (*v)["password_hex"].get<std::string>());
  auto ha1 = aka_ha1(DigestAka::kAkav1, (*v)["username"].get<std::string>(), (*v)["realm"].get<std::string>(),
                     s->vector.xres, s->vector.ik, s->vector.ck);
  ASSERT_TRUE(ha1);
  EXPECT_EQ(*ha1, (*v)["ha1"].get<std::string>());
  const std::string method = (*v)["method"], uri = (*v)["uri"], nonce = (*v)["nonce"], nc = (*v)["nc"],
                    cnonce = (*v)["cnonce"], qop = (*v)["qop"];
  DigestInput in{kDigestAkav1Md5, *ha1, method, uri, nonce, nc, cnonce, qop, ""};
  auto r = digest_response(in);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(*r, (*v)["expected_response"].get<std::string>());
  // Using the hex text of RES as the password is the classic interop bug: must not verify.
  EXPECT_FALSE(digest_verify(in, (*v)["wrong_if_password_is_hex_text"].get<std::string>()));
}

TEST(DigestAka, Akav2PasswordAndResponse) {
  auto s = set1();
  ASSERT_TRUE(s);
  auto doc = testing::digest_vectors();
  const auto* v = testing::find_vector(doc, "derived-akav2-md5-milenage-set1");
  ASSERT_NE(v, nullptr);
  auto password = akav2_password(s->vector.xres, s->vector.ik, s->vector.ck);
  ASSERT_TRUE(password);
  EXPECT_EQ(*password, (*v)["password"].get<std::string>());
  auto ha1 = aka_ha1(DigestAka::kAkav2, (*v)["username"].get<std::string>(), (*v)["realm"].get<std::string>(),
                     s->vector.xres, s->vector.ik, s->vector.ck);
  ASSERT_TRUE(ha1);
  EXPECT_EQ(*ha1, (*v)["ha1"].get<std::string>());
  const std::string method = (*v)["method"], uri = (*v)["uri"], nonce = (*v)["nonce"], nc = (*v)["nc"],
                    cnonce = (*v)["cnonce"], qop = (*v)["qop"];
  DigestInput in{kDigestAkav2Md5, *ha1, method, uri, nonce, nc, cnonce, qop, ""};
  EXPECT_TRUE(digest_verify(in, (*v)["expected_response"].get<std::string>()));
  EXPECT_FALSE(aka_ha1(DigestAka::kNone, "u", "r", s->vector.xres, s->vector.ik, s->vector.ck));
}

TEST(DigestAka, AutsParameter) {
  auto doc = testing::digest_vectors();
  const auto* v = testing::find_vector(doc, "derived-aka-resync-auts-milenage-set1");
  ASSERT_NE(v, nullptr);
  Auts auts = jarr<14>((*v)["auts_hex"]);
  EXPECT_EQ(encode_auts(auts), (*v)["auts_param"].get<std::string>());
  auto back = decode_auts((*v)["auts_param"].get<std::string>());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, auts);
  EXPECT_FALSE(decode_auts("AAAA").ok());        // 3 bytes
  EXPECT_FALSE(decode_auts("uoU/PBI8z0Tp").ok());  // 9 bytes
  EXPECT_FALSE(decode_auts("uoU/PBI8z0TpNZbjVcY").ok());  // missing padding
}

}  // namespace
}  // namespace imsguard::crypto
