#include "sip/uri.h"

#include <gtest/gtest.h>

namespace imsguard::sip {
namespace {

TEST(UriTest, FullSipUri) {
  auto u = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?Subject=hi&X=y");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme_id, UriScheme::kSips);
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->password, "secret");
  EXPECT_TRUE(u->has_password);
  EXPECT_EQ(u->host, "[2001:db8::1]");
  EXPECT_EQ(u->host_type, HostType::kIpv6);
  EXPECT_EQ(u->port, 5061);
  EXPECT_EQ(u->params, "transport=tcp;lr");
  EXPECT_EQ(u->param("TRANSPORT").value_or(""), "tcp");
  EXPECT_EQ(u->param("lr").value_or("absent"), "");
  EXPECT_FALSE(u->param("maddr"));
  EXPECT_EQ(u->headers, "Subject=hi&X=y");
}

TEST(UriTest, HostKinds) {
  EXPECT_EQ(parse_uri("sip:192.0.2.1")->host_type, HostType::kIpv4);
  EXPECT_EQ(parse_uri("sip:example.com.")->host_type, HostType::kDomain);
  EXPECT_EQ(parse_uri("SIP:u@Example.COM:5060")->port, 5060);
  EXPECT_FALSE(parse_uri("sip:1.2.3.256"));
  EXPECT_FALSE(parse_uri("sip:[::1"));
  EXPECT_FALSE(parse_uri("sip:host:0"));
  EXPECT_FALSE(parse_uri("sip:host:65536"));
  EXPECT_FALSE(parse_uri("sip:host:"));
  EXPECT_FALSE(parse_uri("sip:ho st"));
  EXPECT_FALSE(parse_uri("sip:-bad.example.com"));
  EXPECT_FALSE(parse_uri("sip:user@"));
}

TEST(UriTest, UserWithReservedCharacters) {
  // RFC 4475 intmeth / semiuri: ';', '?' and ',' are legal in the user part.
  auto u = parse_uri(
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
      "(doesn't-it)@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(u->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_TRUE(u->params.empty());
  auto s = parse_uri("sip:user;par=u%40example.net@example.com");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user_unescaped(), "user;par=u@example.net");
}

TEST(UriTest, Unescaping) {
  EXPECT_EQ(unescape("sips%3Auser%40example.com"), "sips:user@example.com");
  std::string with_nul = unescape("null-%00-null");
  ASSERT_EQ(with_nul.size(), 11u);
  EXPECT_EQ(with_nul[5], '\0');
  EXPECT_EQ(with_nul.substr(6), "-null");
  // Not an escape: kept literally; not re-unescaped recursively.
  EXPECT_EQ(unescape("%Z%45"), "%ZE");
  EXPECT_EQ(unescape("v%61lue%25%34%31"), "value%41");
  EXPECT_EQ(unescape("50%"), "50%");
  // Bad escapes are refused inside a SIP URI.
  EXPECT_FALSE(parse_uri("sip:us%zzer@example.com"));
  EXPECT_FALSE(parse_uri("sip:user@example.com;p=%4"));
}

TEST(UriTest, TelAndOtherSchemes) {
  auto t = parse_uri("tel:+1-201-555-0123;phone-context=example.com");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->scheme_id, UriScheme::kTel);
  EXPECT_EQ(t->user, "+1-201-555-0123");
  EXPECT_EQ(t->param("phone-context").value_or(""), "example.com");
  EXPECT_FALSE(parse_uri("tel:"));
  EXPECT_FALSE(parse_uri("tel:+12x"));
  auto o = parse_uri("soap.beep://192.0.2.103:3002");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->scheme_id, UriScheme::kOther);
  EXPECT_EQ(o->scheme, "soap.beep");
  EXPECT_EQ(o->opaque, "//192.0.2.103:3002");
  EXPECT_TRUE(parse_uri("nobodyKnowsThisScheme:totallyopaquecontent"));
  EXPECT_FALSE(parse_uri("nocolon"));
  EXPECT_FALSE(parse_uri(":x"));
  EXPECT_FALSE(parse_uri("1abc:x"));
  EXPECT_FALSE(parse_uri("http:<x>"));
  auto err = parse_uri_checked("sip:user@");
  EXPECT_FALSE(err.uri);
  EXPECT_FALSE(err.error.empty());
}

}  // namespace
}  // namespace imsguard::sip
