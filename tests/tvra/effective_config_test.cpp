// The effective configuration the admin API serves (config/effective_yaml.h): it reads back to
// the same configuration, fills in defaults, and redacts the admin token and a Redis password.
#include "config/effective_yaml.h"

#include <gtest/gtest.h>

namespace imsguard::config {
namespace {

TEST(EffectiveYaml, ReadsBackToTheSameConfiguration) {
  auto lab = load_default();
  ASSERT_TRUE(lab.ok());
  std::string once = effective_yaml(*lab.config);
  auto again = load_string(once, "effective");
  ASSERT_TRUE(again.ok()) << again.errors.front().to_string() << "\n" << once;
  EXPECT_EQ(effective_yaml(*again.config), once);
  EXPECT_EQ(again.config->sip.listen.size(), lab.config->sip.listen.size());
  EXPECT_EQ(again.config->auth.digest_algorithms, lab.config->auth.digest_algorithms);
  EXPECT_EQ(again.config->media.srtp_policy, lab.config->media.srtp_policy);
  EXPECT_EQ(again.config->servicebox.services.size(), lab.config->servicebox.services.size());
  // A key absent from a file appears with its default.
  auto minimal = load_string("sip:\n  listen: [{ transport: tls, address: 0.0.0.0, port: 5061 }]\n", "m");
  ASSERT_TRUE(minimal.ok());
  std::string filled = effective_yaml(*minimal.config);
  EXPECT_NE(filled.find("srtp_policy: optional"), std::string::npos) << filled;
  EXPECT_NE(filled.find("nonce_lifetime_s: 30"), std::string::npos);
}

TEST(EffectiveYaml, SecretsAreRedacted) {
  auto c = load_string("state: \"redis://:s3cret-pass@127.0.0.1:6379/0\"\nsip:\n  listen: [{ transport: udp }]\nadmin:\n  token: \"abcdefghijklmnop-secret\"\n", "c");
  ASSERT_TRUE(c.ok()) << c.errors.front().to_string();
  std::string y = effective_yaml(*c.config);
  EXPECT_EQ(y.find("s3cret-pass"), std::string::npos) << y;
  EXPECT_EQ(y.find("abcdefghijklmnop-secret"), std::string::npos) << y;
  EXPECT_NE(y.find(kRedacted), std::string::npos);
  auto back = load_string(y, "effective");
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back.config->admin.token.empty());  // the admin API is still seen as on
}

}  // namespace
}  // namespace imsguard::config
