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
  ASSERT_TRUE(net::pki_init(dir).ok);
  ASSERT_TRUE(net::pki_issue(dir, "core", {"127.0.0.1"}, false).ok);
  std::string error;
  auto priv = Es256Key::load_private(dir + "/core.key", &error);
  ASSERT_TRUE(priv) << error;
  auto pub = Es256Key::load_certificate(dir + "/core.crt", &error);
  ASSERT_TRUE(pub) << error;
  EXPECT_TRUE(pub->verify("m", priv->sign("m")));
  EXPECT_FALSE(Es256Key::load_private(dir + "/missing.key", &error));
  EXPECT_NE(error.find("missing.key"), std::string::npos);
  EXPECT_FALSE(Es256Key::load_certificate(dir + "/core.key", &error));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace imsguard::service
