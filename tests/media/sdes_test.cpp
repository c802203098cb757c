// SDES key generation, formatting and the refusals of parse_sdes, against the RFC 4568
// example lines of the shared vectors.
#include "media/sdes.h"

#include <gtest/gtest.h>

#include "vectors.h"

namespace imsguard::media {
namespace {

sip::SdpCrypto crypto_of(const std::string& line) {
  std::string value = line.substr(line.find(':') + 1);
  auto c = sip::parse_crypto(value);
  EXPECT_TRUE(c.ok()) << line << ": " << c.message();
  return c.ok() ? c.value() : sip::SdpCrypto{};
}

TEST(Sdes, GeneratedKeysRoundTripThroughTheSdpLine) {
  for (SrtpSuite suite : all_suites()) {
    auto k = generate_sdes_key(suite, 3);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->key_salt.size(), master_length(suite));
    auto line = sip::format_crypto(to_sdp_crypto(*k));
    auto parsed = parse_sdes(crypto_of("a=crypto:" + line));
    ASSERT_TRUE(parsed.ok()) << parsed.message();
    EXPECT_EQ(parsed->suite, suite);
    EXPECT_EQ(parsed->tag, 3u);
    EXPECT_EQ(parsed->key_salt, k->key_salt);
  }
  auto a = generate_sdes_key(SrtpSuite::kAesCm128HmacSha1_80, 1);
  auto b = generate_sdes_key(SrtpSuite::kAesCm128HmacSha1_80, 1);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->key_salt, b->key_salt);
}

TEST(Sdes, Rfc4568ExamplesDecodeToTheVectorKeysAndTheirMkiIsRefused) {
  auto v = testdata::srtp_vectors();
  ASSERT_FALSE(v.is_discarded());
  const auto& lines = v["rfc4568_sdes_examples"]["crypto_lines"];
  ASSERT_FALSE(lines.empty());
  for (const auto& entry : lines) {
    auto c = crypto_of(entry["line"].get<std::string>());
    ASSERT_EQ(c.keys.size(), entry["keys"].size());
    const auto& expected = entry["keys"][0];
    auto bytes = c.keys[0].decode_key_salt();
    ASSERT_TRUE(bytes);
    std::vector<uint8_t> key_salt = testdata::hex(expected["master_key"]);
    auto salt = testdata::hex(expected["master_salt"]);
    key_salt.insert(key_salt.end(), salt.begin(), salt.end());
    EXPECT_EQ(*bytes, key_salt);
    auto parsed = parse_sdes(c);
    if (expected.contains("mki_value") || c.keys.size() > 1 || !c.session_params.empty()) {
      EXPECT_EQ(parsed.code(), Code::kInvalid) << entry["line"];
      EXPECT_FALSE(parsed.message().empty());
    } else {
      ASSERT_TRUE(parsed.ok()) << parsed.message();
      EXPECT_EQ(parsed->key_salt, key_salt);
    }
  }
}

TEST(Sdes, RefusalsSayWhy) {
  struct Case {
    const char* value;
    const char* why;
  } cases[] = {
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4", "MKI"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^10", "lifetime"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR UNENCRYPTED_SRTP", "session parameter"},
      {"1 F8_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", "not supported"},
      {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR;"
       "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
       "2 keys"},
  };
  for (const auto& c : cases) {
    auto crypto = sip::parse_crypto(c.value);
    if (!crypto.ok()) continue;  // the SDP layer refused it already: also a refusal
    auto parsed = parse_sdes(*crypto);
    EXPECT_EQ(parsed.code(), Code::kInvalid) << c.value;
    EXPECT_NE(parsed.message().find(c.why), std::string::npos) << c.value << " -> " << parsed.message();
  }
  // A long lifetime is fine.
  auto ok = parse_sdes(crypto_of("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31"));
  EXPECT_TRUE(ok.ok()) << ok.message();
}

}  // namespace
}  // namespace imsguard::media
