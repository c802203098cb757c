#include "service/service_gate.h"

#include <gtest/gtest.h>

#include "service/content_token.h"
#include "service/passport.h"
#include "sip_text.h"

namespace imsguard::service {
namespace {

constexpr int64_t kNow = 1'800'000'000;

struct Gate : ::testing::Test {
  config::ServiceBox box = [] {
    config::ServiceBox b;
    b.services = {{"media", "INVITE"}, {"content", "GET"}};
    return b;
  }();
  ServiceCatalog catalog{box, "ims.local"};
  Es256Key key = Es256Key::generate();
  ServiceGate gate{catalog, key, "https://core.ims.local/cert", 300};
};

TEST_F(Gate, ProfileDecides) {
  EXPECT_TRUE(gate.authorize({"media"}, false, "media", "INVITE").allowed);
  auto no = gate.authorize({"content"}, false, "media", "INVITE");
  EXPECT_FALSE(no.allowed);
  EXPECT_EQ(no.code, 403);
  EXPECT_EQ(gate.authorize({"media"}, true, "media", "INVITE").code, 403);
  EXPECT_EQ(gate.authorize({"media"}, false, "gaming", "INVITE").code, 404);
  EXPECT_EQ(gate.authorize({"media"}, false, "media", "MESSAGE").code, 405);
  EXPECT_TRUE(gate.authorize({"content"}, false, "content", "MESSAGE").allowed);  // token request
  EXPECT_EQ(gate.authorize({"content"}, false, "content", "GET").code, 405);
  EXPECT_EQ(gate.refused(), 5u);
}

TEST_F(Gate, SignedAssertionVerifiesWithTheCoreKey) {
  auto a = gate.sign("sip:alice@ims.local", "sip:media@services.ims.local", "media", kNow);
  auto check = passport_verify(key, a.identity, kNow, 60);
  ASSERT_TRUE(check.claims) << check.error;
  EXPECT_EQ(check.claims->orig, "sip:alice@ims.local");
  EXPECT_EQ(check.claims->origid, a.origid);
  EXPECT_EQ(a.asserted, "<sip:alice@ims.local>");
}

TEST_F(Gate, IssuedTokenIsBoundToSubscriberServiceAndExpiry) {
  std::string value = gate.issue_token("sip:alice@ims.local", "content", kNow);
  std::string token = value.substr(0, value.find(';'));
  EXPECT_NE(value.find(";expires=" + std::to_string(kNow + 300)), std::string::npos);
  auto ok = content_token_verify(key, token, "content", kNow + 299, {});
  ASSERT_EQ(ok.status, 0) << ok.error;
  EXPECT_EQ(ok.claims->subscriber, "sip:alice@ims.local");
  EXPECT_EQ(content_token_verify(key, token, "content", kNow + 300, {}).status, 401);
  EXPECT_EQ(content_token_verify(key, token, "media", kNow, {}).status, 403);
}

TEST_F(Gate, ServiceMayAssertOnlyItsOwnIdentityAndAllowedHeaders) {
  auto good = testing::parse(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-1\r\nFrom: <sip:a@x>;tag=1\r\n"
      "To: <sip:media@services.ims.local>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
      "P-Asserted-Identity: <sip:media@services.ims.local>\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(good->ok);
  auto p = gate.police_response("media", good->msg);
  EXPECT_FALSE(p.identity_rewritten);
  EXPECT_TRUE(p.removed.empty());

  auto bad = testing::parse(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-1\r\nFrom: <sip:a@x>;tag=1\r\n"
      "To: <sip:media@services.ims.local>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
      "P-Asserted-Identity: <sip:admin@ims.local>\r\nP-Charging-Vector: icid=1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(bad->ok);
  auto q = gate.police_response("media", bad->msg);
  EXPECT_TRUE(q.identity_rewritten);
  ASSERT_EQ(q.removed.size(), 1u);
  EXPECT_EQ(q.removed[0], "P-Charging-Vector");
}

}  // namespace
}  // namespace imsguard::service
