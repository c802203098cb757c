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
  // The dialog of an INVITE service: BYE and CANCEL pass, other in-dialog methods do not.
  EXPECT_TRUE(gate.authorize({"media"}, false, "media", "BYE").allowed);
  EXPECT_TRUE(gate.authorize({"media"}, false, "media", "CANCEL").allowed);
  EXPECT_EQ(gate.authorize({"media"}, false, "media", "OPTIONS").code, 405);
  EXPECT_EQ(gate.authorize({"content"}, false, "content", "BYE").code, 405);
  EXPECT_EQ(gate.authorize({"media"}, true, "media", "BYE").code, 403);  // barred: not even BYE
  EXPECT_EQ(gate.refused(), 8u);
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

std::string answer(const std::string& extra) {
  return "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-1\r\nFrom: <sip:a@x>;tag=1\r\n"
         "To: <sip:media@services.ims.local>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n" +
         extra + "Content-Length: 0\r\n\r\n";
}

TEST_F(Gate, ServiceMayAssertOnlyItsOwnIdentityAndAllowedHeaders) {
  auto good = testing::parse(answer("P-Asserted-Identity: <sip:media@services.ims.local>\r\nServer: sb\r\n"));
  ASSERT_TRUE(good->ok);
  auto p = gate.police_response("media", good->msg);
  EXPECT_TRUE(p.refused_identities.empty());
  EXPECT_TRUE(p.asserted);
  EXPECT_TRUE(p.removed.empty());

  auto bad = testing::parse(
      answer("P-Asserted-Identity: <sip:admin@ims.local>\r\nP-Charging-Vector: icid=1\r\nx-private: 1\r\n"));
  ASSERT_TRUE(bad->ok);
  auto q = gate.police_response("media", bad->msg);
  ASSERT_EQ(q.refused_identities.size(), 1u);
  EXPECT_EQ(q.refused_identities[0], "sip:admin@ims.local");
  EXPECT_FALSE(q.asserted);
  EXPECT_EQ(q.removed, (std::vector<std::string>{"P-Charging-Vector", "x-private"}));
}

TEST_F(Gate, OneDisallowedIdentityAmongSeveralIsRefused) {
  auto two = testing::parse(
      answer("P-Asserted-Identity: <sip:media@services.ims.local>, <tel:+123>\r\n"));
  ASSERT_TRUE(two->ok);
  auto p = gate.police_response("media", two->msg);
  EXPECT_EQ(p.refused_identities, std::vector<std::string>{"tel:+123"});
  auto garbage = testing::parse(answer("P-Asserted-Identity: <<<\r\n"));
  ASSERT_TRUE(garbage->ok);
  EXPECT_FALSE(gate.police_response("media", garbage->msg).refused_identities.empty());
}

TEST_F(Gate, NoIdentityAssertedIsNotARefusal) {
  auto none = testing::parse(answer(""));
  ASSERT_TRUE(none->ok);
  auto p = gate.police_response("media", none->msg);
  EXPECT_TRUE(p.refused_identities.empty());
  EXPECT_FALSE(p.asserted);  // the core adds the service's own URI
}

TEST(GateConfigured, ConfiguredIdentitiesAndHeadersAreEnforced) {
  config::ServiceBox b;
  config::Service svc{"media", "INVITE"};
  svc.may_assert = std::vector<std::string>{"sip:media-*@services.ims.local"};
  svc.allowed_headers = std::vector<std::string>{"P-Charging-Vector"};
  b.services = {svc};
  ServiceCatalog catalog(b, "ims.local");
  ServiceGate gate(catalog, Es256Key::generate(), "https://core/cert", 300);
  auto msg = testing::parse(answer(
      "P-Asserted-Identity: <sip:media-room1@services.ims.local>\r\nP-Charging-Vector: icid=1\r\nServer: x\r\n"));
  ASSERT_TRUE(msg->ok);
  auto p = gate.police_response("media", msg->msg);
  EXPECT_TRUE(p.refused_identities.empty());
  EXPECT_TRUE(p.asserted);
  EXPECT_EQ(p.removed, std::vector<std::string>{"Server"});  // not in this service's list
  auto own = testing::parse(answer("P-Asserted-Identity: <sip:media@services.ims.local>\r\n"));
  ASSERT_TRUE(own->ok);
  EXPECT_FALSE(gate.police_response("media", own->msg).refused_identities.empty());  // not configured
}

}  // namespace
}  // namespace imsguard::service
