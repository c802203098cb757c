// ops::append_json_string writes event fields that come from the network: whatever the
// bytes, the line must be valid JSON (RFC 8259 requires UTF-8), with ill-formed UTF-8
// replaced by U+FFFD one per maximal ill-formed subpart and well-formed text kept as is.
#include "ops/events.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <string>

namespace imsguard::ops {
namespace {

std::string json_of(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// The decoded value, as a strict JSON parser (it rejects ill-formed UTF-8) reads the output.
std::string decoded(std::string_view s) {
  return nlohmann::json::parse(json_of(s)).get<std::string>();
}

const std::string kFffd = "\xef\xbf\xbd";

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_of("a\"b\\c\n\r\t\x01\x7f"), "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u007f\"");
  EXPECT_EQ(decoded(std::string_view("x\0y", 3)), std::string("x\0y", 3));
}

TEST(JsonString, KeepsWellFormedUtf8) {
  // 2-, 3- and 4-byte forms at the edges of their ranges.
  for (std::string s : {"caf\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xe2\x82\xac", "\xed\x9f\xbf",
                        "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"}) {
    EXPECT_EQ(json_of(s), "\"" + s + "\"") << s;
    EXPECT_EQ(decoded(s), s);
  }
}

TEST(JsonString, ReplacesStrayAndInvalidBytes) {
  EXPECT_EQ(decoded("a\x80z"), "a" + kFffd + "z");
  EXPECT_EQ(decoded("\xbf\xbf"), kFffd + kFffd);
  EXPECT_EQ(decoded("\xfe\xff"), kFffd + kFffd);
  EXPECT_EQ(decoded("\xf5\x80\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // F5 never starts a sequence
  EXPECT_EQ(json_of("\x80"), "\"\\ufffd\"");  // written as an escape: the line stays ASCII
}

TEST(JsonString, ReplacesTruncatedSequencesOncePerSubpart) {
  EXPECT_EQ(decoded("\xc3"), kFffd);
  EXPECT_EQ(decoded("\xe2\x82"), kFffd);              // 2 of 3 bytes, at the end
  EXPECT_EQ(decoded("\xe2\x82" "A"), kFffd + "A");    // 2 of 3, then ASCII (kept)
  EXPECT_EQ(decoded("\xf0\x9f\x98"), kFffd);          // 3 of 4
  EXPECT_EQ(decoded("\xf0\x9f\x98\xc3\xa9"), kFffd + "\xc3\xa9");  // the next character survives
  EXPECT_EQ(decoded("\xe2\x28\xa1"), kFffd + "(" + kFffd);
}

TEST(JsonString, ReplacesOverlongForms) {
  EXPECT_EQ(decoded("\xc0\xaf"), kFffd + kFffd);  // '/' in two bytes
  EXPECT_EQ(decoded("\xc1\xbf"), kFffd + kFffd);
  EXPECT_EQ(decoded("\xe0\x80\xaf"), kFffd + kFffd + kFffd);
  EXPECT_EQ(decoded("\xe0\x9f\xbf"), kFffd + kFffd + kFffd);
  EXPECT_EQ(decoded("\xf0\x80\x80\xaf"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(decoded("\xf0\x8f\xbf\xbf"), kFffd + kFffd + kFffd + kFffd);
}

TEST(JsonString, ReplacesSurrogatesAndCodePointsAboveTheLast) {
  EXPECT_EQ(decoded("\xed\xa0\x80"), kFffd + kFffd + kFffd);  // U+D800
  EXPECT_EQ(decoded("\xed\xbf\xbf"), kFffd + kFffd + kFffd);  // U+DFFF
  EXPECT_EQ(decoded("\xed\xa0\xbd\xed\xb8\x80"), kFffd + kFffd + kFffd + kFffd + kFffd + kFffd);  // CESU-8 pair
  EXPECT_EQ(decoded("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // U+110000
}

TEST(JsonString, AnyBytesMakeValidJson) {
  std::mt19937 rng(20);
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 8 == 0 ? rng() % 0x80 : 0x80 + rng() % 0x80);
    std::string out = json_of(s);
    EXPECT_NO_THROW(nlohmann::json::parse(out)) << testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace imsguard::ops
