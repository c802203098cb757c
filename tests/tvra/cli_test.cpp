// `imsguard tvra` and `imsguard audit` as a user runs them: exit statuses, nothing printed on
// stdout for a broken model, the embedded model and tables found from any directory.
#include <gtest/gtest.h>

#include <fstream>

#include "process.h"
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
  EXPECT_NE(r.out.find("Critical interfaces (before countermeasures): "), std::string::npos) << r.out;
}

// The golden file is written by the command in docs/tvra.md ("Golden files"), never by a test:
//   (cd <source> && imsguard tvra models/ims.yaml --format json --today 2026-12-01 > tests/tvra/golden/ims.json)
// Its numbers are checked by hand in arithmetic_test.cpp; review its diff like code.
TEST(TvraCli, JsonOfTheModelFileIsTheGolden) {
  auto r = run({kBin, "tvra", "models/ims.yaml", "--format", "json", "--today", "2026-12-01"}, kLimit, kSrc);
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
  EXPECT_NE(r.err.find("/nonexistent/model.yaml: error: cannot read the model file: No such file or directory"),
            std::string::npos) << r.err;
  auto dir = run({kBin, "audit", "--config", "/"}, kLimit);  // a directory: the user's path
  EXPECT_EQ(dir.status, 2);
  EXPECT_NE(dir.err.find("/: error: cannot read the file: Is a directory"), std::string::npos) << dir.err;
}

// A file that opens but cannot be read is the system's fault, not the user's: exit 1 (its own
// memory at address 0 gives the process EIO), for the model of `tvra` and the register of `audit`.
TEST(TvraCli, AnInputTheSystemCannotReadExitsOne) {
  auto r = run({kBin, "tvra", "/proc/self/mem"}, kLimit);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("/proc/self/mem: error: cannot read the model file: Input/output error"), std::string::npos)
      << r.err;
  auto risks = run({kBin, "audit", "--risks", "/proc/self/mem"}, kLimit);
  EXPECT_EQ(risks.status, 1) << risks.err;
  EXPECT_NE(risks.err.find("cannot read the risk register: Input/output error"), std::string::npos) << risks.err;
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

// Point 2: the production profile passes with no accepted risk and is a valid configuration.
TEST(AuditCli, ProductionProfilePassesTheGateWithNoAcceptedRisk) {
  auto check = run({kBin, "check-config", kSrc + "/config/production.yaml"}, kLimit);
  EXPECT_EQ(check.status, 0) << check.err;
  auto r = run({kBin, "audit", "--config", kSrc + "/config/production.yaml"}, kLimit);
  EXPECT_EQ(r.status, 0) << r.out.substr(0, 3000) << r.err;
  EXPECT_NE(r.out.find("VERDICT: PASS"), std::string::npos);
  EXPECT_NE(r.out.find("RISK REGISTER: none supplied"), std::string::npos);
  EXPECT_NE(r.out.find("Residual critical risks: none"), std::string::npos);
}

// Point 2 and 1: the lab profile (embedded default) fails and says why; with its register it
// passes; once the register's decisions expire it fails again.
TEST(AuditCli, LabProfileFailsWithItsReasonsUnlessItsAcceptancesAreSupplied) {
  auto r = run({kBin, "audit"}, kLimit, "/");
  EXPECT_EQ(r.status, 1) << r.err;
  auto verdict = r.out.find("VERDICT: FAIL");
  ASSERT_NE(verdict, std::string::npos);
  EXPECT_LT(verdict, r.out.find("THREATS BY RESIDUAL RISK"));  // the verdict comes first
  for (const char* id : {"IC-EAVESDROP", "IC-TAMPER", "IC-DIGEST-MD5", "CS-EAVESDROP"}) {
    EXPECT_NE(r.out.find(std::string("  - ") + id + ": critical residual risk"), std::string::npos) << id;
    EXPECT_NE(r.err.find(id), std::string::npos) << id;
  }
  EXPECT_NE(r.out.find("loopback only"), std::string::npos);
  auto ok = run({kBin, "audit", "--risks", "models/lab.risks.yaml", "--today", "2026-12-07"}, kLimit, kSrc);
  EXPECT_EQ(ok.status, 0) << ok.out.substr(0, 2000) << ok.err;
  EXPECT_NE(ok.out.find("VERDICT: PASS"), std::string::npos);
  EXPECT_NE(ok.out.find("~ CS-EAVESDROP: accepted until 2027-06-30"), std::string::npos);
  auto late = run({kBin, "audit", "--risks", "models/lab.risks.yaml", "--today", "2027-07-01"}, kLimit, kSrc);
  EXPECT_EQ(late.status, 1);
  EXPECT_NE(late.out.find("its decision expired on 2027-06-30"), std::string::npos) << late.out.substr(0, 2000);
  auto bad = run({kBin, "audit", "--today", "2027-02-30"}, kLimit);
  EXPECT_EQ(bad.status, 2);
}

