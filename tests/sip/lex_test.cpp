#include "sip/lex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imsguard::sip {
namespace {

std::vector<std::string> split(std::string_view v, bool* ok = nullptr) {
  std::vector<std::string> out;
  bool r = split_list(v, [&](std::string_view e) { out.emplace_back(e); });
  if (ok) *ok = r;
  return out;
}

TEST(LexTest, SplitsAtCommasOutsideQuotesAndAngles) {
  auto parts = split(R"("Bell, Alexander" <sip:a@b;x=1,2>;tag=1 , <sip:c@d>)");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], R"("Bell, Alexander" <sip:a@b;x=1,2>;tag=1)");
  EXPECT_EQ(parts[1], "<sip:c@d>");
}

TEST(LexTest, SplitKeepsEmptyElementsAndReportsOpenQuote) {
  auto parts = split("a,,b");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  bool ok = true;
  split(R"("open, a)", &ok);
  EXPECT_FALSE(ok);
}

TEST(LexTest, QuotedPairsDoNotCloseTheString) {
  std::string_view s = R"("a \" b" c)";
  EXPECT_EQ(find_closing_quote(s, 0), 7u);
  EXPECT_EQ(unquote(R"("a \" b")"), "a \" b");
}

TEST(LexTest, ParamsWithLwsAroundSeparators) {
  std::vector<std::pair<std::string, std::string>> seen;
  bool ok = for_each_param(" ;  tag    = 1918181833n ; lr ;x=\"q;v\"", [&](const Param& p) {
    seen.emplace_back(std::string(p.name), std::string(p.value));
  });
  ASSERT_TRUE(ok);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].first, "tag");
  EXPECT_EQ(seen[0].second, "1918181833n");
  EXPECT_EQ(seen[1].first, "lr");
  EXPECT_EQ(seen[1].second, "");
  EXPECT_EQ(seen[2].second, "\"q;v\"");
  EXPECT_EQ(find_param(";a=1;TAG=x", "tag").value_or("none"), "x");
  EXPECT_FALSE(find_param(";a=1", "tag").has_value());
}

TEST(LexTest, EmptyParamNamesAreErrors) {
  EXPECT_FALSE(for_each_param(";;", [](const Param&) {}));
  EXPECT_FALSE(for_each_param(";a=", [](const Param&) {}));
  EXPECT_FALSE(for_each_param("a", [](const Param&) {}));
}

TEST(LexTest, DecimalBounds) {
  EXPECT_EQ(parse_decimal("0068", 255).value_or(0), 68u);
  EXPECT_FALSE(parse_decimal("256", 255).has_value());
  EXPECT_FALSE(parse_decimal("36893488147419103232", 0xffffffffULL).has_value());
  EXPECT_FALSE(parse_decimal("-1", 10).has_value());
  EXPECT_FALSE(parse_decimal("", 10).has_value());
  EXPECT_EQ(parse_decimal("4294967295", 0xffffffffULL).value_or(0), 4294967295ULL);
}

TEST(LexTest, AppendUnfoldedCopiesOneLineAndJoinsFoldedLines) {
  std::string out = "To: ";
  append_unfolded(out, "<sip:a@b>;tag=1");  // one line: appended as it is
  EXPECT_EQ(out, "To: <sip:a@b>;tag=1");
  out.clear();
  append_unfolded(out, "Digest realm=\"x\",\r\n\t nonce=\"y\"");
  EXPECT_EQ(out, "Digest realm=\"x\", nonce=\"y\"");
  out.clear();
  append_unfolded(out, "Bad\r\nRequest");  // a line break never reaches the output
  EXPECT_EQ(out, "Bad Request");
  out = "x";
  append_unfolded(out, "\n");
  EXPECT_EQ(out, "x");
  append_unfolded(out, std::string_view());  // empty, null data
  EXPECT_EQ(out, "x");
}

}  // namespace
}  // namespace imsguard::sip
