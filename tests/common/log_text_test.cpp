// log_safe writes network bytes into the text log: one line whatever the input, no terminal
// control, valid UTF-8, readable text kept as it is.
#include "common/log_text.h"

#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace imsguard {
namespace {

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto step = utf8_step(s, i);
    if (!step.well_formed) return false;
    i += step.length;
  }
  return true;
}

TEST(LogSafe, AForgedLineBreakStaysOnTheLineAndIsReadable) {
  EXPECT_EQ(log_safe("eve\r\n[info] registered admin\tok", 400), "eve\\r\\n[info] registered admin\\tok");
}

TEST(LogSafe, ControlBytesAndIllFormedUtf8AreEscapedPerByte) {
  EXPECT_EQ(log_safe(std::string("a\0b\x1b[31m\x7f", 9), 400), "a\\x00b\\x1b[31m\\x7f");
  EXPECT_EQ(log_safe("x\xc0\xafy\xe2\x82", 400), "x\\xc0\\xafy\\xe2\\x82");
}

TEST(LogSafe, WellFormedTextIsKeptButC1AndBidiControlsAreNamed) {
  EXPECT_EQ(log_safe("Ren\xc3\xa9\xe2\x82\xac", 400), "Ren\xc3\xa9\xe2\x82\xac");
  // U+009B (a C1 CSI) and U+202E (right-to-left override) would act on a reader's terminal.
  EXPECT_EQ(log_safe("a\xc2\x9b" "b\xe2\x80\xae" "c", 400), "a\\u{009b}b\\u{202e}c");
}

TEST(LogSafe, TheOutputIsCutAfterMaxBytesAndStaysValidUtf8) {
  std::string s;
  for (int i = 0; i < 300; ++i) s += "\xc3\xa9\xff";
  std::string out = log_safe(s, 100);
  EXPECT_GE(out.size(), 100u);
  EXPECT_LE(out.size(), 100u + 4 + 3) << "at most one escape past the cap, then ...";
  EXPECT_EQ(out.substr(out.size() - 3), "...");
  EXPECT_TRUE(valid_utf8(out));
  EXPECT_EQ(log_safe(std::string(50, 'x'), 100), std::string(50, 'x')) << "no ... when nothing is cut";
}

}  // namespace
}  // namespace imsguard
