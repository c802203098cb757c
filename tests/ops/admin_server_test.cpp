// The admin API over real HTTP on loopback (port 0: the kernel picks a free one).
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include "ops/admin_server.h"
#include "../support/test_telemetry.h"

#include "ops/counters.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace imsguard::ops {
namespace {

class NoBackend final : public AdminBackend {
 public:
  std::vector<AdminBan> list_bans() override { return {}; }
  AdminStatus add_ban(std::string_view, uint32_t, std::string_view) override { return {400, "no"}; }
  AdminStatus remove_ban(std::string_view, uint16_t) override { return {404, "none"}; }
  AdminStatus list_registrations(std::vector<AdminBinding>&) override { return {}; }
  AdminStatus subscriber(std::string_view, AdminSubscriber&) override { return {404, "none"}; }
};

TEST(AdminServer, ServesMetricsWithTheTokenAnd401Without) {
  test::Telemetry t;
  NoBackend backend;
  AdminRouter router("test-token-0123456789", backend, t.metrics);
  AdminServer server(router);
  ASSERT_TRUE(server.start("127.0.0.1", 0).ok());
  ASSERT_NE(server.port(), 0);
  t.metrics.get("test_admin_server_total", "seen over http").inc(3);

  httplib::Client client("127.0.0.1", server.port());
  auto anonymous = client.Get("/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->body.find("test_admin_server_total"), std::string::npos);

  auto wrong = client.Get("/metrics", {{"Authorization", "Bearer test-token-0123456788"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);

  auto ok = client.Get("/metrics", {{"Authorization", "Bearer test-token-0123456789"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("test_admin_server_total 3\n"), std::string::npos) << ok->body;
  EXPECT_EQ(ok->get_header_value("Content-Type").rfind("text/plain", 0), 0u);

  auto del = client.Delete("/api/v1/bans?prefix=10.0.0.0%2F8", {{"Authorization", "Bearer test-token-0123456789"}});
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 404);  // reached the backend with the decoded query

  // A second server cannot share the port (no SO_REUSEPORT).
  AdminServer second(router);
  auto clash = second.start("127.0.0.1", server.port());
  EXPECT_FALSE(clash.ok());
  EXPECT_EQ(clash.code(), Code::kUnavailable);
  EXPECT_NE(clash.message().find("admin.listen: cannot bind"), std::string::npos) << clash.message();
  server.stop();
  EXPECT_FALSE(client.Get("/metrics"));
}

TEST(AdminServer, QuickStartAndStopDoNotHang) {
  test::Telemetry t;
  NoBackend backend;
  AdminRouter router("test-token-0123456789", backend, t.metrics);
  for (int i = 0; i < 5; ++i) {
    AdminServer server(router);
    ASSERT_TRUE(server.start("127.0.0.1", 0).ok());
    server.stop();
  }
}

}  // namespace
}  // namespace imsguard::ops
