// utf8_step is the one reading of UTF-8 behind the JSON event log and the text log: the
// boundaries of table 3-7 of Unicode 15 and the maximal ill-formed subparts of section 3.9.
#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace imsguard {
namespace {

Utf8Step at0(const std::string& s) { return utf8_step(s, 0); }

TEST(Utf8Step, WellFormedSequencesOfEveryLengthWithTheirCodePoints) {
  EXPECT_EQ(at0("A").code_point, 0x41u);
  auto two = at0("\xc3\xa9");  // U+00E9
  EXPECT_TRUE(two.well_formed);
  EXPECT_EQ(two.length, 2u);
  EXPECT_EQ(two.code_point, 0xe9u);
  auto three = at0("\xe2\x82\xac");  // U+20AC
  EXPECT_TRUE(three.well_formed);
  EXPECT_EQ(three.length, 3u);
  EXPECT_EQ(three.code_point, 0x20acu);
  auto four = at0("\xf4\x8f\xbf\xbf");  // U+10FFFF, the last code point
  EXPECT_TRUE(four.well_formed);
  EXPECT_EQ(four.length, 4u);
  EXPECT_EQ(four.code_point, 0x10ffffu);
}

TEST(Utf8Step, OverlongsSurrogatesAndCodePointsAboveTheRangeAreIllFormed) {
  for (const char* bad : {"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80",
                          "\xf5\x80\x80\x80", "\xff", "\x80"}) {
    auto step = at0(bad);
    EXPECT_FALSE(step.well_formed) << bad;
    EXPECT_EQ(step.length, 1u) << "the maximal subpart of a bad lead or bad second byte is the one byte";
  }
}

TEST(Utf8Step, ATruncatedSequenceIsOneSubpartUpToTheByteThatBreaksIt) {
  auto cut = at0("\xe2\x82" "A");
  EXPECT_FALSE(cut.well_formed);
  EXPECT_EQ(cut.length, 2u);
  auto at_end = at0("\xf0\x9f\x98");
  EXPECT_FALSE(at_end.well_formed);
  EXPECT_EQ(at_end.length, 3u);
}

}  // namespace
}  // namespace imsguard
