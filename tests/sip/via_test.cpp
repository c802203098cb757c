#include "sip/via.h"

#include <gtest/gtest.h>

namespace imsguard::sip {
namespace {

TEST(ViaTest, Typical) {
  auto v = parse_via("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK776asdhds;rport;received=10.0.0.1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->protocol, "SIP");
  EXPECT_EQ(v->version, "2.0");
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "192.0.2.1");
  EXPECT_EQ(v->host_type, HostType::kIpv4);
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->branch.value_or(""), "z9hG4bK776asdhds");
  EXPECT_TRUE(v->has_rfc3261_branch());
  ASSERT_TRUE(v->rport);
  EXPECT_TRUE(v->rport->empty());
  EXPECT_EQ(v->received.value_or(""), "10.0.0.1");
}

TEST(ViaTest, LwsEverywhere) {
  // RFC 4475 wsinv.
  auto v = parse_via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "192.0.2.2");
  EXPECT_EQ(v->branch.value_or(""), "390skdjuw");
  EXPECT_FALSE(v->has_rfc3261_branch());
  auto w = parse_via("SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->host, "spindle.example.com");
  EXPECT_EQ(w->branch.value_or(""), "z9hG4bK9ikj8");
  auto six = parse_via("SIP/2.0/TLS [2001:db8::9] : 5061 ;maddr=[2001:db8::1];ttl=16");
  ASSERT_TRUE(six);
  EXPECT_EQ(six->host, "[2001:db8::9]");
  EXPECT_EQ(six->port, 5061);
  EXPECT_EQ(six->maddr.value_or(""), "[2001:db8::1]");
}

TEST(ViaTest, Refusals) {
  EXPECT_FALSE(parse_via(""));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP"));
  EXPECT_FALSE(parse_via("SIP/2.0 UDP host"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP 192.0.2.15;;"));  // badinv01
  EXPECT_FALSE(parse_via(";"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP host:99999"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP host;branch="));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP host;rport=x"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP host junk"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP 999.1.1.1"));
  EXPECT_FALSE(parse_via_checked("SIP/2.0/UDP").error.empty());
}

}  // namespace
}  // namespace imsguard::sip
