#include "client/content_fetch.h"

#include <gtest/gtest.h>

namespace imsguard::client {
namespace {

TEST(ContentToken, ParsesTheCoresHeaderValue) {
  auto t = parse_content_token("eyJh.eyJl.c2ln;service=content;expires=1795885007");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token, "eyJh.eyJl.c2ln");
  EXPECT_EQ(t->service, "content");
  EXPECT_EQ(t->expires, 1795885007);
  auto bare = parse_content_token(" abc-_.def ");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->token, "abc-_.def");
  EXPECT_EQ(bare->expires, 0);
}

TEST(ContentToken, RejectsWhatIsNotAJws) {
  EXPECT_FALSE(parse_content_token(""));
  EXPECT_FALSE(parse_content_token(";service=content"));
  EXPECT_FALSE(parse_content_token("a b.c"));
  EXPECT_FALSE(parse_content_token("abc\r\nX-Injected: 1"));
  auto t = parse_content_token("abc;expires=12x");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires, 0);  // a malformed expiry is ignored, not misread
}

TEST(HttpsUrl, ParsesHostPortAndPath) {
  std::string err;
  auto u = parse_https_url("https://127.0.0.1:8443/content/content", err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/content/content");
  auto v6 = parse_https_url("https://[::1]:9443/content/x", err);
  ASSERT_TRUE(v6) << err;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9443);
  auto plain = parse_https_url("https://box.ims.local", err);
  ASSERT_TRUE(plain) << err;
  EXPECT_EQ(plain->port, 443);
  EXPECT_EQ(plain->path, "/");
}

TEST(HttpsUrl, RefusesCleartextAndMalformedUrls) {
  std::string err;
  EXPECT_FALSE(parse_https_url("http://127.0.0.1/content/content", err));
  EXPECT_NE(err.find("https://"), std::string::npos);
  EXPECT_FALSE(parse_https_url("https://user@host/x", err));
  EXPECT_FALSE(parse_https_url("https://host:0/x", err));
  EXPECT_FALSE(parse_https_url("https://host:65536/x", err));
  EXPECT_FALSE(parse_https_url("https://[::1/x", err));
  EXPECT_FALSE(parse_https_url("https://[nothost]:1/x", err));
  EXPECT_FALSE(parse_https_url("https://host/a b", err));
  EXPECT_FALSE(parse_https_url("https:///x", err));
}

TEST(PrintableBody, NeutralisesControlCharacters) {
  EXPECT_EQ(printable_body("line1\nline2\t\x1b[31mred\r"), "line1\nline2\t?[31mred?");
}

}  // namespace
}  // namespace imsguard::client
