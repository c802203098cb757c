// `state: redis://...` parsing: what operators write must mean one thing, and every mistake
// must be named.
#include <gtest/gtest.h>

#include "config/redis_url.h"

namespace imsguard::config {
namespace {

TEST(RedisUrl, HostPortAndDatabase) {
  auto r = parse_redis_url("redis://10.0.0.5:6380/3");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->host, "10.0.0.5");
  EXPECT_EQ(r->port, 6380);
  EXPECT_EQ(r->db, 3);
  EXPECT_TRUE(r->password.empty());
  EXPECT_FALSE(r->tls);
  EXPECT_EQ(r->prefix, "imsguard:");
}

TEST(RedisUrl, DefaultsWhenOnlyAHostIsGiven) {
  auto r = parse_redis_url("redis://localhost");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->port, 6379);
  EXPECT_EQ(r->db, 0);
}

TEST(RedisUrl, PasswordWithUserAndEscapes) {
  auto r = parse_redis_url("redis://:s%40cr%3At@127.0.0.1:6379/0");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->password, "s@cr:t");
  EXPECT_TRUE(r->user.empty());
  auto acl = parse_redis_url("redis://edge:pw@127.0.0.1/1");
  ASSERT_TRUE(acl.ok()) << acl.message();
  EXPECT_EQ(acl->user, "edge");
  EXPECT_EQ(acl->password, "pw");
  // The password never appears in what is logged.
  EXPECT_EQ(acl->redacted().find("pw"), std::string::npos);
  EXPECT_NE(acl->redacted().find("127.0.0.1:6379/1"), std::string::npos);
}

TEST(RedisUrl, Ipv6HostAndOptions) {
  auto r = parse_redis_url("redis://[::1]:7000/2?timeout_ms=250&pool=2&prefix=edge-a:");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->host, "::1");
  EXPECT_EQ(r->port, 7000);
  EXPECT_EQ(r->timeout_ms, 250);
  EXPECT_EQ(r->pool, 2);
  EXPECT_EQ(r->prefix, "edge-a:");
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
    EXPECT_EQ(r.code(), Code::kInvalid) << c.url;
    EXPECT_NE(r.message().find(c.says), std::string::npos) << c.url << ": " << r.message();
  }
}

TEST(RedisUrl, TlsOptionsAreRead) {
  auto r = parse_redis_url("rediss://h:6380/0?ca=/etc/ca.pem&cert=/etc/c.pem&key=/etc/c.key");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_TRUE(r->tls);
  EXPECT_EQ(r->ca, "/etc/ca.pem");
  EXPECT_EQ(r->cert, "/etc/c.pem");
  EXPECT_EQ(r->key, "/etc/c.key");
  auto by_option = parse_redis_url("redis://h?tls=1&ca=/etc/ca.pem");
  ASSERT_TRUE(by_option.ok()) << by_option.message();
  EXPECT_TRUE(by_option->tls);
  auto half = parse_redis_url("rediss://h?cert=/etc/c.pem");
  EXPECT_FALSE(half.ok());
  EXPECT_NE(half.message().find("both cert and key"), std::string::npos) << half.message();
}

TEST(RedisUrl, RecognisesRedisStateValues) {
  EXPECT_TRUE(is_redis_url("redis://h"));
  EXPECT_TRUE(is_redis_url("rediss://h"));
  EXPECT_FALSE(is_redis_url("sqlite"));
  EXPECT_FALSE(is_redis_url("memory"));
}

}  // namespace
}  // namespace imsguard::config
