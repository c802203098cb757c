// An independent check of the engine's arithmetic: threats of models/ims.yaml scored by hand
// from the tables (data/tvra/ts102165-1.yaml), the working in the comments, the results
// written here as numbers, compared with what the engine computes. Nothing here is derived
// from the engine's output.
//
// Table values used (ETSI TS 102 165-1 as in the tables file):
//   time: one_day 0, one_week 1, one_month 4, three_months 10, over_six_months 19, not_practical inf
//   expertise: layman 0, proficient 3, expert 6, multiple_experts 8
//   knowledge: public 0, sensitive 7          window: unlimited 0, easy 1, moderate 4, difficult 10, none inf
//   equipment: standard 0, specialised 4, bespoke 7, multiple_bespoke 9
//   attack potential 0-9 basic, 10-13 enhanced-basic -> likely 3; 14-19 moderate -> possible 2;
//   20-24 high, >= 25 beyond high -> unlikely 1
//   impact = asset (low 1, medium 2, high 3) + intensity (single 0, moderate 1, heavy 2), capped at 3
//   risk = likelihood x impact: 1-2 minor, 3-5 major, 6-9 critical
// Exposure defaults of the model: public {window unlimited, knowledge public, equipment standard};
// filtered {difficult, sensitive, standard}; private {difficult, sensitive, specialised}.
#include <gtest/gtest.h>

#include "tvra/analysis.h"
#include "tvra/audit.h"

