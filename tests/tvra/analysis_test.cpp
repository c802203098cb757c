// The computation: the default IMS model's interface ranking, and the rules for combining
// countermeasures (per factor the least likely level, the lowest impact, never easier).
#include "tvra/analysis.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace imsguard::tvra {
namespace {

struct Fixture {
  Tables tables;
  Model model;
};

Fixture load_default_model() {
  auto t = load_tables_file(std::string(IMSGUARD_SOURCE_DIR) + "/data/tvra/ts102165-1.yaml");
  EXPECT_TRUE(t.ok());
  auto m = load_model_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml", *t.tables);
  EXPECT_TRUE(m.ok()) << (m.errors.empty() ? "" : m.errors.front().to_string());
  return {*t.tables, *m.model};
}

TEST(DefaultModel, RanksTheThreePublicInterfacesCriticalAndTheCoreLower) {
  Fixture f = load_default_model();
  Analysis a = analyse(f.model, f.tables, applied_in_model(f.model));
  auto critical = a.interfaces_with_inherent("critical");
  std::sort(critical.begin(), critical.end());
  EXPECT_EQ(critical, (std::vector<std::string>{"C-S", "I-C", "I-S"}));
  ASSERT_EQ(a.interfaces.size(), 6u);
  std::vector<std::string> top3, bottom2;
  for (const auto& i : a.interfaces) (i.rank <= 3 ? top3 : bottom2).push_back(i.interface->id);
  std::sort(top3.begin(), top3.end());
  std::sort(bottom2.begin(), bottom2.end());
  EXPECT_EQ(top3, (std::vector<std::string>{"C-S", "I-C", "I-S"}));
  EXPECT_EQ(bottom2, (std::vector<std::string>{"Cx", "Mw", "OAM"}));
  for (const auto& i : a.interfaces) {
    if (i.rank > 3) { EXPECT_LT(i.risk.inherent_max, a.interfaces.front().risk.inherent_max) << i.interface->id; }
  }
}

TEST(DefaultModel, TheRankingFollowsExposure) {
  // The same model with Mw exposed publicly: Mw's threats take the public defaults and Mw
  // becomes critical too. Nothing in the model names the critical interfaces.
  Fixture f = load_default_model();
  std::string yaml(embedded_model_yaml());
  const std::string from = "between: [edge, scscf]\n    protocols: [SIP]\n    exposure: filtered";
  auto at = yaml.find(from);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, from.size(), "between: [edge, scscf]\n    protocols: [SIP]\n    exposure: public");
  auto m = load_model_string(yaml, "public-mw.yaml", f.tables);
  ASSERT_TRUE(m.ok());
  Analysis a = analyse(*m.model, f.tables, {});
  auto critical = a.interfaces_with_inherent("critical");
  EXPECT_NE(std::find(critical.begin(), critical.end(), "Mw"), critical.end());
  EXPECT_EQ(std::find(critical.begin(), critical.end(), "Cx"), critical.end());
}

TEST(DefaultModel, ResidualNeverExceedsInherentAndEveryCriticalInterfaceHasCountermeasures) {
  Fixture f = load_default_model();
  Analysis a = analyse(f.model, f.tables, applied_in_model(f.model));
  for (const auto& t : a.threats) EXPECT_LE(t.residual.risk, t.inherent.risk) << t.threat->id;
  EXPECT_LT(a.residual_total, a.inherent_total);
  EXPECT_EQ(a.count_residual("critical"), 0);  // every countermeasure of the model applied
  Analysis none = analyse(f.model, f.tables, {});
  EXPECT_EQ(none.residual_total, none.inherent_total);
}

std::vector<std::string> ranking(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& i : a.interfaces) out.push_back(i.interface->id);
  return out;
}

// The ranking must not depend on how many threats an analyst wrote for an interface: writing
// every threat of one interface three times (new ids, same factors) changes nothing. A ranking
// by total risk (the previous tie-break) would move the duplicated interface up.
TEST(DefaultModel, TheRankingDoesNotDependOnHowManyThreatsAreModelled) {
  Fixture f = load_default_model();
  auto applied = applied_in_model(f.model);
  std::vector<std::string> base = ranking(analyse(f.model, f.tables, applied));
  for (const std::string itf : {"I-C", "I-S", "C-S", "Mw"}) {
    Model m = f.model;
    std::vector<Threat> copies;
    for (const auto& t : m.threats)
      if (t.interface == itf)
        for (int k = 1; k <= 2; ++k) {
          Threat c = t;
          c.id = t.id + "-COPY" + std::to_string(k);
          copies.push_back(c);
          for (auto& cm : m.countermeasures)
            if (std::find(cm.addresses.begin(), cm.addresses.end(), t.id) != cm.addresses.end()) cm.addresses.push_back(c.id);
        }
    m.threats.insert(m.threats.end(), copies.begin(), copies.end());
    Analysis a = analyse(m, f.tables, applied);
    EXPECT_EQ(ranking(a), base) << "threats of " << itf << " written three times";
    // The old aggregation would have moved it: its total tripled.
    for (const auto& i : a.interfaces)
      if (i.interface->id == itf) { EXPECT_EQ(i.risk.threats % 3, 0); }
  }
}

