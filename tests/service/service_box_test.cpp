#include "service/service_box.h"

#include <gtest/gtest.h>

#include "service/service_gate.h"
#include "sip_text.h"
#include "../support/test_telemetry.h"

namespace imsguard::service {
namespace {

struct Box : ::testing::Test {
  config::ServiceBox cfg = [] {
    config::ServiceBox b;
    b.services = {{"media", "INVITE"}, {"messaging", "MESSAGE"}};
    return b;
  }();
  ServiceCatalog catalog{cfg, "ims.local"};
  Es256Key core = Es256Key::generate();
  ServiceGate gate{catalog, core, "https://core/cert", 300};
  int64_t now = 1'800'000'000;
  test::Telemetry telemetry;
  ServiceBox box{catalog, core, ServiceBoxOptions{}, telemetry.events, [this] { return now; }};
  const std::string ruri = "sip:media@services.ims.local";

  std::string signed_headers(const std::string& orig, const std::string& service, int64_t at) {
    auto a = gate.sign(orig, ruri, service, at);
    return "Identity: " + a.identity + "\r\nP-Asserted-Identity: " + a.asserted + "\r\n";
  }
  int code(const std::string& text) {
    auto p = testing::parse(text);
    EXPECT_TRUE(p->ok);
    std::string out = box.handle(p->msg);
    if (out.size() < 12) return 0;
    return std::stoi(out.substr(8, 3));
  }
};

TEST_F(Box, SignedRequestIsServedOnce) {
  std::string req = testing::request("INVITE", ruri, signed_headers("sip:alice@ims.local", "media", now));
  EXPECT_EQ(code(req), 200);
  EXPECT_EQ(code(req), 403);  // the same assertion again: replay
  EXPECT_EQ(box.counters().served.load(), 1u);
  EXPECT_EQ(box.counters().replays.load(), 1u);
}

TEST_F(Box, AnswerCarriesOnlyTheServiceIdentity) {
  auto p = testing::parse(testing::request("INVITE", ruri, signed_headers("sip:alice@ims.local", "media", now)));
  std::string out = box.handle(p->msg);
  EXPECT_NE(out.find("P-Asserted-Identity: <sip:media@services.ims.local>"), std::string::npos);
}

TEST_F(Box, BarePaiIsRefused) {
  EXPECT_EQ(code(testing::request("INVITE", ruri, "P-Asserted-Identity: <sip:alice@ims.local>\r\n")), 428);
  EXPECT_EQ(code(testing::request("INVITE", ruri, "")), 428);
}

TEST_F(Box, ForgedStaleOrMismatchedAssertionIsRefused) {
  ServiceGate forger{catalog, Es256Key::generate(), "https://evil/cert", 300};
  auto f = forger.sign("sip:alice@ims.local", ruri, "media", now);
  EXPECT_EQ(code(testing::request("INVITE", ruri, "Identity: " + f.identity + "\r\nP-Asserted-Identity: " +
                                                      f.asserted + "\r\n")),
            438);
  EXPECT_EQ(code(testing::request("INVITE", ruri, signed_headers("sip:alice@ims.local", "media", now - 120))), 438);
  EXPECT_EQ(code(testing::request("INVITE", ruri, signed_headers("sip:alice@ims.local", "messaging", now))), 438);
  auto a = gate.sign("sip:alice@ims.local", ruri, "media", now);
  EXPECT_EQ(code(testing::request("INVITE", ruri,
                                  "Identity: " + a.identity + "\r\nP-Asserted-Identity: <sip:bob@ims.local>\r\n")),
            403);
  EXPECT_EQ(box.counters().served.load(), 0u);
}

TEST_F(Box, UnknownServiceOrWrongMethod) {
  EXPECT_EQ(code(testing::request("INVITE", "sip:gaming@services.ims.local", "")), 404);
  EXPECT_EQ(code(testing::request("MESSAGE", ruri, signed_headers("sip:alice@ims.local", "media", now))), 405);
}

}  // namespace
}  // namespace imsguard::service
