#include "client/content_fetch.h"

#include "process.h"
#include "tcp_listener.h"

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
  auto u = parse_https_url("https://127.0.0.1:8443/content/content");
  ASSERT_TRUE(u) << u.message();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/content/content");
  auto v6 = parse_https_url("https://[::1]:9443/content/x");
  ASSERT_TRUE(v6) << v6.message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9443);
  auto plain = parse_https_url("https://box.ims.local");
  ASSERT_TRUE(plain) << plain.message();
  EXPECT_EQ(plain->port, 443);
  EXPECT_EQ(plain->path, "/");
}

TEST(HttpsUrl, RefusesCleartextAndMalformedUrlsAsInvalid) {
  auto clear = parse_https_url("http://127.0.0.1/content/content");
  EXPECT_FALSE(clear);
  EXPECT_EQ(clear.code(), Code::kInvalid);
  EXPECT_NE(clear.message().find("https://"), std::string::npos) << clear.message();
  for (const char* bad : {"https://user@host/x", "https://host:0/x", "https://host:65536/x", "https://[::1/x",
                          "https://[nothost]:1/x", "https://host/a b", "https:///x", "https://[::1]x/y"}) {
    auto r = parse_https_url(bad);
    EXPECT_FALSE(r) << bad;
    EXPECT_EQ(r.code(), Code::kInvalid) << bad;
    EXPECT_EQ(r.message().rfind("--url", 0), 0u) << bad << ": " << r.message();
  }
}

FetchOptions fetch_to(uint16_t port, const std::string& ca_file) {
  FetchOptions f;
  f.url = *parse_https_url("https://127.0.0.1:" + std::to_string(port) + "/content/content");
  f.token = "abc.def.ghi";
  f.ca_file = ca_file;
  f.timeout = std::chrono::milliseconds(2000);
  return f;
}

TEST(FetchContent, AServerThatCannotBeReachedIsUnavailable) {
  uint16_t closed = testkit::free_port();  // was free a moment ago: nothing listens there
  ASSERT_NE(closed, 0);
  FetchResult r = fetch_content(fetch_to(closed, "/nonexistent/ca.crt"));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error.code(), Code::kUnavailable) << r.error.message();
  EXPECT_NE(r.error.message().find("HTTPS to 127.0.0.1:" + std::to_string(closed) + " failed"),
            std::string::npos)
      << r.error.message();
}

TEST(FetchContent, ACaFileThatCannotBeLoadedIsTheCallersInput) {
  testkit::TcpListener listening;
  ASSERT_NE(listening.port(), 0);
  std::string missing = ::testing::TempDir() + "imsguard-no-such-ca.crt";
  FetchResult r = fetch_content(fetch_to(listening.port(), missing));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error.code(), Code::kInvalid) << r.error.message();
  EXPECT_NE(r.error.message().find(missing), std::string::npos) << r.error.message();
}

TEST(PrintableBody, NeutralisesControlCharacters) {
  EXPECT_EQ(printable_body("line1\nline2\t\x1b[31mred\r"), "line1\nline2\t?[31mred?");
}

}  // namespace
}  // namespace imsguard::client
