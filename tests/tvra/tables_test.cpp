// Boundaries of every TVRA table as loaded from data/tvra/ts102165-1.yaml: factor values,
// attack-potential classes, likelihood, the impact-with-intensity rule and the risk classes.
#include "tvra/tables.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace imsguard::tvra {
namespace {

const std::string kTablesPath = std::string(IMSGUARD_SOURCE_DIR) + "/data/tvra/ts102165-1.yaml";

class TablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = load_tables_file(kTablesPath);
    ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
    t = *r.tables;
  }
  std::optional<int> value(int factor, const std::string& level) {
    const Factor& f = t.factors[static_cast<size_t>(factor)];
    int idx = f.index_of(level);
    EXPECT_GE(idx, 0) << level;
    return idx < 0 ? std::nullopt : f.levels[static_cast<size_t>(idx)].value;
  }
  int ap_of(const std::vector<std::string>& levels) {
    FactorLevels fl;
    for (int f = 0; f < kFactorCount; ++f) fl.push_back(t.factors[static_cast<size_t>(f)].index_of(levels[static_cast<size_t>(f)]));
    return t.attack_potential(fl).value_or(-1);
  }
  std::string likelihood_of_ap(int ap) { return t.likelihood[static_cast<size_t>(t.band(ap).likelihood)].id; }
  int impact(const std::string& asset, const std::string& intensity) {
    return t.impact(Tables::index_of(t.asset_impact, asset), Tables::index_of(t.intensity, intensity));
  }
  Tables t;
};

TEST_F(TablesTest, NamesTheStandardAndVersion) {
  EXPECT_EQ(t.standard, "ETSI TS 102 165-1");
  EXPECT_NE(t.version.find("V5.2.3"), std::string::npos);
  ASSERT_EQ(t.factors.size(), static_cast<size_t>(kFactorCount));
  for (int f = 0; f < kFactorCount; ++f) EXPECT_EQ(t.factors[static_cast<size_t>(f)].id, kFactorIds[f]);
}

TEST_F(TablesTest, ElapsedTimeValues) {
  EXPECT_EQ(value(kTime, "one_day"), 0);
  EXPECT_EQ(value(kTime, "one_week"), 1);
  EXPECT_EQ(value(kTime, "one_month"), 4);
  EXPECT_EQ(value(kTime, "three_months"), 10);
  EXPECT_EQ(value(kTime, "six_months"), 17);
  EXPECT_EQ(value(kTime, "over_six_months"), 19);
  EXPECT_EQ(value(kTime, "not_practical"), std::nullopt);
}

TEST_F(TablesTest, ExpertiseKnowledgeWindowEquipmentValues) {
  EXPECT_EQ(value(kExpertise, "layman"), 0);
  EXPECT_EQ(value(kExpertise, "proficient"), 3);
  EXPECT_EQ(value(kExpertise, "expert"), 6);
  EXPECT_EQ(value(kExpertise, "multiple_experts"), 8);
  EXPECT_EQ(value(kKnowledge, "public"), 0);
  EXPECT_EQ(value(kKnowledge, "restricted"), 3);
  EXPECT_EQ(value(kKnowledge, "sensitive"), 7);
  EXPECT_EQ(value(kKnowledge, "critical"), 11);
  EXPECT_EQ(value(kWindow, "unlimited"), 0);
  EXPECT_EQ(value(kWindow, "easy"), 1);
  EXPECT_EQ(value(kWindow, "moderate"), 4);
  EXPECT_EQ(value(kWindow, "difficult"), 10);
  EXPECT_EQ(value(kWindow, "none"), std::nullopt);
  EXPECT_EQ(value(kEquipment, "standard"), 0);
  EXPECT_EQ(value(kEquipment, "specialised"), 4);
  EXPECT_EQ(value(kEquipment, "bespoke"), 7);
  EXPECT_EQ(value(kEquipment, "multiple_bespoke"), 9);
}

TEST_F(TablesTest, AttackPotentialIsTheSumAndInfeasibleWithANotPracticalLevel) {
  EXPECT_EQ(ap_of({"one_day", "layman", "public", "unlimited", "standard"}), 0);
  EXPECT_EQ(ap_of({"over_six_months", "multiple_experts", "critical", "difficult", "multiple_bespoke"}), 19 + 8 + 11 + 10 + 9);
  EXPECT_EQ(ap_of({"one_week", "proficient", "restricted", "easy", "specialised"}), 1 + 3 + 3 + 1 + 4);
  EXPECT_EQ(ap_of({"not_practical", "layman", "public", "unlimited", "standard"}), -1);
  EXPECT_EQ(ap_of({"one_day", "layman", "public", "none", "standard"}), -1);
}

TEST_F(TablesTest, AttackPotentialClassBoundaries) {
  const std::vector<std::pair<int, std::string>> cases = {
      {0, "basic"},     {9, "basic"},  {10, "enhanced_basic"}, {13, "enhanced_basic"}, {14, "moderate"},
      {19, "moderate"}, {20, "high"},  {24, "high"},           {25, "beyond_high"},    {57, "beyond_high"}};
  for (const auto& [ap, cls] : cases) EXPECT_EQ(t.band(ap).id, cls) << "AP " << ap;
}

