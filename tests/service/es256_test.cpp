#include "service/es256.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdlib.h>

#include "net/pki.h"

namespace imsguard::service {
namespace {

TEST(Es256, SignVerifyRoundTrip) {
  auto key = Es256Key::generate();
  auto sig = key.sign("payload");
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(key.verify("payload", sig));
  EXPECT_FALSE(key.verify("payloaD", sig));
}

TEST(Es256, OtherKeyAndBadLengthFail) {
  auto a = Es256Key::generate();
  auto b = Es256Key::generate();
  auto sig = a.sign("x");
  EXPECT_FALSE(b.verify("x", sig));
  sig.pop_back();
  EXPECT_FALSE(a.verify("x", sig));
  EXPECT_FALSE(a.verify("x", std::vector<uint8_t>(64, 0)));
}

TEST(Es256, PkiKeySignsAndCertificateVerifies) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "imsguard-es256-XXXXXX").string();
  std::string dir = ::mkdtemp(tmpl.data());
  ASSERT_TRUE(net::pki_init(dir).ok());
  ASSERT_TRUE(net::pki_issue(dir, "core", {"127.0.0.1"}, false).ok());
  auto priv = Es256Key::load_private(dir + "/core.key");
  ASSERT_TRUE(priv.ok()) << priv.message();
  auto pub = Es256Key::load_certificate(dir + "/core.crt");
  ASSERT_TRUE(pub.ok()) << pub.message();
  EXPECT_TRUE(pub->verify("m", priv->sign("m")));
  auto missing = Es256Key::load_private(dir + "/missing.key");
  EXPECT_EQ(missing.code(), Code::kNotFound);
  EXPECT_NE(missing.message().find("missing.key"), std::string::npos);
  EXPECT_EQ(Es256Key::load_certificate(dir + "/core.key").code(), Code::kInvalid);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace imsguard::service
