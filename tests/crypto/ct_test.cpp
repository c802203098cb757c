#include "crypto/ct.h"

#include <gtest/gtest.h>

#include <array>

namespace imsguard::crypto {
namespace {

TEST(ConstantTimeEqual, EqualAndUnequalBytes) {
  std::array<uint8_t, 8> a{1, 2, 3, 4, 5, 6, 7, 8};
  std::array<uint8_t, 8> b = a;
  EXPECT_TRUE(constant_time_equal(std::span<const uint8_t>(a), std::span<const uint8_t>(b)));
  b[7] ^= 1;
  EXPECT_FALSE(constant_time_equal(std::span<const uint8_t>(a), std::span<const uint8_t>(b)));
  b = a;
  b[0] ^= 0x80;
  EXPECT_FALSE(constant_time_equal(std::span<const uint8_t>(a), std::span<const uint8_t>(b)));
}

TEST(ConstantTimeEqual, LengthMismatchIsUnequal) {
  EXPECT_FALSE(constant_time_equal(std::string_view("abc"), std::string_view("abcd")));
  EXPECT_FALSE(constant_time_equal(std::string_view(""), std::string_view("a")));
  EXPECT_TRUE(constant_time_equal(std::string_view(""), std::string_view("")));
  EXPECT_TRUE(constant_time_equal(std::string_view("6629fae4"), std::string_view("6629fae4")));
  EXPECT_FALSE(constant_time_equal(std::string_view("6629fae4"), std::string_view("6629fae5")));
}

}  // namespace
}  // namespace imsguard::crypto
