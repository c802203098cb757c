// split_multipart: RFC 2046 5.1 bodies, CRLF or LF line ends; malformed bodies reported.
#include "media/multipart.h"

#include <gtest/gtest.h>

namespace imsguard::media {
namespace {

TEST(Multipart, SplitsPartsWithHeadersAndIgnoresPreambleAndEpilogue) {
  std::string body =
      "preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1 \r\nContent-Type:\r\n application/SDP\r\n\r\n"
      "v=0\r\n\r\n--b1--\r\nepilogue";
  auto s = split_multipart(body, "b1");
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].header("content-type"), "text/plain");
  EXPECT_EQ(s.parts[0].content, "hello");
  EXPECT_EQ(s.parts[1].header("CONTENT-TYPE"), "application/SDP");  // folded line joined
  EXPECT_EQ(s.parts[1].content, "v=0\r\n");
}

TEST(Multipart, LfOnlyAndPartsWithoutHeaders) {
  auto s = split_multipart("--x\n\nbare\n--x\nContent-Type: a/b\n\nc\n--x--", "x");
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].headers, "");
  EXPECT_EQ(s.parts[0].content, "bare");
  EXPECT_EQ(s.parts[1].header("content-type"), "a/b");
}

TEST(Multipart, BoundaryLookalikesInsideContentAreNotDelimiters) {
  auto s = split_multipart("--x\r\n\r\n--xy is not it\r\n--x--\r\n", "x");
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.parts.size(), 1u);
  EXPECT_EQ(s.parts[0].content, "--xy is not it");
}

TEST(Multipart, MalformedBodiesAreErrors) {
  EXPECT_FALSE(split_multipart("--x\r\n\r\nno close\r\n", "x").error.empty());
  EXPECT_FALSE(split_multipart("no delimiter at all", "x").error.empty());
  EXPECT_FALSE(split_multipart("--x--\r\n", "x").error.empty());  // no part
  EXPECT_FALSE(split_multipart("--x\r\n\r\na\r\n--x--", "").error.empty());
  EXPECT_FALSE(split_multipart("--x\r\n\r\na\r\n--x--", std::string(71, 'x')).error.empty());
  EXPECT_FALSE(split_multipart("--xjunk\r\n\r\na\r\n--x--", "x").error.empty());
}

}  // namespace
}  // namespace imsguard::media