namespace imsguard::tvra {
namespace {

struct Expected {
  const char* id;
  int inherent_ap;  // -1: not feasible
  int inherent_risk;
  const char* inherent_class;
  int residual_ap;
  int residual_risk;
  const char* residual_class;
};

// Residual: the countermeasures models/ims.yaml marks applied (all of them).
const Expected kByHand[] = {
    // IC-FLOOD (I-C public): time one_day 0 + layman 0 + public 0 + unlimited 0 + standard 0 = 0, basic, L3;
    //   impact sip-service availability high 3 + heavy 2 = 5 -> cap 3; 3 x 3 = 9 critical.
    //   Residual: flood-guard {proficient, bespoke, intensity moderate}, banlist {one_month},
    //   rate-limit {specialised}, overload-shedding {impact medium, intensity single}:
    //   4 + 3 + 0 + 0 + max(7, 4) = 14, moderate, L2; impact medium 2 + single 0 = 2; 2 x 2 = 4 major.
    {"IC-FLOOD", 0, 9, "critical", 14, 4, "major"},
    // IC-EAVESDROP: one_day 0 + proficient 3 + public 0 + easy 1 (threat) + standard 0 = 4, L3;
    //   impact signalling confidentiality medium 2 + moderate 1 = 3; 9 critical.
    //   Residual: tls-offered {difficult, single}, tls-only {over_six_months, multiple_experts,
    //   multiple_bespoke}: 19 + 8 + 0 + 10 + 9 = 46, beyond high, L1; impact 2 + 0 = 2; 2 minor.
    {"IC-EAVESDROP", 4, 9, "critical", 46, 2, "minor"},
    // MW-EAVESDROP (Mw filtered): one_week 1 + proficient 3 + sensitive 7 + difficult 10 + standard 0
    //   = 21, high, L1; impact medium 2 + heavy 2 = 4 -> 3; 3 major. No countermeasure: same.
    {"MW-EAVESDROP", 21, 3, "major", 21, 3, "major"},
    // CX-VECTORS (Cx private): one_month 4 + expert 6 + sensitive 7 + difficult 10 + specialised 4
    //   = 31, beyond high, L1; impact credentials confidentiality high 3 + heavy 2 -> 3; 3 major.
    {"CX-VECTORS", 31, 3, "major", 31, 3, "major"},
    // IS-FORGED-ID (I-S public): one_week 1 + proficient 3 + 0 + 0 + 0 = 4, L3; impact integrity
    //   high 3 + moderate 1 -> 3; 9 critical. signed-assertion {time not_practical}: not feasible, 0.
    {"IS-FORGED-ID", 4, 9, "critical", -1, 0, "none"},
    // CS-TOKEN-REPLAY (C-S public): one_week 1 + proficient 3 + public 0 + moderate 4 (threat) +
    //   standard 0 = 8, basic, L3; impact content authorisation medium 2 + moderate 1 = 3; 9 critical.
    //   short-token-lifetime {one_month, difficult, single}, token-over-tls {expert}:
    //   4 + 6 + 0 + 10 + 0 = 20, high, L1; impact 2 + 0 = 2; 2 minor.
    {"CS-TOKEN-REPLAY", 8, 9, "critical", 20, 2, "minor"},
    // IC-DIGEST-MD5: one_week 1 + proficient 3 + 0 + easy 1 + 0 = 5, L3; credentials authenticity
    //   high 3 + moderate 1 -> 3; 9 critical. tls-offered, tls-only, no-md5 {three_months, expert}:
    //   max(19, 10) + max(8, 6) + 0 + 10 + 9 = 46, L1; impact 3 + single 0 = 3; 3 major.
    {"IC-DIGEST-MD5", 5, 9, "critical", 46, 3, "major"},
    // OAM-TOKEN (OAM filtered): one_day 0 + proficient 3 + sensitive 7 + difficult 10 + standard 0
    //   = 20, high, L1; operations authorisation high 3 + single 0 = 3; 3 major.
    //   admin-off / admin-loopback {window none}: not feasible, 0.
    {"OAM-TOKEN", 20, 3, "major", -1, 0, "none"},
};

struct Fixture {
  Tables tables;
  Model model;
};

Fixture load() {
  auto t = load_tables_file(std::string(IMSGUARD_SOURCE_DIR) + "/data/tvra/ts102165-1.yaml");
  EXPECT_TRUE(t.ok());
  auto m = load_model_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml", *t.tables);
  EXPECT_TRUE(m.ok()) << (m.errors.empty() ? "" : m.errors.front().to_string());
  return {*t.tables, *m.model};
}

const ThreatResult* find(const Analysis& a, const std::string& id) {
  for (const auto& t : a.threats)
    if (t.threat->id == id) return &t;
  return nullptr;
}

TEST(Arithmetic, ThreatsScoredByHandMatchTheEngine) {
  Fixture f = load();
  Analysis a = analyse(f.model, f.tables, applied_in_model(f.model));
  for (const auto& e : kByHand) {
    const ThreatResult* t = find(a, e.id);
    ASSERT_NE(t, nullptr) << e.id;
    EXPECT_EQ(t->inherent.attack_potential.value_or(-1), e.inherent_ap) << e.id;
    EXPECT_EQ(t->inherent.risk, e.inherent_risk) << e.id;
    EXPECT_EQ(t->inherent.risk_class, e.inherent_class) << e.id;
    EXPECT_EQ(t->residual.attack_potential.value_or(-1), e.residual_ap) << e.id;
    EXPECT_EQ(t->residual.risk, e.residual_risk) << e.id;
    EXPECT_EQ(t->residual.risk_class, e.residual_class) << e.id;
  }
}

// The audit's exposure rule by hand, on the embedded lab configuration (every listener on
// 127.0.0.1; udp, tcp and tls on I-C; SRTP optional; MD5 offered).
TEST(Arithmetic, LabAuditByHand) {
  Fixture f = load();
  auto cfg = config::load_default();
  ASSERT_TRUE(cfg.ok());
  AuditResult r = audit(*cfg.config, {"lab", "config/imsguard.yaml", std::string(config::default_yaml())}, f.model, f.tables);
  struct {
    const char* id;
    int ap, risk;
  } lab[] = {
      // IC-FLOOD: window from the exposure default, raised to difficult by the loopback bind:
      //   one_month 4 + proficient 3 + public 0 + difficult 10 + bespoke 7 = 24, high, L1;
      //   impact medium 2 + single 0 = 2; 1 x 2 = 2.
      {"IC-FLOOD", 24, 2},
      // IC-EAVESDROP: the path window (easy, the threat's own) is kept; tls-offered only (udp and
      //   tcp beside tls): one_day 0 + 3 + 0 + difficult 10 + 0 = 13, enhanced-basic, L3;
      //   impact medium 2 + single 0 = 2; 3 x 2 = 6 critical.
      {"IC-EAVESDROP", 13, 6},
      // IC-DIGEST-MD5: tls-offered, MD5 offered: one_week 1 + 3 + 0 + 10 + 0 = 14, moderate, L2;
      //   impact high 3 + single 0 = 3; 2 x 3 = 6 critical.
      {"IC-DIGEST-MD5", 14, 6},
      // CS-EAVESDROP: srtp-optional {difficult, single}: one_day 0 + 3 + 0 + 10 + 0 = 13, L3;
      //   impact media confidentiality high 3 + single 0 = 3; 9 critical.
      {"CS-EAVESDROP", 13, 9},
      // IC-TOPOLOGY: topology-hiding credited (identity.topology_hiding: true) with window
      //   difficult, the same the loopback bind gives: 0 + 0 + 0 + 10 + 0 = 10, enhanced-basic,
      //   L3; low 1 + 0; 3.
      {"IC-TOPOLOGY", 10, 3},
  };
  for (const auto& e : lab) {
    const ThreatResult* t = find(r.analysis, e.id);
    ASSERT_NE(t, nullptr) << e.id;
    EXPECT_EQ(t->residual.attack_potential.value_or(-1), e.ap) << e.id;
    EXPECT_EQ(t->residual.risk, e.risk) << e.id;
  }
}

}  // namespace
}  // namespace imsguard::tvra
