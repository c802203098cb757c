#include <nlohmann/json.hpp>

#include "tvra/report.h"

namespace imsguard::tvra {

std::string risk_label(const Tables& tables, const std::string& risk_class) {
  for (const auto& c : tables.risk_classes)
    if (c.id == risk_class) return c.label;
  return "None";
}

std::string file_basename(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

namespace {

using nlohmann::ordered_json;

ordered_json score_json(const Tables& t, const Score& s) {
  ordered_json factors = ordered_json::object();
  for (int f = 0; f < kFactorCount; ++f) {
    const auto& level = t.factors[static_cast<size_t>(f)].levels[static_cast<size_t>(s.factors[static_cast<size_t>(f)])];
    factors[kFactorIds[f]] = {{"level", level.id},
                              {"value", level.value ? ordered_json(*level.value) : ordered_json(nullptr)}};
  }
  const Grade* lk = t.likelihood_grade(s.likelihood);
  const Grade* impact = t.impact_grade(s.impact);
  ordered_json out;
  out["factors"] = factors;
  out["attack_potential"] = s.attack_potential ? ordered_json(*s.attack_potential) : ordered_json(nullptr);
  out["attack_potential_class"] = s.ap_class;
  out["likelihood"] = {{"level", lk ? lk->id : "not_feasible"}, {"value", s.likelihood}};
  out["impact"] = {{"asset", t.asset_impact[static_cast<size_t>(s.asset_impact)].id},
                   {"intensity", t.intensity[static_cast<size_t>(s.intensity)].id},
                   {"level", impact ? impact->id : ""},
                   {"value", s.impact}};
  out["risk"] = s.risk;
  out["risk_class"] = s.risk_class;
  return out;
}

ordered_json rollup_json(const Rollup& r) {
  return {{"threats", r.threats},
          {"inherent", {{"max_risk", r.inherent_max}, {"risk_class", r.inherent_class}, {"total_risk", r.inherent_total}}},
          {"residual", {{"max_risk", r.residual_max}, {"risk_class", r.residual_class}, {"total_risk", r.residual_total}}},
          {"threat_ids", r.threat_ids}};
}

}  // namespace

std::string render_json(const Model& model, const Tables& tables, const Analysis& a) {
  ordered_json j;
  j["schema"] = kJsonSchema;
  j["standard"] = {{"id", tables.standard}, {"version", tables.version}};
  j["model"] = {{"name", model.name}, {"file", file_basename(model.origin)}};

  ordered_json counts_in = ordered_json::object(), counts_res = ordered_json::object();
  for (const auto& c : tables.risk_classes) {
    counts_in[c.id] = a.count_inherent(c.id);
    counts_res[c.id] = a.count_residual(c.id);
  }
  counts_in["none"] = a.count_inherent("none");
  counts_res["none"] = a.count_residual("none");
  std::vector<std::string> critical_now;
  for (const auto& i : a.interfaces)
    if (i.risk.residual_class == "critical") critical_now.push_back(i.interface->id);
  j["summary"] = {{"threats", a.threats.size()},
                  {"countermeasures_applied", a.applied.size()},
                  {"inherent", {{"total_risk", a.inherent_total}, {"by_class", counts_in}}},
                  {"residual", {{"total_risk", a.residual_total}, {"by_class", counts_res}}},
                  {"critical_interfaces", a.interfaces_with_inherent("critical")},
                  {"interfaces_with_residual_critical", critical_now}};

  ordered_json threats = ordered_json::array();
  for (const auto& tr : a.threats) {
    const Threat& t = *tr.threat;
    ordered_json o;
    o["id"] = t.id;
    o["name"] = t.name;
    o["family"] = t.family;
    o["tvra_family"] = std::string(tvra_family(t.family));
    o["stride"] = t.stride;
    o["interface"] = t.interface.empty() ? ordered_json(nullptr) : ordered_json(t.interface);
    o["asset"] = t.asset;
    o["objective"] = t.objective;
    o["line"] = t.line;
    o["countermeasures"] = tr.countermeasures;
    o["inherent"] = score_json(tables, tr.inherent);
    o["residual"] = score_json(tables, tr.residual);
    threats.push_back(o);
  }
  j["threats"] = threats;

  ordered_json interfaces = ordered_json::array();
  for (const auto& ir : a.interfaces) {
    const Interface& i = *ir.interface;
    ordered_json o;
    o["rank"] = ir.rank;
    o["id"] = i.id;
    o["name"] = i.name;
    o["between"] = {i.a, i.b};
    o["exposure"] = std::string(exposure_name(i.exposure));
    o["protocols"] = i.protocols;
    o.update(rollup_json(ir.risk));
    interfaces.push_back(o);
  }
  j["interfaces"] = interfaces;

  ordered_json assets = ordered_json::array();
  for (const auto& ar : a.assets) {
    ordered_json o;
    o["id"] = ar.asset->id;
    o["name"] = ar.asset->name;
    o.update(rollup_json(ar.risk));
    assets.push_back(o);
  }
  j["assets"] = assets;

  ordered_json cms = ordered_json::array();
  for (const auto& c : model.countermeasures)
    cms.push_back({{"id", c.id}, {"name", c.name}, {"applied", a.applied.count(c.id) > 0}, {"addresses", c.addresses},
                   {"config", c.config}});
  j["countermeasures"] = cms;
  return j.dump(2) + "\n";
}

}  // namespace imsguard::tvra
