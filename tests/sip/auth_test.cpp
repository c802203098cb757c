#include "sip/auth.h"

#include <gtest/gtest.h>

namespace imsguard::sip {
namespace {

TEST(AuthTest, DigestCredentials) {
  auto a = parse_auth_value(
      "Digest username=\"alice@example.com\", realm=\"example.com\",\r\n nonce=\"abc\", "
      "uri=\"sip:example.com\", response=\"0123\", algorithm=AKAv1-MD5, qop=auth, "
      "nc=00000001, cnonce=\"x,y\"");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scheme, "Digest");
  EXPECT_EQ(a->param("realm").value_or(""), "\"example.com\"");
  EXPECT_EQ(a->param_text("username").value_or(""), "alice@example.com");
  EXPECT_EQ(a->param("ALGORITHM").value_or(""), "AKAv1-MD5");
  EXPECT_EQ(a->param_text("cnonce").value_or(""), "x,y");
  EXPECT_FALSE(a->param("opaque"));
}

TEST(AuthTest, UnknownSchemeIsKept) {
  // RFC 4475 regaut01.
  auto a = parse_auth_value("NoOneKnowsThisScheme opaque-data=here");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scheme, "NoOneKnowsThisScheme");
  EXPECT_EQ(a->param("opaque-data").value_or(""), "here");
}

TEST(AuthTest, AuthenticationInfoAndRefusals) {
  auto info = parse_auth_value("nextnonce=\"47364c23432d2e131a5fb210812c\", qop=auth", false);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->param_text("nextnonce").value_or(""), "47364c23432d2e131a5fb210812c");
  EXPECT_FALSE(parse_auth_value(""));
  EXPECT_FALSE(parse_auth_value("Digest realm=\"open"));
  EXPECT_FALSE(parse_auth_value("Digest realm"));
  EXPECT_FALSE(parse_auth_value("Digest =x"));
  EXPECT_FALSE(parse_auth_value("Dig\"est realm=x"));
  EXPECT_TRUE(parse_auth_value("Digest"));
}

TEST(AuthTest, OneStrictGrammar) {
  // The refusals the Digest reader relies on come from this one lexer.
  std::string error;
  EXPECT_FALSE(parse_auth_value("Digest username=\"a\", USERNAME=\"b\"", true, &error));
  EXPECT_NE(error.find("duplicate"), std::string::npos) << error;
  EXPECT_FALSE(parse_auth_value("Digest username=\"a\\\r\"", true, &error));
  EXPECT_FALSE(parse_auth_value("Digest username=\"a\x01\"", true, &error));
  EXPECT_NE(error.find("control"), std::string::npos) << error;
  // A quoted-pair is resolved in the text, kept in the raw value.
  auto a = parse_auth_value("Digest username=\"a\\lice\"");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->param("username").value_or(""), "\"a\\lice\"");
  EXPECT_EQ(a->param_text("username").value_or(""), "alice");
}

}  // namespace
}  // namespace imsguard::sip