// Point 5: SARIF of `tvra` and of `audit` validates against the OASIS 2.1.0 schema kept in the
// repository, and the audit's findings point at the configuration key's line.
TEST(SarifCli, ValidatesAgainstTheSarif210SchemaAndPointsAtConfigKeys) {
  std::string dir = testing::temp_dir();
  std::string lab = dir + "/lab.yaml";
  std::ofstream(lab) << slurp(kSrc + "/config/imsguard.yaml");
  ASSERT_EQ(run({kBin, "tvra", "--format", "sarif", "-o", dir + "/tvra.sarif"}, kLimit).status, 0);
  EXPECT_EQ(run({kBin, "audit", "--config", lab, "--format", "sarif", "-o", dir + "/lab.sarif", "--risks",
                 kSrc + "/models/lab.risks.yaml", "--today", "2026-12-07"}, kLimit).status, 0);
  EXPECT_EQ(run({kBin, "audit", "--config", kSrc + "/config/production.yaml", "--format", "sarif", "-o", dir + "/prod.sarif"},
                kLimit).status, 0);
  const std::string schema = kSrc + "/tests/tvra/data/sarif-schema-2.1.0.json";
  auto v = run({"/usr/bin/python3", kSrc + "/tests/tvra/validate_sarif.py", schema, dir + "/tvra.sarif", dir + "/lab.sarif",
                dir + "/prod.sarif"}, kLimit);
  EXPECT_EQ(v.status, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("lab.sarif: valid SARIF 2.1.0"), std::string::npos) << v.out << v.err;
  // The validator does reject a broken file (so the check above can fail).
  std::string broken = slurp(dir + "/lab.sarif");
  broken.replace(broken.find("\"level\": \""), 10, "\"level\": \"x");
  std::ofstream(dir + "/broken.sarif") << broken;
  EXPECT_EQ(run({"/usr/bin/python3", kSrc + "/tests/tvra/validate_sarif.py", schema, dir + "/broken.sarif"}, kLimit).status, 1);

  // The MD5 finding points at auth.digest_algorithms in the lab file.
  std::string text = slurp(lab);
  int line = 1;
  for (size_t i = 0; i < text.find("  digest_algorithms:"); ++i) line += text[i] == '\n';
  std::string sarif = slurp(dir + "/lab.sarif");
  auto at = sarif.find("\"ruleId\": \"audit/digest-md5\"");
  ASSERT_NE(at, std::string::npos);
  auto loc = sarif.substr(at, 1200);
  EXPECT_NE(loc.find("\"uri\": \"" + lab + "\""), std::string::npos) << loc;
  EXPECT_NE(loc.find("\"startLine\": " + std::to_string(line)), std::string::npos) << loc;
  // Accepted lab risks are suppressions, not silent passes.
  EXPECT_NE(sarif.find("\"status\": \"accepted\""), std::string::npos);
}

// An edge that does not answer is the system failing, not the user's input: exit 1 (a wrong
// token, 401, stays 2: live_audit_test.cpp).
TEST(AuditCli, AnUnreachableLiveEdgeExitsOne) {
  std::string dir = testing::temp_dir();
  std::ofstream(dir + "/token") << "a-token-a-token-a-token\n";
  std::string url = "http://127.0.0.1:" + std::to_string(testkit::free_port());
  auto r = run({kBin, "audit", "--live", url, "--token-file", dir + "/token"}, kLimit);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("error: " + url + ": "), std::string::npos) << r.err;
  auto missing = run({kBin, "audit", "--live", url, "--token-file", dir + "/none"}, kLimit);
  EXPECT_EQ(missing.status, 2) << missing.err;  // the token file's path is the user's
  EXPECT_NE(missing.err.find("error: cannot read " + dir + "/none: No such file or directory"), std::string::npos)
      << missing.err;
}

TEST(AuditCli, WeakenedConfigFailsTheGate) {
  auto r = run({kBin, "audit", "--config", kSrc + "/tests/tvra/data/weakened.yaml"}, kLimit);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("RESULT: FAIL"), std::string::npos);
  EXPECT_NE(r.out.find("NEXT STEPS"), std::string::npos);
}

TEST(AuditCli, ExitStatusMatchesTheVerdictInEveryFormat) {
  auto r = run({kBin, "audit", "--config", kSrc + "/config/imsguard.yaml", "--model", kSrc + "/models/ims.yaml"}, kLimit);
  ASSERT_TRUE(r.status == 0 || r.status == 1) << r.err;
  bool pass = r.out.find("RESULT: PASS") != std::string::npos;
  bool fail = r.out.find("RESULT: FAIL") != std::string::npos;
  EXPECT_NE(pass, fail);
  EXPECT_EQ(r.status, fail ? 1 : 0);
  auto j = run({kBin, "audit", "--format", "json"}, kLimit, "/");
  EXPECT_EQ(j.status, r.status);
  EXPECT_NE(j.out.find("\"pass\": " + std::string(fail ? "false" : "true")), std::string::npos);
  auto h = run({kBin, "audit", "--format", "html"}, kLimit, "/");
  EXPECT_EQ(h.status, r.status);
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
