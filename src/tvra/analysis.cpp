#include "tvra/analysis.h"

#include <algorithm>
#include <map>

namespace imsguard::tvra {

Score score_threat(const Threat& threat, const Model& model, const Tables& tables,
                   const std::vector<const Countermeasure*>& countermeasures) {
  Score s;
  s.factors = threat.factors;
  s.origin = threat.factor_origin;
  s.origin.resize(kFactorCount, "threat");
  const Asset* asset = model.asset(threat.asset);
  s.asset_impact = asset ? asset->impact_of(threat.objective).value_or(0) : 0;
  s.intensity = threat.intensity;
  for (const auto* cm : countermeasures) {
    for (int f = 0; f < kFactorCount; ++f) {
      const auto& level = cm->factors[static_cast<size_t>(f)];
      if (level && *level > s.factors[static_cast<size_t>(f)]) {
        s.factors[static_cast<size_t>(f)] = *level;
        s.origin[static_cast<size_t>(f)] = "countermeasure " + cm->id;
      }
    }
    if (cm->asset_impact) s.asset_impact = std::min(s.asset_impact, *cm->asset_impact);
    if (cm->intensity) s.intensity = std::min(s.intensity, *cm->intensity);
  }
  s.impact = tables.impact(s.asset_impact, s.intensity);
  s.attack_potential = tables.attack_potential(s.factors);
  if (!s.attack_potential) {
    s.ap_class = "not_feasible";
    s.likelihood = 0;
  } else {
    const Band& band = tables.band(*s.attack_potential);
    s.ap_class = band.id;
    s.likelihood = tables.likelihood.at(static_cast<size_t>(band.likelihood)).value;
  }
  s.risk = s.likelihood * s.impact;
  const RiskClass* rc = tables.risk_class(s.risk);
  s.risk_class = rc ? rc->id : "none";
  return s;
}

std::set<std::string> applied_in_model(const Model& model) {
  std::set<std::string> out;
  for (const auto& cm : model.countermeasures)
    if (cm.applied) out.insert(cm.id);
  return out;
}

std::vector<std::string> Analysis::interfaces_with_inherent(const std::string& risk_class) const {
  std::vector<std::string> out;
  for (const auto& i : interfaces)
    if (i.risk.inherent_class == risk_class) out.push_back(i.interface->id);
  return out;
}

int Analysis::count_residual(const std::string& risk_class) const {
  return static_cast<int>(std::count_if(threats.begin(), threats.end(),
                                        [&](const ThreatResult& t) { return t.residual.risk_class == risk_class; }));
}

int Analysis::count_inherent(const std::string& risk_class) const {
  return static_cast<int>(std::count_if(threats.begin(), threats.end(),
                                        [&](const ThreatResult& t) { return t.inherent.risk_class == risk_class; }));
}

bool ranks_before(const Rollup& p, const Rollup& q) {
  if (p.inherent_max != q.inherent_max) return p.inherent_max > q.inherent_max;
  if (p.residual_max != q.residual_max) return p.residual_max > q.residual_max;
  // Compared as fractions (total/threats) without rounding.
  long lhs = static_cast<long>(p.inherent_total) * q.threats, rhs = static_cast<long>(q.inherent_total) * p.threats;
  if (lhs != rhs) return lhs > rhs;
  return p.id < q.id;
}

namespace {

void add_to(Rollup& r, const ThreatResult& t) {
  r.threats++;
  r.inherent_max = std::max(r.inherent_max, t.inherent.risk);
  r.residual_max = std::max(r.residual_max, t.residual.risk);
  r.inherent_total += t.inherent.risk;
  r.residual_total += t.residual.risk;
  r.threat_ids.push_back(t.threat->id);
}

void classify(Rollup& r, const Tables& tables) {
  const RiskClass* in = tables.risk_class(r.inherent_max);
  const RiskClass* res = tables.risk_class(r.residual_max);
  r.inherent_class = in ? in->id : "none";
  r.residual_class = res ? res->id : "none";
}

}  // namespace

Analysis analyse(const Model& model, const Tables& tables, const std::set<std::string>& applied) {
  Analysis a;
  a.applied = applied;
  for (const auto& threat : model.threats) {
    ThreatResult tr;
    tr.threat = &threat;
    tr.inherent = score_threat(threat, model, tables, {});
    std::vector<const Countermeasure*> cms;
    for (const auto& cm : model.countermeasures) {
      if (!applied.count(cm.id)) continue;
      if (std::find(cm.addresses.begin(), cm.addresses.end(), threat.id) == cm.addresses.end()) continue;
      cms.push_back(&cm);
      tr.countermeasures.push_back(cm.id);
    }
    tr.residual = score_threat(threat, model, tables, cms);
    a.inherent_total += tr.inherent.risk;
    a.residual_total += tr.residual.risk;
    a.threats.push_back(std::move(tr));
  }
  std::stable_sort(a.threats.begin(), a.threats.end(), [](const ThreatResult& x, const ThreatResult& y) {
    if (x.residual.risk != y.residual.risk) return x.residual.risk > y.residual.risk;
    if (x.inherent.risk != y.inherent.risk) return x.inherent.risk > y.inherent.risk;
    return x.threat->id < y.threat->id;
  });

  for (const auto& itf : model.interfaces) {
    InterfaceResult ir;
    ir.interface = &itf;
    ir.risk.id = itf.id;
    for (const auto& t : a.threats)
      if (t.threat->interface == itf.id) add_to(ir.risk, t);
    classify(ir.risk, tables);
    a.interfaces.push_back(std::move(ir));
  }
  // The ranking is by the risk the interface carries before countermeasures (where protection
  // effort belongs), then by what they leave; see ranks_before.
  std::stable_sort(a.interfaces.begin(), a.interfaces.end(), [](const InterfaceResult& x, const InterfaceResult& y) {
    return ranks_before(x.risk, y.risk);
  });
  for (size_t i = 0; i < a.interfaces.size(); ++i) a.interfaces[i].rank = static_cast<int>(i + 1);

  for (const auto& asset : model.assets) {
    AssetResult ar;
    ar.asset = &asset;
    ar.risk.id = asset.id;
    for (const auto& t : a.threats)
      if (t.threat->asset == asset.id) add_to(ar.risk, t);
    classify(ar.risk, tables);
    a.assets.push_back(std::move(ar));
  }
  std::stable_sort(a.assets.begin(), a.assets.end(), [](const AssetResult& x, const AssetResult& y) {
    if (x.risk.residual_max != y.risk.residual_max) return x.risk.residual_max > y.risk.residual_max;
    if (x.risk.inherent_max != y.risk.inherent_max) return x.risk.inherent_max > y.risk.inherent_max;
    return x.risk.id < y.risk.id;
  });
  return a;
}

}  // namespace imsguard::tvra
