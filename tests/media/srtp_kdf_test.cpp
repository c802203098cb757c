// RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation) known answers from the
// shared vectors, through src/media/srtp_kdf.
#include "media/srtp_kdf.h"

#include <gtest/gtest.h>

#include "vectors.h"

namespace imsguard::media {
namespace {

using testdata::hex;

TEST(SrtpKdf, AesCmKeystreamMatchesRfc3711B2) {
  auto v = testdata::srtp_vectors();
  ASSERT_FALSE(v.is_discarded());
  const auto& b2 = v["rfc3711_b2_aes_cm_keystream"];
  auto key = hex(b2["session_key"]);
  auto iv = hex(b2["offset_iv"]);
  ASSERT_EQ(b2["blocks"].size(), 6u);
  for (const auto& block : b2["blocks"]) {
    auto ks = aes_cm_keystream(key, iv, block["block_index"].get<uint64_t>(), 1);
    ASSERT_TRUE(ks);
    EXPECT_EQ(*ks, hex(block["keystream"])) << block["block_index"];
  }
}

TEST(SrtpKdf, SessionKeysMatchRfc3711B3) {
  auto v = testdata::srtp_vectors();
  const auto& b3 = v["rfc3711_b3_key_derivation"];
  auto mk = hex(b3["master_key"]);
  auto ms = hex(b3["master_salt"]);
  ASSERT_EQ(mk.size(), 16u);
  ASSERT_EQ(ms.size(), 14u);
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtpEncryption, 16), hex(b3["srtp_encryption_key"]["result"]));
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtpSalt, 14), hex(b3["srtp_salting_key"]["result"]));
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtpAuth, 20), hex(b3["srtp_authentication_key"]["result"]));
  // The 96 bytes of AES-CM output the RFC prints for the authentication label.
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtpAuth, 96), hex(b3["srtp_authentication_key"]["aes_cm_output"]));
  const auto& rtcp = b3["srtcp_keys_computed_here"];
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtcpEncryption, 16), hex(rtcp["srtcp_encryption_key"]));
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtcpAuth, 20), hex(rtcp["srtcp_authentication_key"]));
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtcpSalt, 14), hex(rtcp["srtcp_salting_key"]));
}

TEST(SrtpKdf, RefusesWrongLengths) {
  std::vector<uint8_t> k15(15), k16(16), s14(14), s13(13);
  EXPECT_FALSE(derive_session_key(k15, s14, KdfLabel::kRtpEncryption, 16));
  EXPECT_FALSE(derive_session_key(k16, s13, KdfLabel::kRtpEncryption, 16));
  EXPECT_FALSE(aes_cm_keystream(k15, k16, 0, 1));
}

}  // namespace
}  // namespace imsguard::media
