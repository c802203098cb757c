// `imsguard audit --live URL` against a real `imsguard run`: the running edge reports its
// effective configuration over the admin API (GET /api/v1/config/effective, bearer token),
// and the audit of it equals the audit of the file the edge was started with. The token never
// appears in what the endpoint returns.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_process.h"
#include "imsguard_process.h"
#include "process.h"

namespace imsguard::tvra {
namespace {

using testkit::ImsguardOptions;
using testkit::ImsguardProcess;
using testing::run;
const std::string kBin = IMSGUARD_BIN;
const std::string kToken = "tvra-live-audit-token-7d21c0";
constexpr std::chrono::seconds kLimit{60};

TEST(LiveAudit, AuditOfTheRunningEdgeEqualsAuditOfItsFile) {
  uint16_t admin_port = testkit::free_port();
  ImsguardProcess proc;
  ImsguardOptions o;
  o.extra_yaml = "admin:\n  listen: { address: 127.0.0.1, port: " + std::to_string(admin_port) + " }\n  token: \"" + kToken + "\"\n";
  ASSERT_TRUE(proc.start(o)) << proc.log();
  std::string dir = testing::temp_dir();
  std::ofstream(dir + "/token") << kToken << "\n";
  std::string url = "http://127.0.0.1:" + std::to_string(admin_port);

  auto live = run({kBin, "audit", "--live", url, "--token-file", dir + "/token", "--format", "json", "--today", "2026-12-07"},
                  kLimit);
  ASSERT_TRUE(live.status == 0 || live.status == 1) << live.err;
  auto file = run({kBin, "audit", "--config", proc.config_path(), "--format", "json", "--today", "2026-12-07"}, kLimit);
  ASSERT_TRUE(file.status == 0 || file.status == 1) << file.err;
  EXPECT_EQ(live.status, file.status);
  auto l = nlohmann::json::parse(live.out);
  auto f = nlohmann::json::parse(file.out);
  EXPECT_EQ(l["audit"]["config"]["uri"], url + "/api/v1/config/effective");
  EXPECT_EQ(l["audit"]["decisions"], f["audit"]["decisions"]);
  EXPECT_EQ(l["audit"]["exposure"], f["audit"]["exposure"]);
  EXPECT_EQ(l["summary"], f["summary"]);
  EXPECT_EQ(l["gate"], f["gate"]);
  // The admin listener is on loopback with a token: admin-loopback on, admin-off off.
  for (const auto& d : l["audit"]["decisions"]) {
    if (d["countermeasure"] == "admin-loopback") { EXPECT_TRUE(d["enabled"].get<bool>()); }
    if (d["countermeasure"] == "admin-off") { EXPECT_FALSE(d["enabled"].get<bool>()); }
  }

  // What the endpoint returns carries no secret.
  auto text = run({kBin, "audit", "--live", url, "--token-file", dir + "/token", "--format", "sarif"}, kLimit);
  EXPECT_EQ(text.out.find(kToken), std::string::npos);
  EXPECT_EQ(live.out.find(kToken), std::string::npos);

  // Without the right token: refused (401), nothing computed.
  std::ofstream(dir + "/wrong") << "wrong-token-wrong-token\n";
  auto wrong = run({kBin, "audit", "--live", url, "--token-file", dir + "/wrong"}, kLimit);
  EXPECT_EQ(wrong.status, 2);
  EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;
  EXPECT_TRUE(wrong.out.empty());
  EXPECT_EQ(proc.stop(), 0);
}

}  // namespace
}  // namespace imsguard::tvra
