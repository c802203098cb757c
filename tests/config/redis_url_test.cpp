// `state: redis://...` parsing: what operators write must mean one thing, and every mistake
// must be named.
#include <gtest/gtest.h>

#include "config/redis_url.h"

namespace imsguard::config {
namespace {

TEST(RedisUrl, HostPortAndDatabase) {
  auto r = parse_redis_url("redis://10.0.0.5:6380/3");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->host, "10.0.0.5");
  EXPECT_EQ(r.url->port, 6380);
  EXPECT_EQ(r.url->db, 3);
  EXPECT_TRUE(r.url->password.empty());
  EXPECT_FALSE(r.url->tls);
  EXPECT_EQ(r.url->prefix, "imsguard:");
}

TEST(RedisUrl, DefaultsWhenOnlyAHostIsGiven) {
  auto r = parse_redis_url("redis://localhost");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->port, 6379);
  EXPECT_EQ(r.url->db, 0);
}

TEST(RedisUrl, PasswordWithUserAndEscapes) {
  auto r = parse_redis_url("redis://:s%40cr%3At@127.0.0.1:6379/0");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->password, "s@cr:t");
  EXPECT_TRUE(r.url->user.empty());
  auto acl = parse_redis_url("redis://edge:pw@127.0.0.1/1");
  ASSERT_TRUE(acl.url) << acl.error;
  EXPECT_EQ(acl.url->user, "edge");
  EXPECT_EQ(acl.url->password, "pw");
  // The password never appears in what is logged.
  EXPECT_EQ(acl.url->redacted().find("pw"), std::string::npos);
  EXPECT_NE(acl.url->redacted().find("127.0.0.1:6379/1"), std::string::npos);
}

TEST(RedisUrl, Ipv6HostAndOptions) {
  auto r = parse_redis_url("redis://[::1]:7000/2?timeout_ms=250&pool=2&prefix=edge-a:");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->host, "::1");
  EXPECT_EQ(r.url->port, 7000);
  EXPECT_EQ(r.url->timeout_ms, 250);
  EXPECT_EQ(r.url->pool, 2);
  EXPECT_EQ(r.url->prefix, "edge-a:");
}

TEST(RedisUrl, MistakesAreNamed) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (const Case& c : {Case{"http://x", "not a Redis URL"}, Case{"redis://", "no host"},
                        Case{"redis://h:0", "port"}, Case{"redis://h:99999", "port"}, Case{"redis://h:6379/16", "database"},
                        Case{"redis://h/x", "database"}, Case{"redis://h?bogus=1", "unknown Redis URL option 'bogus'"},
                        Case{"redis://h?timeout_ms=5", "timeout_ms"}, Case{"redis://h?ca=/x", "without TLS"},
                        Case{"redis://:%zz@h", "escape"}, Case{"redis://[::1", "IPv6"}}) {
    auto r = parse_redis_url(c.url);
    EXPECT_FALSE(r.url) << c.url;
    EXPECT_NE(r.error.find(c.says), std::string::npos) << c.url << ": " << r.error;
  }
}

TEST(RedisUrl, TlsOptionsAreRead) {
  auto r = parse_redis_url("rediss://h:6380/0?ca=/etc/ca.pem&cert=/etc/c.pem&key=/etc/c.key");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_TRUE(r.url->tls);
  EXPECT_EQ(r.url->ca, "/etc/ca.pem");
  EXPECT_EQ(r.url->cert, "/etc/c.pem");
  EXPECT_EQ(r.url->key, "/etc/c.key");
  auto by_option = parse_redis_url("redis://h?tls=1&ca=/etc/ca.pem");
  ASSERT_TRUE(by_option.url) << by_option.error;
  EXPECT_TRUE(by_option.url->tls);
  auto half = parse_redis_url("rediss://h?cert=/etc/c.pem");
  EXPECT_FALSE(half.url);
  EXPECT_NE(half.error.find("both cert and key"), std::string::npos) << half.error;
}

TEST(RedisUrl, RecognisesRedisStateValues) {
  EXPECT_TRUE(is_redis_url("redis://h"));
  EXPECT_TRUE(is_redis_url("rediss://h"));
  EXPECT_FALSE(is_redis_url("sqlite"));
  EXPECT_FALSE(is_redis_url("memory"));
}

}  // namespace
}  // namespace imsguard::config
