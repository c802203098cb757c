#include "guard/source.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

TEST(Source, ParsesAddressesAndPrefixes) {
  auto a = parse_prefix("192.0.2.7");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bits, 128u);
  EXPECT_EQ(a->to_string(), "192.0.2.7");
  auto p = parse_prefix("192.0.2.77/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "192.0.2.0/24");
  EXPECT_TRUE(p->contains(Address::from(asio::ip::make_address("192.0.2.200"))));
  EXPECT_FALSE(p->contains(Address::from(asio::ip::make_address("192.0.3.1"))));
  auto v6 = parse_prefix("2001:db8:1:2:3::/64");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "2001:db8:1:2::/64");
  EXPECT_TRUE(v6->contains(Address::from(asio::ip::make_address("2001:db8:1:2:ffff::1"))));
}

TEST(Source, RefusesBadInputWithAReason) {
  auto too_long = parse_prefix("192.0.2.1/33");
  EXPECT_EQ(too_long.code(), Code::kInvalid);
  EXPECT_NE(too_long.message().find("longer"), std::string::npos);
  auto not_ip = parse_prefix("not-an-ip");
  EXPECT_EQ(not_ip.code(), Code::kInvalid);
  EXPECT_NE(not_ip.message().find("not an IP"), std::string::npos);
  EXPECT_FALSE(parse_prefix("10.0.0.0/").ok());
  EXPECT_FALSE(parse_prefix("10.0.0.0/x").ok());
  EXPECT_FALSE(parse_prefix("").ok());
}

TEST(Source, MappedIpv4IsTheSameSource) {
  auto a = Address::from(asio::ip::make_address("192.0.2.1"));
  auto b = Address::from(asio::ip::make_address("::ffff:192.0.2.1"));
  EXPECT_EQ(a, b);
  EXPECT_TRUE(b.v4);
  EXPECT_EQ(a.counting_prefix(), Address::from(asio::ip::make_address("192.0.2.99")).counting_prefix());
}

TEST(Source, FlowHashTellsPortsApart) {
  EXPECT_NE(hash_flow(testing::flow("192.0.2.1", 5060)), hash_flow(testing::flow("192.0.2.1", 5061)));
  EXPECT_EQ(hash_flow(testing::flow("192.0.2.1", 5060)), hash_flow(testing::flow("192.0.2.1", 5060)));
  EXPECT_EQ(hash_text_ci("Alice", 1), hash_text_ci("alice", 1));
  EXPECT_NE(hash_text_ci("alice", 1), hash_text_ci("alicf", 1));
}

}  // namespace
}  // namespace imsguard::guard
