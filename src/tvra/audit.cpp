#include "tvra/audit.h"

#include <algorithm>

namespace imsguard::tvra {

std::vector<Decision> decide_countermeasures(const config::Config& c) {
  std::vector<Decision> d;
  for (const auto& rule : countermeasure_rules()) {
    Verdict v = rule.decide(c);
    d.push_back({rule.countermeasure, v.enabled, v.reason, rule.keys, rule.enforced_by});
  }
  return d;
}

std::vector<Recommendation> recommend(const Model& model, const Tables& tables, std::set<std::string> applied,
                                      const std::set<std::string>& never) {
  std::vector<Recommendation> out;
  Analysis current = analyse(model, tables, applied);
  for (;;) {
    const Countermeasure* best = nullptr;
    int best_removed = 0, best_crit = 0;
    Analysis best_analysis;
    for (const auto& cm : model.countermeasures) {
      if (applied.count(cm.id) || never.count(cm.id)) continue;
      auto with = applied;
      with.insert(cm.id);
      Analysis a = analyse(model, tables, with);
      int removed = current.residual_total - a.residual_total;
      int crit = current.count_residual("critical") - a.count_residual("critical");
      if (removed <= 0) continue;
      if (!best || crit > best_crit || (crit == best_crit && removed > best_removed)) {
        best = &cm;
        best_removed = removed;
        best_crit = crit;
        best_analysis = std::move(a);
      }
    }
    if (!best) break;
    applied.insert(best->id);
    current = std::move(best_analysis);
    out.push_back({best->id, best->name, best->config, best->consequence, best_removed, best_crit,
                   current.residual_total, current.count_residual("critical")});
  }
  return out;
}

namespace {

// Bind addresses weigh on the factors a threat takes from its interface's exposure:
//  - every listener on loopback: reachable from this host alone, so threats that need only to
//    reach it get the window "difficult". Threats that need a position on the path keep the
//    window their model gives: traffic reaching a loopback listener through a local proxy
//    still crosses the network.
//  - a listener on 0.0.0.0 or ::: every address of the host, a public one included, so the
//    exposure defaults become the public ones (an interface the model calls filtered or
//    private loses that protection).
//  - a specific address: the model's exposure stands.
void apply_bind_exposure(Model& m, const Tables& t, const std::vector<InterfaceExposure>& exposure) {
  int difficult = t.factors[kWindow].index_of("difficult");
  const auto pub = static_cast<size_t>(Exposure::kPublic);
  for (const auto& e : exposure) {
    if (!e.served) continue;
    std::string keys;
    for (const auto& k : e.keys) keys += (keys.empty() ? "" : ", ") + k;
    const Interface* itf = m.interface(e.interface);
    if (!itf) continue;
    for (auto& th : m.threats) {
      if (th.interface != e.interface) continue;
      for (int f = 0; f < kFactorCount; ++f) {
        size_t i = static_cast<size_t>(f);
        if (!th.factor_from_exposure[i]) continue;
        if (e.loopback_only && f == kWindow && difficult >= 0 && th.factors[i] < difficult) {
          th.factors[i] = difficult;
          th.factor_origin[i] = "bind loopback (" + keys + ")";
        } else if (e.wildcard && itf->exposure != Exposure::kPublic && pub < m.exposure_defaults.size() &&
                   m.exposure_defaults[pub][i] && *m.exposure_defaults[pub][i] < th.factors[i]) {
          th.factors[i] = *m.exposure_defaults[pub][i];
          th.factor_origin[i] = "bind any (" + keys + ")";
        }
      }
    }
  }
}

}  // namespace

AuditResult audit(const config::Config& config, const ConfigSource& source, const Model& model, const Tables& tables) {
  AuditResult r;
  r.config = source;
  r.model = model;
  r.listeners = listeners(config);
  r.exposure = interface_exposure(config);
  apply_bind_exposure(r.model, tables, r.exposure);

  std::set<std::string> applied, mapped, never;
  for (auto& d : decide_countermeasures(config)) {
    mapped.insert(d.countermeasure);
    if (!r.model.countermeasure(d.countermeasure)) {
      r.not_in_model.push_back(d.countermeasure);
      continue;
    }
    if (d.enabled) applied.insert(d.countermeasure);
    const Rule* rule = rule_for(d.countermeasure);
    if (rule && std::string(rule->enforced_by).rfind("none", 0) == 0) never.insert(d.countermeasure);
    r.decisions.push_back(std::move(d));
  }
  for (const auto& cm : r.model.countermeasures) {
    if (mapped.count(cm.id)) continue;
    r.from_model.push_back(cm.id);
    if (cm.applied) applied.insert(cm.id);
  }
  for (auto& f : check_config(config)) r.findings.push_back({f, locate_key(source.text, f.key)});
  // A dead switch written in the file is a finding where it is written.
  for (const auto& dead : dead_switches()) {
    KeyLocation at = locate_key(source.text, dead.key);
    if (at.exact) r.findings.push_back({{"dead-switch", "note", dead.key, std::string(dead.key) + ": " + dead.note + "; not credited"}, at});
  }
  r.analysis = analyse(r.model, tables, applied);
  r.next = recommend(r.model, tables, applied, never);
  r.critical_remains = r.analysis.count_residual("critical") > 0;
  return r;
}

std::string key_for_threat(const AuditResult& r, const std::string& threat) {
  std::string on_key;
  for (const auto& d : r.decisions) {
    const Countermeasure* cm = r.model.countermeasure(d.countermeasure);
    if (!cm || d.keys.empty()) continue;
    if (std::find(cm->addresses.begin(), cm->addresses.end(), threat) == cm->addresses.end()) continue;
    if (!d.enabled && std::string(rule_for(d.countermeasure)->enforced_by).rfind("none", 0) != 0) return d.keys.front();
    if (on_key.empty()) on_key = d.keys.front();
  }
  return on_key;
}

}  // namespace imsguard::tvra