TEST_F(TablesTest, LikelihoodFromAttackPotentialBoundaries) {
  EXPECT_EQ(likelihood_of_ap(0), "likely");
  EXPECT_EQ(likelihood_of_ap(13), "likely");
  EXPECT_EQ(likelihood_of_ap(14), "possible");
  EXPECT_EQ(likelihood_of_ap(19), "possible");
  EXPECT_EQ(likelihood_of_ap(20), "unlikely");
  EXPECT_EQ(likelihood_of_ap(25), "unlikely");
  EXPECT_EQ(t.likelihood.front().value, 1);
  EXPECT_EQ(t.likelihood.back().value, 3);
}

TEST_F(TablesTest, ImpactIsAssetImpactPlusIntensityCappedAtThree) {
  EXPECT_EQ(impact("low", "single"), 1);
  EXPECT_EQ(impact("low", "moderate"), 2);
  EXPECT_EQ(impact("low", "heavy"), 3);
  EXPECT_EQ(impact("medium", "single"), 2);
  EXPECT_EQ(impact("medium", "moderate"), 3);
  EXPECT_EQ(impact("medium", "heavy"), 3);  // 4 capped
  EXPECT_EQ(impact("high", "single"), 3);
  EXPECT_EQ(impact("high", "heavy"), 3);  // 5 capped
}

TEST_F(TablesTest, RiskClassBoundaries) {
  EXPECT_EQ(t.risk_class(0), nullptr);
  EXPECT_EQ(t.risk_class(1)->id, "minor");
  EXPECT_EQ(t.risk_class(2)->id, "minor");
  EXPECT_EQ(t.risk_class(3)->id, "major");
  EXPECT_EQ(t.risk_class(4)->id, "major");
  EXPECT_EQ(t.risk_class(6)->id, "critical");
  EXPECT_EQ(t.risk_class(9)->id, "critical");
  EXPECT_EQ(t.risk_class(10), nullptr);
  EXPECT_EQ(t.max_risk(), 9);
}

TEST_F(TablesTest, EmbeddedCopyIsTheFileOnDisk) {
  std::ifstream in(kTablesPath, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(std::string(embedded_tables_yaml()), ss.str());
  EXPECT_TRUE(load_embedded_tables().ok());
  EXPECT_TRUE(load_embedded_tables().status.ok());
}

TEST(TablesErrors, GapBetweenAttackPotentialClassesIsRejectedWithItsLine) {
  std::string yaml(embedded_tables_yaml());
  auto at = yaml.find("min: 10, max: 13");
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, 16, "min: 11, max: 13");
  auto r = load_tables_string(yaml, "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  int expected_line = 1;
  for (size_t i = 0; i < at; ++i) expected_line += yaml[i] == '\n';
  EXPECT_EQ(r.errors.front().line, expected_line);
  EXPECT_NE(r.errors.front().message.find("contiguous"), std::string::npos);
}

TEST(TablesErrors, MissingFactorIsRejected) {
  std::string yaml(embedded_tables_yaml());
  auto from = yaml.find("  - id: equipment");
  auto to = yaml.find("# Attack-potential classes");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  yaml.erase(from, to - from);
  auto r = load_tables_string(yaml, "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_NE(r.errors.front().message.find("five TVRA factors"), std::string::npos);
}

// A class naming a likelihood the file does not define: the file's fault (kInvalid), with the
// line of the class, and the status message is that diagnostic.
TEST(TablesErrors, UnknownLikelihoodLevelIsInvalidWithItsLine) {
  std::string yaml(embedded_tables_yaml());
  const std::string from = "min: 14, max: 19, likelihood: possible";
  auto at = yaml.find(from);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, from.size(), "min: 14, max: 19, likelihood: probable");
  auto r = load_tables_string(yaml, "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  int expected_line = 1;
  for (size_t i = 0; i < at; ++i) expected_line += yaml[i] == '\n';
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors.front().line, expected_line);
  EXPECT_NE(r.errors.front().message.find("unknown likelihood 'probable'"), std::string::npos) << r.errors.front().message;
  EXPECT_EQ(r.status.message().rfind("bad.yaml:" + std::to_string(expected_line) + ":", 0), 0u) << r.status.message();
}

// The path is wrong (kNotFound), or names a directory (kInvalid): both the user's to fix.
TEST(TablesErrors, AMissingFileIsNotFoundAndADirectoryInvalid) {
  auto missing = load_tables_file("/nonexistent/imsguard/tables.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status.code(), Code::kNotFound);
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_NE(missing.errors.front().message.find("cannot read the file: No such file or directory"), std::string::npos)
      << missing.errors.front().message;
  auto dir = load_tables_file(std::string(IMSGUARD_SOURCE_DIR) + "/data/tvra");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status.code(), Code::kInvalid);
  EXPECT_NE(dir.status.message().find("Is a directory"), std::string::npos) << dir.status.message();
}

}  // namespace
}  // namespace imsguard::tvra
