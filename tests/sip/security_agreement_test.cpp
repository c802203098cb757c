#include "sip/security_agreement.h"

#include <gtest/gtest.h>

#include <string>

#include "sip/parser.h"

namespace imsguard::sip {
namespace {

TEST(SecurityAgreementTest, Ipsec3gppMechanism) {
  auto m = parse_security_mechanism(
      "ipsec-3gpp; alg=hmac-sha-1-96; spi-c=1111; spi-s=2222; port-c=5062; port-s=5064; q=0.1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "ipsec-3gpp");
  EXPECT_EQ(m->param("alg").value_or(""), "hmac-sha-1-96");
  EXPECT_EQ(m->param("spi-s").value_or(""), "2222");
  EXPECT_EQ(m->preference().value_or(-1), 100);
  EXPECT_FALSE(parse_security_mechanism(""));
  EXPECT_FALSE(parse_security_mechanism("tls junk"));
  EXPECT_FALSE(parse_security_mechanism("tls;;"));
  auto bad_q = parse_security_mechanism("tls;q=1.5");
  ASSERT_TRUE(bad_q);
  EXPECT_FALSE(bad_q->preference());
  EXPECT_EQ(parse_security_mechanism("tls;q=1")->preference().value_or(-1), 1000);
}

TEST(SecurityAgreementTest, MessageAccessors) {
  const std::string text =
      "REGISTER sip:example.com SIP/2.0\r\n"
      "Security-Client: ipsec-3gpp;alg=hmac-md5-96;spi-c=1;spi-s=2, tls;q=0.2\r\n"
      "Security-Verify: digest\r\n"
      "Privacy: id;critical\r\n"
      "User-Agent: imsguard-test/1.0\r\n"
      "Authorization: Digest username=\"u\", realm=\"r\"\r\n"
      "Authorization: Digest username=\"u\", realm=\"other\"\r\n"
      "\r\n";
  Message m;
  ASSERT_EQ(parse_datagram(text, Limits{}, m).status, ParseStatus::kOk);
  auto client = m.security_mechanisms(HeaderId::kSecurityClient);
  ASSERT_TRUE(client);
  ASSERT_EQ(client->size(), 2u);
  EXPECT_EQ((*client)[1].name, "tls");
  EXPECT_EQ(m.security_mechanisms(HeaderId::kSecurityVerify)->size(), 1u);
  EXPECT_TRUE(m.security_mechanisms(HeaderId::kSecurityServer)->empty());
  auto privacy = m.privacy();
  ASSERT_EQ(privacy.size(), 2u);
  EXPECT_EQ(privacy[0], "id");
  EXPECT_EQ(privacy[1], "critical");
  EXPECT_EQ(m.user_agent(), "imsguard-test/1.0");
  auto auths = m.auth_values(HeaderId::kAuthorization);
  ASSERT_TRUE(auths);
  ASSERT_EQ(auths->size(), 2u);
  EXPECT_EQ((*auths)[1].param_text("realm").value_or(""), "other");
}

}  // namespace
}  // namespace imsguard::sip
