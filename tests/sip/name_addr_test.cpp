#include "sip/name_addr.h"

#include <gtest/gtest.h>

namespace imsguard::sip {
namespace {

TEST(NameAddrTest, QuotedDisplayNameWithEscapes) {
  auto na = parse_name_addr(R"("J Rosenberg \\\""       <sip:jdrosen@example.com>
  ;
  tag = 98asjd8)");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display_name_text(), R"(J Rosenberg \")");
  EXPECT_TRUE(na->has_brackets);
  EXPECT_EQ(na->uri.user, "jdrosen");
  EXPECT_EQ(na->tag(), "98asjd8");
}

TEST(NameAddrTest, TokenDisplayNameWithoutSpaceBeforeAngle) {
  auto na = parse_name_addr("caller<sip:caller@example.com>;tag=323");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display_name_text(), "caller");
  EXPECT_EQ(na->tag(), "323");
  auto multi = parse_name_addr("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>");
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->display_name_text(), "token1~` token2'+_ token3*%!.-");
}

TEST(NameAddrTest, AddrSpecParamsBelongToTheHeader) {
  // RFC 4475 cparam01: unknownparam is a contact-param, not a URI param.
  auto na = parse_name_addr("sip:+19725552222@gw1.example.net;unknownparam");
  ASSERT_TRUE(na);
  EXPECT_FALSE(na->has_brackets);
  EXPECT_TRUE(na->uri.params.empty());
  EXPECT_TRUE(na->param("unknownparam").has_value());
  // cparam02: inside <> it is a URI param.
  auto inside = parse_name_addr("<sip:+19725552222@gw1.example.net;unknownparam>");
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->uri.params, "unknownparam");
  EXPECT_FALSE(inside->param("unknownparam").has_value());
}

TEST(NameAddrTest, AddrSpecWithQuotedAngleInParams) {
  auto na = parse_name_addr("sip:a@example.com;+sip.instance=\"<urn:uuid:1234>\";reg-id=1");
  ASSERT_TRUE(na);
  EXPECT_FALSE(na->has_brackets);
  EXPECT_TRUE(na->display_name.empty());
  EXPECT_EQ(na->uri.host, "example.com");
  EXPECT_EQ(na->param("+sip.instance").value_or(""), "\"<urn:uuid:1234>\"");
  EXPECT_EQ(na->param("reg-id").value_or(""), "1");
}

TEST(NameAddrTest, Refusals) {
  EXPECT_FALSE(parse_name_addr(""));
  EXPECT_FALSE(parse_name_addr(R"("Mr. J. User <sip:j.user@example.com>)"));  // quotbal
  EXPECT_FALSE(parse_name_addr("< sip:t.watson@example.org >"));               // badaspec
  EXPECT_FALSE(parse_name_addr("sip:user@example.com?Route=%3Csip:x%3E"));     // regbadct
  EXPECT_FALSE(parse_name_addr(R"("Joe" <sip:joe@example.org>;;;;)"));         // badinv01
  EXPECT_FALSE(parse_name_addr("<sip:joe@example.org"));
  EXPECT_FALSE(parse_name_addr("<sip:joe@example.org> junk"));
  EXPECT_FALSE(parse_name_addr("Bell. <sip:a@b>x"));
  EXPECT_FALSE(parse_name_addr("*"));
  EXPECT_FALSE(parse_name_addr("@bad <sip:a@b>"));
  auto star = parse_name_addr("*", true);
  ASSERT_TRUE(star);
  EXPECT_TRUE(star->wildcard);
  auto err = parse_name_addr_checked("<sip:joe@example.org");
  EXPECT_FALSE(err.error.empty());
}

TEST(NameAddrTest, OtherSchemesAreKept) {
  auto na = parse_name_addr("<http://www.example.com>;tag=3234233");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->uri.scheme, "http");
  EXPECT_FALSE(na->uri.is_sip());
  EXPECT_EQ(na->tag(), "3234233");
}

}  // namespace
}  // namespace imsguard::sip
