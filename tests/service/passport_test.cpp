#include "service/passport.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace imsguard::service {
namespace {

constexpr int64_t kNow = 1'800'000'000;

PassportClaims claims() {
  return {"sip:alice@ims.local", "sip:media@services.ims.local", kNow, new_origid(), "media"};
}

std::string b64(const std::string& s) {
  return base64url_encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

TEST(Passport, SignedAssertionVerifies) {
  auto key = Es256Key::generate();
  auto c = claims();
  std::string hdr = identity_header(passport_sign(key, c, "https://core/cert"), "https://core/cert");
  auto check = passport_verify(key, hdr, kNow + 3, 60);
  ASSERT_TRUE(check.claims) << check.error;
  EXPECT_EQ(check.claims->orig, c.orig);
  EXPECT_EQ(check.claims->dest, c.dest);
  EXPECT_EQ(check.claims->service, "media");
  EXPECT_EQ(check.claims->origid, c.origid);
  EXPECT_EQ(check.claims->iat, kNow);
}

TEST(Passport, ClaimsAreCanonicalJson) {
  auto key = Es256Key::generate();
  std::string jws = passport_sign(key, claims(), "u");
  size_t d1 = jws.find('.'), d2 = jws.find('.', d1 + 1);
  auto bytes = base64url_decode(jws.substr(d1 + 1, d2 - d1 - 1));
  ASSERT_TRUE(bytes);
  std::string text(bytes->begin(), bytes->end());
  EXPECT_EQ(text.find(' '), std::string::npos);
  EXPECT_LT(text.find("\"dest\""), text.find("\"iat\""));
  EXPECT_LT(text.find("\"orig\""), text.find("\"origid\""));
}

TEST(Passport, ForgedByAnotherKeyIsRefused) {
  auto core = Es256Key::generate();
  auto attacker = Es256Key::generate();
  auto check = passport_verify(core, passport_sign(attacker, claims(), "u"), kNow, 60);
  EXPECT_FALSE(check.claims);
  EXPECT_NE(check.error.find("signature"), std::string::npos);
}

TEST(Passport, TamperedClaimsAreRefused) {
  auto key = Es256Key::generate();
  std::string jws = passport_sign(key, claims(), "u");
  size_t d1 = jws.find('.'), d2 = jws.find('.', d1 + 1);
  auto c = claims();
  c.orig = "sip:mallory@ims.local";
  nlohmann::json j = {{"dest", {{"uri", {c.dest}}}}, {"iat", c.iat}, {"orig", {{"uri", c.orig}}},
                      {"origid", c.origid}, {"svc", c.service}};
  std::string forged = jws.substr(0, d1 + 1) + b64(j.dump()) + jws.substr(d2);
  EXPECT_FALSE(passport_verify(key, forged, kNow, 60).claims);
}

TEST(Passport, AlgNoneIsRefused) {
  auto key = Es256Key::generate();
  std::string jws = passport_sign(key, claims(), "u");
  size_t d1 = jws.find('.');
  std::string none = b64(R"({"alg":"none","ppt":"ims","typ":"passport"})") + jws.substr(d1);
  auto check = passport_verify(key, none, kNow, 60);
  EXPECT_FALSE(check.claims);
  EXPECT_NE(check.error.find("alg"), std::string::npos);
}

TEST(Passport, StaleAndFutureAreRefused) {
  auto key = Es256Key::generate();
  std::string jws = passport_sign(key, claims(), "u");
  auto stale = passport_verify(key, jws, kNow + 61, 60);
  EXPECT_FALSE(stale.claims);
  EXPECT_NE(stale.error.find("stale"), std::string::npos);
  auto future = passport_verify(key, jws, kNow - 30, 60);
  EXPECT_FALSE(future.claims);
  EXPECT_NE(future.error.find("future"), std::string::npos);
  EXPECT_TRUE(passport_verify(key, jws, kNow + 60, 60).claims);
}

TEST(Passport, GarbageIsRefusedWithoutCrash) {
  auto key = Es256Key::generate();
  for (std::string_view bad : {"", "a", "a.b", "a.b.c", "a.b.c.d", "!!!.###.$$$", "e30.e30.", ";info=<x>"})
    EXPECT_FALSE(passport_verify(key, bad, kNow, 60).claims) << bad;
  // Valid base64url of non-JSON and of JSON arrays.
  EXPECT_FALSE(passport_verify(key, b64("[1]") + "." + b64("xx") + ".AAAA", kNow, 60).claims);
}

TEST(Passport, OrigidsAreUnique) {
  EXPECT_NE(new_origid(), new_origid());
  EXPECT_EQ(new_origid().size(), 36u);
}

}  // namespace
}  // namespace imsguard::service
