#include "ops/admin_api.h"
#include "../support/test_telemetry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace imsguard::ops {
namespace {

using nlohmann::json;

const std::string kToken = "0123456789abcdef0123456789abcdef";

// Records what the router asked for and answers from fixed data.
class FakeBackend final : public AdminBackend {
 public:
  std::vector<AdminBan> bans{{"203.0.113.7/32", 0, "flood: 1600 msgs in 2 s", "flood", 290, 12, true}};
  std::vector<std::string> removed, added;
  uint32_t added_ttl = 99;
  bool store_down = false;

  std::vector<AdminBan> list_bans() override { return bans; }
  AdminStatus add_ban(std::string_view prefix, uint32_t ttl_s, std::string_view) override {
    if (prefix == "not-an-address") return {400, "prefix: bad address"};
    added.emplace_back(prefix);
    added_ttl = ttl_s;
    return {201, "banned"};
  }
  AdminStatus remove_ban(std::string_view prefix, uint16_t port) override {
    removed.push_back(std::string(prefix) + "#" + std::to_string(port));
    if (prefix != "203.0.113.7/32") return {404, "no ban for " + std::string(prefix)};
    return {};
  }
  AdminStatus list_registrations(std::vector<AdminBinding>& out) override {
    if (store_down) return {503, "state store: down"};
    out.push_back({"sip:alice@ims.local", "sip:alice@127.0.0.1:5062;transport=tcp", "alice@ims.local", "tcp",
                   "127.0.0.1:5062", 3590});
    return {};
  }
  std::vector<std::string> removed_registrations, unlocked;
  AdminStatus remove_registrations(std::string_view aor, std::string_view contact, size_t& n) override {
    removed_registrations.push_back(std::string(aor) + "#" + std::string(contact));
    if (aor != "sip:alice@ims.local") return {404, "no registration of " + std::string(aor)};
    n = contact.empty() ? 2 : 1;
    return {};
  }
  std::vector<AdminLockout> list_lockouts() override {
    return {{"identity", "alice@ims.local", "failed authentications for this identity from all sources", 42}};
  }
  AdminStatus unlock(std::string_view subject, AdminLockout& lifted) override {
    unlocked.emplace_back(subject);
    if (subject != "alice@ims.local") return {404, "no lockout for " + std::string(subject)};
    lifted = list_lockouts().front();
    return {};
  }
  AdminStatus subscriber(std::string_view impi, AdminSubscriber& out) override {
    if (impi != "alice@ims.local") return {404, "no subscriber"};
    out.impi = "alice@ims.local";
    out.impus = {"sip:alice@ims.local"};
    out.realm = "ims.local";
    out.scheme = "digest";
    out.digest_algorithms = {"MD5", "SHA-256"};
    out.services = {"messaging"};
    out.lockout_remaining_s = 30;
    return {};
  }
};

AdminRequest request(std::string method, std::string path, std::string auth = "Bearer " + kToken) {
  AdminRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.authorization = std::move(auth);
  return r;
}

class AdminRouterTest : public ::testing::Test {
 protected:
  test::Telemetry t;
  FakeBackend backend;
  AdminRouter router{kToken, backend, t.metrics};
};

TEST_F(AdminRouterTest, EveryRouteNeedsTheBearerToken) {
  for (const char* path : {"/metrics", "/api/v1/bans", "/api/v1/registrations", "/api/v1/lockouts", "/api/v1/subscribers/alice@ims.local",
                           "/nowhere"}) {
    for (const std::string& auth : {std::string(), std::string("Bearer"), std::string("Bearer wrong"),
                                    "Bearer " + kToken + "x", "Bearer " + kToken.substr(1), "Basic " + kToken,
                                    kToken}) {
      auto resp = router.handle(request("GET", path, auth));
      EXPECT_EQ(resp.status, 401) << path << " with '" << auth << "'";
      EXPECT_EQ(resp.headers["WWW-Authenticate"], "Bearer realm=\"imsguard-admin\"");
      EXPECT_EQ(resp.body.find("203.0.113.7"), std::string::npos);
    }
  }
  EXPECT_TRUE(backend.removed.empty());
  // The scheme name is case-insensitive.
  EXPECT_EQ(router.handle(request("GET", "/api/v1/bans", "bearer " + kToken)).status, 200);
}

TEST_F(AdminRouterTest, AnEmptyTokenAuthorizesNothing) {
  AdminRouter open("", backend, t.metrics);
  EXPECT_EQ(open.handle(request("GET", "/api/v1/bans", "Bearer ")).status, 401);
  EXPECT_EQ(open.handle(request("GET", "/api/v1/bans", "")).status, 401);
}

TEST_F(AdminRouterTest, MetricsAreThePrometheusText) {
  auto resp = router.handle(request("GET", "/metrics"));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_EQ(router.handle(request("POST", "/metrics")).status, 405);
}

TEST_F(AdminRouterTest, ListsBans) {
  auto resp = router.handle(request("GET", "/api/v1/bans"));
  ASSERT_EQ(resp.status, 200);
  auto j = json::parse(resp.body);
  ASSERT_EQ(j["bans"].size(), 1u);
  EXPECT_EQ(j["bans"][0]["prefix"], "203.0.113.7/32");
  EXPECT_EQ(j["bans"][0]["by"], "flood");
  EXPECT_EQ(j["bans"][0]["remaining_s"], 290);
  EXPECT_EQ(j["bans"][0]["hits"], 12);
}

TEST_F(AdminRouterTest, RemovesABanNamedInTheQuery) {
  auto r = request("DELETE", "/api/v1/bans");
  r.query["prefix"] = "203.0.113.7/32";
  EXPECT_EQ(router.handle(r).status, 200);
  r.query["prefix"] = "198.51.100.1";
  r.query["port"] = "5060";
  auto missing = router.handle(r);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"], "no ban for 198.51.100.1");
  EXPECT_EQ(backend.removed, (std::vector<std::string>{"203.0.113.7/32#0", "198.51.100.1#5060"}));
  r.query["port"] = "70000";
  EXPECT_EQ(router.handle(r).status, 400);
  EXPECT_EQ(router.handle(request("DELETE", "/api/v1/bans")).status, 400);
}

TEST_F(AdminRouterTest, AddsABanFromAJsonBody) {
  auto r = request("POST", "/api/v1/bans");
  r.body = R"({"prefix": "198.51.100.0/24", "ttl_s": 600, "reason": "abuse report"})";
  EXPECT_EQ(router.handle(r).status, 201);
  EXPECT_EQ(backend.added, std::vector<std::string>{"198.51.100.0/24"});
  EXPECT_EQ(backend.added_ttl, 600u);
  r.body = R"({"prefix": "198.51.100.9"})";
  EXPECT_EQ(router.handle(r).status, 201);
  EXPECT_EQ(backend.added_ttl, 0u);  // the configured default
  for (const char* bad : {"", "not json", "[]", R"({"ttl_s": 5})", R"({"prefix": 7})", R"({"prefix": "1.2.3.4", "ttl_s": 0})",
                          R"({"prefix": "1.2.3.4", "ttl_s": -5})", R"({"prefix": "1.2.3.4", "ttl_s": "60"})",
                          R"({"prefix": "1.2.3.4", "reason": 3})", R"({"prefix": "not-an-address"})"}) {
    r.body = bad;
    EXPECT_EQ(router.handle(r).status, 400) << bad;
  }
  EXPECT_EQ(backend.added.size(), 2u);
}

TEST_F(AdminRouterTest, ListsRegistrationsOrSaysTheStoreIsDown) {
  auto resp = router.handle(request("GET", "/api/v1/registrations"));
  ASSERT_EQ(resp.status, 200);
  auto j = json::parse(resp.body);
  ASSERT_EQ(j["registrations"].size(), 1u);
  EXPECT_EQ(j["registrations"][0]["aor"], "sip:alice@ims.local");
  EXPECT_EQ(j["registrations"][0]["expires_in_s"], 3590);
  backend.store_down = true;
  EXPECT_EQ(router.handle(request("GET", "/api/v1/registrations")).status, 503);
}

TEST_F(AdminRouterTest, ListsOneAorsRegistrations) {
  auto r = request("GET", "/api/v1/registrations");
  r.query["aor"] = "sip:alice@ims.local";
  auto mine = json::parse(router.handle(r).body);
  EXPECT_EQ(mine["registrations"].size(), 1u);
  r.query["aor"] = "sip:bob@ims.local";
  auto none = router.handle(r);
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(json::parse(none.body)["registrations"].size(), 0u);
}

TEST_F(AdminRouterTest, RemovesRegistrationsOfAnAorOrOneContact) {
  auto r = request("DELETE", "/api/v1/registrations");
  EXPECT_EQ(router.handle(r).status, 400) << "the AoR is required";
  r.query["aor"] = "sip:alice@ims.local";
  auto all = router.handle(r);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(json::parse(all.body)["removed"], 2);
  r.query["contact"] = "sip:alice@127.0.0.1:5062";
  EXPECT_EQ(json::parse(router.handle(r).body)["removed"], 1);
  r.query["aor"] = "sip:nobody@ims.local";
  EXPECT_EQ(router.handle(r).status, 404);
  EXPECT_EQ(backend.removed_registrations,
            (std::vector<std::string>{"sip:alice@ims.local#", "sip:alice@ims.local#sip:alice@127.0.0.1:5062",
                                      "sip:nobody@ims.local#sip:alice@127.0.0.1:5062"}));
  EXPECT_EQ(router.handle(request("POST", "/api/v1/registrations")).status, 405);
}

TEST_F(AdminRouterTest, BansListTheLockoutsAndALockoutIsLifted) {
  auto bans = json::parse(router.handle(request("GET", "/api/v1/bans")).body);
  ASSERT_EQ(bans["lockouts"].size(), 1u);
  EXPECT_EQ(bans["lockouts"][0]["kind"], "identity");
  EXPECT_EQ(bans["lockouts"][0]["subject"], "alice@ims.local");
  EXPECT_EQ(bans["lockouts"][0]["reason"], "failed authentications for this identity from all sources");
  EXPECT_EQ(bans["lockouts"][0]["remaining_s"], 42);
  auto r = request("DELETE", "/api/v1/lockouts");
  EXPECT_EQ(router.handle(r).status, 400);
  r.query["subject"] = "alice@ims.local";
  auto lifted = router.handle(r);
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_EQ(json::parse(lifted.body)["unlocked"], "alice@ims.local");
  r.query["subject"] = "bob@ims.local";
  EXPECT_EQ(router.handle(r).status, 404);
  EXPECT_EQ(backend.unlocked, (std::vector<std::string>{"alice@ims.local", "bob@ims.local"}));
}

TEST_F(AdminRouterTest, ShowsASubscriber) {
  auto resp = router.handle(request("GET", "/api/v1/subscribers/alice@ims.local"));
  ASSERT_EQ(resp.status, 200);
  auto j = json::parse(resp.body);
  EXPECT_EQ(j["impi"], "alice@ims.local");
  EXPECT_EQ(j["scheme"], "digest");
  EXPECT_EQ(j["digest_algorithms"], json::array({"MD5", "SHA-256"}));
  EXPECT_EQ(j["lockout_remaining_s"], 30);
  EXPECT_EQ(router.handle(request("GET", "/api/v1/subscribers/nobody@ims.local")).status, 404);
  EXPECT_EQ(router.handle(request("GET", "/api/v1/subscribers/")).status, 404);
  EXPECT_EQ(router.handle(request("DELETE", "/api/v1/subscribers/alice@ims.local")).status, 405);
}

TEST(ConstantTimeEqual, ComparesWholeStrings) {
  test::Telemetry t;
  EXPECT_TRUE(constant_time_equal("secret-token", "secret-token"));
  EXPECT_FALSE(constant_time_equal("secret-tokem", "secret-token"));
  EXPECT_FALSE(constant_time_equal("secret", "secret-token"));
  EXPECT_FALSE(constant_time_equal("secret-token-and-more", "secret-token"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace imsguard::ops
