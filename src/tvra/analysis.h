#pragma once
// The TVRA computation over a model: for each threat the attack potential, its class, the
// occurrence likelihood, the impact (asset impact + intensity), risk = likelihood x impact and
// its class, before countermeasures (inherent) and after the applied ones (residual); then
// risk per asset and per interface, and the interfaces ranked. Pure: no I/O.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tvra/model.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

// One evaluation of a threat under a given set of factor levels and impact.
struct Score {
  FactorLevels factors;
  std::vector<std::string> origin;      // per factor: "threat", "exposure public", "countermeasure tls-only", ...
  std::optional<int> attack_potential;  // empty: not feasible (a not-practical level)
  std::string ap_class;                 // band id, or "not_feasible"
  int likelihood = 0;                   // likelihood value; 0 when not feasible
  int asset_impact = 0;                 // index into Tables::asset_impact
  int intensity = 0;                    // index into Tables::intensity
  int impact = 0;                       // value after the intensity rule
  int risk = 0;                         // likelihood x impact
  std::string risk_class;               // class id, or "none" when risk is 0
};

struct ThreatResult {
  const Threat* threat = nullptr;
  Score inherent;
  Score residual;
  std::vector<std::string> countermeasures;  // applied ones that address this threat
};

// Risk rolled up over the threats against one interface or asset.
struct Rollup {
  std::string id;
  int threats = 0;
  int inherent_max = 0, residual_max = 0;
  int inherent_total = 0, residual_total = 0;
  std::string inherent_class = "none", residual_class = "none";
  std::vector<std::string> threat_ids;  // by residual risk, highest first
  // Mean inherent risk x 1000, rounded (integer so that ordering and output are exact).
  int inherent_mean_milli() const { return threats ? (inherent_total * 1000 + threats / 2) / threats : 0; }
};

// The interface order: highest inherent risk, then highest residual risk, then mean inherent
// risk, then id. None of these grows with the number of threats modelled (a sum would).
bool ranks_before(const Rollup& a, const Rollup& b);

struct InterfaceResult {
  const Interface* interface = nullptr;
  int rank = 0;  // 1 = most at risk
  Rollup risk;
};

struct AssetResult {
  const Asset* asset = nullptr;
  Rollup risk;
};

struct Analysis {
  std::vector<ThreatResult> threats;        // by residual risk, then inherent risk, then id
  std::vector<InterfaceResult> interfaces;  // ranked: inherent max, residual max, inherent mean, id (docs/tvra.md)
  std::vector<AssetResult> assets;          // by residual max, then inherent max, then id
  std::set<std::string> applied;            // countermeasure ids in effect
  int inherent_total = 0, residual_total = 0;

  // Ids of interfaces whose inherent (pre-countermeasure) risk class is `risk_class`, in rank order.
  std::vector<std::string> interfaces_with_inherent(const std::string& risk_class) const;
  int count_residual(const std::string& risk_class) const;
  int count_inherent(const std::string& risk_class) const;
};

// Scores one threat with the given countermeasures in effect. Combined countermeasures take,
// per factor, the level that makes the attack least likely and the lowest asset impact and
// intensity; a countermeasure never makes a threat easier than it is without it.
Score score_threat(const Threat& threat, const Model& model, const Tables& tables,
                   const std::vector<const Countermeasure*>& countermeasures);

// The whole analysis with exactly `applied` countermeasures in effect.
Analysis analyse(const Model& model, const Tables& tables, const std::set<std::string>& applied);
// The countermeasures the model itself marks as applied.
std::set<std::string> applied_in_model(const Model& model);

}  // namespace imsguard::tvra
