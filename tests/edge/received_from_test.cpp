#include "edge/received_from.h"

#include <gtest/gtest.h>

namespace imsguard::edge {
namespace {

net::Flow flow_from(const char* address, uint16_t port) {
  net::Flow f;
  f.address = asio::ip::make_address(address);
  f.port = port;
  return f;
}

TEST(ReceivedFromTest, Ipv4IsItsDottedQuad) {
  auto from = received_from(flow_from("203.0.113.7", 40123));
  EXPECT_EQ(from.address(), "203.0.113.7");
  EXPECT_EQ(from.port(), 40123);
}

TEST(ReceivedFromTest, Ipv6IsWithoutBracketsAndInItsShortForm) {
  auto from = received_from(flow_from("2001:DB8:0:0:0:0:9:255", 5060));
  EXPECT_EQ(from.address(), "2001:db8::9:255");
  EXPECT_EQ(from.port(), 5060);
}

TEST(ReceivedFromTest, AnIpv4MappedSourceIsTheIpv4AddressTheClientSentFrom) {
  // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d: its Via names a.b.c.d.
  EXPECT_EQ(received_from(flow_from("::ffff:192.0.2.10", 5062)).address(), "192.0.2.10");
}

TEST(ReceivedFromTest, ALinkLocalScopeIsNotPartOfTheAddress) {
  auto f = flow_from("fe80::1", 5060);
  auto v6 = f.address.to_v6();
  v6.scope_id(2);
  f.address = v6;
  EXPECT_EQ(received_from(f).address(), "fe80::1");
}

}  // namespace
}  // namespace imsguard::edge
