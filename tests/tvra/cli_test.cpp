// `imsguard tvra` and `imsguard audit` as a user runs them: exit statuses, nothing printed on
// stdout for a broken model, the embedded model and tables found from any directory.
#include <gtest/gtest.h>

#include "run_process.h"

namespace imsguard::tvra {
namespace {

using testing::run;
using testing::slurp;
const std::string kBin = IMSGUARD_BIN;
const std::string kSrc = IMSGUARD_SOURCE_DIR;
constexpr std::chrono::seconds kLimit{60};

TEST(TvraCli, DefaultModelFromAnyDirectory) {
  auto r = run({kBin, "tvra"}, kLimit, "/");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("INTERFACE RANKING"), std::string::npos);
  EXPECT_NE(r.out.find("Critical interfaces (before countermeasures): I-C, C-S, I-S"), std::string::npos) << r.out;
}

TEST(TvraCli, JsonOfTheModelFileIsTheGolden) {
  auto r = run({kBin, "tvra", kSrc + "/models/ims.yaml", "--format", "json"}, kLimit);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, slurp(kSrc + "/tests/tvra/golden/ims.json"));
}

TEST(TvraCli, BrokenModelExitsTwoWithFileLineAndNothingOnStdout) {
  std::string dir = testing::temp_dir();
  std::string model = slurp(kSrc + "/models/ims.yaml");
  auto at = model.find("    interface: Mw\n");
  ASSERT_NE(at, std::string::npos);
  model.replace(at, 17, "    interface: Mx\n");
  int line = 1;
  for (size_t i = 0; i < at; ++i) line += model[i] == '\n';
  std::ofstream(dir + "/bad.yaml") << model;
  auto r = run({kBin, "tvra", dir + "/bad.yaml", "--format", "html"}, kLimit);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 200);
  EXPECT_NE(r.err.find(dir + "/bad.yaml:" + std::to_string(line) + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown interface 'Mx'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint:"), std::string::npos);
}

TEST(TvraCli, BadFormatAndMissingFileExitTwo) {
  EXPECT_EQ(run({kBin, "tvra", "--format", "pdf"}, kLimit).status, 2);
  auto r = run({kBin, "tvra", "/nonexistent/model.yaml"}, kLimit);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty());
}

TEST(TvraCli, SarifAndHtmlToAFile) {
  std::string dir = testing::temp_dir();
  auto r = run({kBin, "tvra", "--format", "sarif", "-o", dir + "/r.sarif"}, kLimit);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slurp(dir + "/r.sarif").find("\"version\": \"2.1.0\""), std::string::npos);
  r = run({kBin, "tvra", "--format", "html", "-o", dir + "/r.html"}, kLimit);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slurp(dir + "/r.html").find("<svg"), std::string::npos);
}

TEST(AuditCli, WeakenedConfigFailsTheGate) {
  auto r = run({kBin, "audit", "--config", kSrc + "/tests/tvra/data/weakened.yaml"}, kLimit);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("RESULT: FAIL"), std::string::npos);
  EXPECT_NE(r.out.find("ENABLE NEXT"), std::string::npos);
}

TEST(AuditCli, DefaultConfigExitStatusMatchesItsVerdict) {
  auto r = run({kBin, "audit", "--config", kSrc + "/config/imsguard.yaml", "--model", kSrc + "/models/ims.yaml"}, kLimit);
  ASSERT_TRUE(r.status == 0 || r.status == 1) << r.err;
  bool pass = r.out.find("RESULT: PASS") != std::string::npos;
  bool fail = r.out.find("RESULT: FAIL") != std::string::npos;
  EXPECT_NE(pass, fail);
  EXPECT_EQ(r.status, fail ? 1 : 0);
  auto j = run({kBin, "audit", "--format", "json"}, kLimit, "/");
  EXPECT_EQ(j.status, r.status);
  EXPECT_NE(j.out.find("\"critical_remains\": " + std::string(fail ? "true" : "false")), std::string::npos);
}

TEST(AuditCli, BadConfigExitsTwo) {
  std::string dir = testing::temp_dir();
  std::ofstream(dir + "/c.yaml") << "guards:\n  flood: { enabled: maybe }\n";
  auto r = run({kBin, "audit", "--config", dir + "/c.yaml"}, kLimit);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_FALSE(r.err.empty());
}

}  // namespace
}  // namespace imsguard::tvra
