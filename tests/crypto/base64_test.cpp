#include "crypto/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace imsguard::crypto {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string text(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

TEST(Base64, Rfc4648Examples) {
  // RFC 4648 section 10 test vectors.
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(base64_encode(bytes(in[i])), out[i]);
    auto back = base64_decode(out[i]);
    ASSERT_TRUE(back) << out[i];
    EXPECT_EQ(text(*back), in[i]);
  }
}

TEST(Base64, StrictDecodingRejectsNonCanonicalInput) {
  EXPECT_FALSE(base64_decode("Zg="));      // length not a multiple of 4
  EXPECT_FALSE(base64_decode(" Zg=="));    // whitespace
  EXPECT_FALSE(base64_decode("Zg==Zg==")); // padding in the middle
  EXPECT_FALSE(base64_decode("Zh=="));     // non-zero unused bits
  EXPECT_FALSE(base64_decode("Z-8="));     // URL alphabet in standard decoding
  EXPECT_FALSE(base64_decode("Z===")); 
}

TEST(Base64Url, RoundTripWithoutPadding) {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  for (size_t n = 0; n < 40; ++n) {
    std::span<const uint8_t> part(all.data() + 200, n);
    std::string enc = base64url_encode(part);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec) << n;
    EXPECT_EQ(*dec, std::vector<uint8_t>(part.begin(), part.end()));
  }
  EXPECT_FALSE(base64url_decode("Zg=="));  // padding not allowed
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zh"));    // non-zero unused bits
}

}  // namespace
}  // namespace imsguard::crypto