class Combination : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = load_embedded_tables();
    ASSERT_TRUE(t.ok());
    tables = *t.tables;
    const char* yaml = R"(tvra_model: 1
name: combination
components: [{ id: a }, { id: b }]
interfaces: [{ id: X, between: [a, b], exposure: public }]
assets: [{ id: s, impact: { confidentiality: high } }]
threats:
  - { id: T, name: t, family: interception, interface: X, asset: s, objective: confidentiality, intensity: heavy,
      factors: { time: one_week, expertise: proficient, knowledge: public, window: easy, equipment: standard } }
countermeasures:
  - { id: A, name: a, addresses: [T], factors: { expertise: expert, window: moderate } }
  - { id: B, name: b, addresses: [T], factors: { expertise: layman, window: difficult }, intensity: moderate }
  - { id: C, name: c, addresses: [T], impact: low, intensity: single }
  - { id: D, name: d, addresses: [T], factors: { time: not_practical } }
)";
    auto m = load_model_string(yaml, "c.yaml", tables);
    ASSERT_TRUE(m.ok()) << m.errors.front().to_string();
    model = *m.model;
  }
  Score with(const std::vector<std::string>& ids) {
    std::vector<const Countermeasure*> cms;
    for (const auto& id : ids) cms.push_back(model.countermeasure(id));
    return score_threat(model.threats.front(), model, tables, cms);
  }
  Tables tables;
  Model model;
};

TEST_F(Combination, InherentScore) {
  Score s = with({});
  EXPECT_EQ(s.attack_potential, 1 + 3 + 0 + 1 + 0);
  EXPECT_EQ(s.ap_class, "basic");
  EXPECT_EQ(s.likelihood, 3);
  EXPECT_EQ(s.impact, 3);
  EXPECT_EQ(s.risk, 9);
  EXPECT_EQ(s.risk_class, "critical");
}

TEST_F(Combination, PerFactorTheLeastLikelyLevelWins) {
  // A raises expertise to expert (6) and window to moderate (4); B would lower expertise to
  // layman (ignored: a countermeasure never makes an attack easier) and raises window to 10.
  Score s = with({"A", "B"});
  EXPECT_EQ(s.attack_potential, 1 + 6 + 0 + 10 + 0);
  EXPECT_EQ(s.ap_class, "moderate");
  EXPECT_EQ(s.likelihood, 2);
  Score b = with({"B"});
  EXPECT_EQ(b.attack_potential, 1 + 3 + 0 + 10 + 0);  // layman did not lower proficient
}

TEST_F(Combination, LowestImpactAndIntensityWin) {
  Score s = with({"B", "C"});
  EXPECT_EQ(s.asset_impact, Tables::index_of(tables.asset_impact, "low"));
  EXPECT_EQ(s.intensity, Tables::index_of(tables.intensity, "single"));
  EXPECT_EQ(s.impact, 1);
  Score b = with({"B"});
  EXPECT_EQ(b.impact, 3);  // high + moderate, capped
}

TEST_F(Combination, NotPracticalMakesTheThreatInfeasible) {
  Score s = with({"D"});
  EXPECT_FALSE(s.attack_potential.has_value());
  EXPECT_EQ(s.ap_class, "not_feasible");
  EXPECT_EQ(s.risk, 0);
  EXPECT_EQ(s.risk_class, "none");
}

TEST_F(Combination, AnalysisAppliesOnlyTheNamedCountermeasures) {
  Analysis a = analyse(model, tables, {"C"});
  ASSERT_EQ(a.threats.size(), 1u);
  EXPECT_EQ(a.threats[0].countermeasures, std::vector<std::string>{"C"});
  EXPECT_EQ(a.threats[0].residual.risk, 3);  // likely x low
  EXPECT_EQ(a.interfaces[0].risk.inherent_class, "critical");
  EXPECT_EQ(a.interfaces[0].risk.residual_class, "major");
  EXPECT_EQ(a.assets[0].risk.residual_max, 3);
}

}  // namespace
}  // namespace imsguard::tvra
