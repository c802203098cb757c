// The RFC 4648 section 10 vectors and strictness of the project's one base64 codec.
#include "common/base64.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace imsguard {
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

TEST(Base64, StrictDecodingRejectsPaddingAndBitsOutOfPlace) {
  EXPECT_EQ(base64_decode("TWFu"), (std::vector<uint8_t>{'M', 'a', 'n'}));
  EXPECT_EQ(base64_decode("TWE="), (std::vector<uint8_t>{'M', 'a'}));
  EXPECT_EQ(base64_decode("TQ=="), (std::vector<uint8_t>{'M'}));
  EXPECT_FALSE(base64_decode("TWF"));        // not a multiple of 4
  EXPECT_FALSE(base64_decode("TR=="));       // non-zero padding bits
  EXPECT_FALSE(base64_decode("T==="));       // too much padding
  EXPECT_FALSE(base64_decode("TW=u"));       // padding in the middle
  EXPECT_FALSE(base64_decode("TWFu TWFu"));  // whitespace
  EXPECT_FALSE(base64_decode("TWFu\n"));
}

TEST(Base64, EveryLengthRoundTrips) {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(255 - i);
  for (size_t n = 0; n <= 64; ++n) {
    std::span<const uint8_t> part(all.data(), n);
    std::string enc = base64_encode(part);
    EXPECT_EQ(enc.size(), (n + 2) / 3 * 4);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec) << enc;
    EXPECT_EQ(*dec, std::vector<uint8_t>(part.begin(), part.end()));
  }
}

TEST(Base64Url, ExactDecodingWantsTheCanonicalTextOfExactlyThatManyBytes) {
  std::array<uint8_t, 32> raw{};
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i * 7 + 3);
  std::string text = "prefix:";
  base64url_append(raw, text);
  std::string_view enc = std::string_view(text).substr(7);
  EXPECT_EQ(enc.size(), 43u);
  EXPECT_EQ(enc, base64url_encode(raw));
  std::array<uint8_t, 32> back{};
  ASSERT_TRUE(base64url_decode_exact(enc, back));
  EXPECT_EQ(back, raw);
  std::array<uint8_t, 31> shorter{};
  EXPECT_FALSE(base64url_decode_exact(enc, shorter));                  // one byte too many
  EXPECT_FALSE(base64url_decode_exact(enc.substr(0, 42), back));       // one character short
  std::string flipped(enc);
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';                  // unused bits or a new value
  std::array<uint8_t, 32> other{};
  if (base64url_decode_exact(flipped, other)) {
    EXPECT_NE(other, raw);
  }
  std::string with_std(enc);
  with_std[0] = '+';
  EXPECT_FALSE(base64url_decode_exact(with_std, back));                // standard alphabet
}

}  // namespace
}  // namespace imsguard
