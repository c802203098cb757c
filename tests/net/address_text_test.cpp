// The hand-written address text matches what the C library prints, for every IPv4 octet
// width and for IPv6 (which still goes through inet_ntop), and a flow's source reads as before.
#include "net/address_text.h"
#include "net/flow.h"

#include <gtest/gtest.h>

#include <string>

using namespace imsguard;

namespace {

std::string text_of(const std::string& literal) {
  char out[net::kAddressTextMax];
  size_t n = net::write_address(asio::ip::make_address(literal), out);
  EXPECT_EQ(n, std::string(out).size());
  return std::string(out, n);
}

TEST(AddressText, Ipv4MatchesTheLibraryForEveryOctetWidth) {
  for (const char* a : {"0.0.0.0", "127.0.0.1", "10.0.200.9", "255.255.255.255", "1.22.100.9", "192.168.1.10"})
    EXPECT_EQ(text_of(a), asio::ip::make_address(a).to_string()) << a;
  for (unsigned v = 0; v < 256; ++v) {
    std::string a = "9." + std::to_string(v) + ".0." + std::to_string(255 - v);
    ASSERT_EQ(text_of(a), a);
  }
}

TEST(AddressText, Ipv6IsTheShortFormWithoutScope) {
  EXPECT_EQ(text_of("::1"), "::1");
  EXPECT_EQ(text_of("2001:DB8:0:0:0:0:9:255"), "2001:db8::9:255");
  EXPECT_EQ(text_of("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
  EXPECT_EQ(text_of("fe80::1%1"), "fe80::1");
}

TEST(AddressText, AFlowSourceKeepsItsFormat) {
  net::Flow v4;
  v4.address = asio::ip::make_address("192.0.2.7");
  v4.port = 5060;
  EXPECT_EQ(v4.source(), "192.0.2.7:5060");
  net::Flow v6;
  v6.address = asio::ip::make_address("2001:db8::7");
  v6.port = 5061;
  EXPECT_EQ(v6.source(), "[2001:db8::7]:5061");
}

}  // namespace

TEST(ParseIpLiteral, AcceptsAddressLiteralsAndRefusesNamesAndGarbage) {
  EXPECT_EQ(net::parse_ip_literal("192.0.2.7")->to_string(), "192.0.2.7");
  EXPECT_EQ(net::parse_ip_literal("[2001:db8::1]")->to_string(), "2001:db8::1");
  for (std::string_view bad : std::initializer_list<std::string_view>{"", "[", "[]", "ims.local", "192.0.2", "192.0.2.300", "[192.0.2.7", "2001:db8::1]",
                               "[2001:db8::zz]", "1.2.3.4 ", std::string_view("1.2.3.4\0", 8)})
    EXPECT_FALSE(net::parse_ip_literal(bad)) << bad;
}
