// The audit: config keys decide countermeasures, and a weakened configuration (TLS listener
// removed, SRTP off, guards disabled) leaves more and higher residual risk than the default.
#include "tvra/audit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace imsguard::tvra {
namespace {

struct Fixture {
  Tables tables;
  Model model;
};

Fixture model() {
  auto t = load_embedded_tables();
  EXPECT_TRUE(t.ok());
  auto m = load_model_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml", *t.tables);
  EXPECT_TRUE(m.ok());
  return {*t.tables, *m.model};
}

config::Config default_config() {
  auto r = config::load_default();
  EXPECT_TRUE(r.ok());
  return *r.config;
}

config::Config weakened_config() {
  auto r = config::load_file(std::string(IMSGUARD_SOURCE_DIR) + "/tests/tvra/data/weakened.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
  return r.ok() ? *r.config : config::Config{};
}

bool decided(const AuditResult& r, const std::string& id) {
  for (const auto& d : r.decisions)
    if (d.countermeasure == id) return d.enabled;
  ADD_FAILURE() << "no decision for " << id;
  return false;
}

TEST(Audit, WeakenedConfigIsReallyWeakened) {
  config::Config c = weakened_config();
  EXPECT_FALSE(c.has_listener(config::Transport::kTls));
  EXPECT_EQ(c.media.srtp_policy, config::SrtpPolicy::kOff);
  EXPECT_FALSE(c.guards.flood.enabled);
  EXPECT_FALSE(c.guards.bruteforce.enabled);
}

TEST(Audit, DecisionsFollowTheConfigKeys) {
  Fixture f = model();
  AuditResult def = audit(default_config(), f.model, f.tables);
  AuditResult weak = audit(weakened_config(), f.model, f.tables);
  for (const char* id : {"tls-offered", "flood-guard", "bruteforce-lockout", "srtp-optional", "identity-assertion",
                         "scanner-guard", "mtls-is", "signed-assertion"})
    EXPECT_TRUE(decided(def, id)) << id;
  EXPECT_FALSE(decided(def, "tls-only"));        // default listens on udp and tcp too
  EXPECT_FALSE(decided(def, "srtp-mandatory"));  // default policy is optional
  for (const char* id : {"tls-offered", "flood-guard", "bruteforce-lockout", "srtp-optional", "identity-assertion",
                         "scanner-guard", "authentication", "strict-parsing"})
    EXPECT_FALSE(decided(weak, id)) << id;
  EXPECT_TRUE(decided(weak, "mtls-is"));  // not weakened
  EXPECT_TRUE(def.not_in_model.empty());
  EXPECT_TRUE(def.from_model.empty());
}

TEST(Audit, WeakenedConfigLeavesMoreAndHigherRisk) {
  Fixture f = model();
  AuditResult def = audit(default_config(), f.model, f.tables);
  AuditResult weak = audit(weakened_config(), f.model, f.tables);
  EXPECT_GT(weak.analysis.residual_total, def.analysis.residual_total);
  EXPECT_GT(weak.analysis.count_residual("critical"), def.analysis.count_residual("critical"));
  EXPECT_TRUE(weak.critical_remains);
  // Threat by threat the weakened config is never better.
  for (const auto& w : weak.analysis.threats)
    for (const auto& d : def.analysis.threats)
      if (w.threat->id == d.threat->id) { EXPECT_GE(w.residual.risk, d.residual.risk) << w.threat->id; }
  // The three switched-off defences show up on their threats.
  auto residual = [](const AuditResult& r, const std::string& id) {
    for (const auto& t : r.analysis.threats)
      if (t.threat->id == id) return t.residual.risk;
    return -1;
  };
  EXPECT_GT(residual(weak, "IC-FLOOD"), residual(def, "IC-FLOOD"));
  EXPECT_GT(residual(weak, "IC-TAMPER"), residual(def, "IC-TAMPER"));
  EXPECT_GT(residual(weak, "CS-INJECT"), residual(def, "CS-INJECT"));
  EXPECT_GT(residual(weak, "IC-BRUTE"), residual(def, "IC-BRUTE"));
}

TEST(Audit, RecommendationsRemoveTheMostRiskFirstAndEndWithoutCriticals) {
  Fixture f = model();
  AuditResult weak = audit(weakened_config(), f.model, f.tables);
  ASSERT_FALSE(weak.next.empty());
  int residual = weak.analysis.residual_total;
  for (size_t k = 0; k < weak.next.size(); ++k) {
    EXPECT_GT(weak.next[k].risk_removed, 0);
    EXPECT_EQ(weak.next[k].residual_after, residual - weak.next[k].risk_removed);
    residual = weak.next[k].residual_after;
    EXPECT_FALSE(weak.next[k].config.empty());
  }
  // The first step removes at least as much as any single other countermeasure would.
  for (const auto& cm : f.model.countermeasures) {
    if (weak.analysis.applied.count(cm.id)) continue;
    auto with = weak.analysis.applied;
    with.insert(cm.id);
    int removed = weak.analysis.residual_total - analyse(f.model, f.tables, with).residual_total;
    EXPECT_LE(removed, weak.next.front().risk_removed) << cm.id;
  }
  // Applying every recommendation leaves no critical risk.
  std::set<std::string> all = weak.analysis.applied;
  for (const auto& n : weak.next) all.insert(n.countermeasure);
  Analysis after = analyse(f.model, f.tables, all);
  EXPECT_EQ(after.count_residual("critical"), 0);
  EXPECT_EQ(after.residual_total, residual);
}

TEST(Audit, DefaultConfigNamesWhatRemainsToEnable) {
  Fixture f = model();
  AuditResult def = audit(default_config(), f.model, f.tables);
  std::vector<std::string> next;
  for (const auto& n : def.next) next.push_back(n.countermeasure);
  EXPECT_NE(std::find(next.begin(), next.end(), "tls-only"), next.end());
  EXPECT_NE(std::find(next.begin(), next.end(), "srtp-mandatory"), next.end());
  EXPECT_EQ(def.critical_remains, def.analysis.count_residual("critical") > 0);
  std::string text = render_audit_text(def, f.model, f.tables, "default");
  EXPECT_NE(text.find("ENABLE NEXT"), std::string::npos);
  EXPECT_NE(text.find(def.critical_remains ? "RESULT: FAIL" : "RESULT: PASS"), std::string::npos);
  auto j = nlohmann::json::parse(render_audit_json(def, f.model, f.tables, "default"));
  EXPECT_EQ(j["audit"]["critical_remains"].get<bool>(), def.critical_remains);
  EXPECT_EQ(j["audit"]["next"].size(), def.next.size());
}

TEST(Audit, AGuardMissingFromTheOrderDoesNotCount) {
  Fixture f = model();
  config::Config c = default_config();
  c.guards.order.erase(std::remove(c.guards.order.begin(), c.guards.order.end(), "flood"), c.guards.order.end());
  AuditResult r = audit(c, f.model, f.tables);
  EXPECT_FALSE(decided(r, "flood-guard"));
}

TEST(Audit, ModelCountermeasuresWithoutAConfigKeyKeepTheirAppliedFlag) {
  Fixture f = model();
  Countermeasure extra;
  extra.id = "manual-review";
  extra.name = "manual";
  extra.addresses = {"MW-EAVESDROP"};
  extra.factors.assign(kFactorCount, std::nullopt);
  extra.factors[kTime] = f.tables.factors[kTime].index_of("not_practical");
  extra.applied = true;
  f.model.countermeasures.push_back(extra);
  AuditResult r = audit(default_config(), f.model, f.tables);
  EXPECT_EQ(r.from_model, std::vector<std::string>{"manual-review"});
  EXPECT_TRUE(r.analysis.applied.count("manual-review"));
}

}  // namespace
}  // namespace imsguard::tvra
