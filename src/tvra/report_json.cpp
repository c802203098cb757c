#include <nlohmann/json.hpp>

#include "tvra/audit.h"
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

std::string factor_reason(const Model& model, const Threat& th, const std::string& origin) {
  if (origin == "threat")
    return th.reason.empty() ? "set by the threat in the model" : "set by the threat: " + th.reason;
  if (origin.rfind("exposure ", 0) == 0)
    return "default of the " + origin.substr(9) + " exposure of interface " + th.interface + " (model 'exposure:')";
  if (origin.rfind("bind loopback", 0) == 0) return "listener bound to loopback only: reachable from this host alone";
  if (origin.rfind("bind any", 0) == 0) return "listener bound to every address of the host: treated as public";
  if (origin.rfind("countermeasure ", 0) == 0) {
    const Countermeasure* cm = model.countermeasure(origin.substr(15));
    return cm ? cm->name : origin;
  }
  return origin;
}

namespace {

using nlohmann::ordered_json;

ordered_json score_json(const Model& m, const Tables& t, const Threat& th, const Score& s) {
  ordered_json factors = ordered_json::object();
  for (int f = 0; f < kFactorCount; ++f) {
    size_t i = static_cast<size_t>(f);
    const auto& level = t.factors[i].levels[static_cast<size_t>(s.factors[i])];
    factors[kFactorIds[f]] = {{"level", level.id},
                              {"value", level.value ? ordered_json(*level.value) : ordered_json(nullptr)},
                              {"origin", s.origin[i]},
                              {"reason", factor_reason(m, th, s.origin[i])}};
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
          {"inherent", {{"max_risk", r.inherent_max}, {"risk_class", r.inherent_class},
                        {"mean_risk_milli", r.inherent_mean_milli()}, {"total_risk", r.inherent_total}}},
          {"residual", {{"max_risk", r.residual_max}, {"risk_class", r.residual_class}, {"total_risk", r.residual_total}}},
          {"threat_ids", r.threat_ids}};
}

ordered_json decision_json(const RiskDecision& d, const std::string& today) {
  return {{"threat", d.threat},   {"decision", d.decision}, {"justification", d.justification}, {"owner", d.owner},
          {"ticket", d.ticket},   {"expires", d.expires},   {"expired", d.expired(today)},      {"line", d.line}};
}

ordered_json audit_json(const AuditResult& r) {
  ordered_json decisions = ordered_json::array();
  for (const auto& d : r.decisions)
    decisions.push_back({{"countermeasure", d.countermeasure}, {"enabled", d.enabled}, {"reason", d.reason},
                         {"keys", d.keys}, {"enforced_by", d.enforced_by}});
  ordered_json dead = ordered_json::array();
  for (const auto& d : dead_switches()) dead.push_back({{"key", d.key}, {"note", d.note}});
  ordered_json exposure = ordered_json::array();
  for (const auto& e : r.exposure)
    exposure.push_back({{"interface", e.interface}, {"served", e.served}, {"loopback_only", e.loopback_only},
                        {"keys", e.keys}, {"transports", e.transports}});
  ordered_json listeners = ordered_json::array();
  for (const auto& l : r.listeners)
    listeners.push_back({{"key", l.key}, {"interface", l.interface}, {"transport", l.transport}, {"address", l.address},
                         {"port", l.port}, {"loopback", l.loopback}, {"tls_floor", l.tls_floor}, {"ciphers", l.ciphers}});
  ordered_json findings = ordered_json::array();
  for (const auto& f : r.findings)
    findings.push_back({{"check", f.finding.check}, {"level", f.finding.level}, {"key", f.finding.key},
                        {"line", f.location.line}, {"key_written", f.location.exact}, {"message", f.finding.message}});
  ordered_json next = ordered_json::array();
  for (const auto& n : r.next)
    next.push_back({{"countermeasure", n.countermeasure}, {"name", n.name}, {"config", n.config},
                    {"consequence", n.consequence}, {"criticals_removed", n.criticals_removed},
                    {"risk_removed", n.risk_removed}, {"criticals_after", n.criticals_after},
                    {"residual_after", n.residual_after}});
  return {{"config", {{"origin", r.config.origin}, {"uri", r.config.uri}}},
          {"exposure", exposure},
          {"listeners", listeners},
          {"decisions", decisions},
          {"not_credited", dead},
          {"from_model", r.from_model},
          {"not_in_model", r.not_in_model},
          {"findings", findings},
          {"next", next},
          {"critical_remains", r.critical_remains}};
}

}  // namespace

std::string render_json(const Model& model, const Tables& tables, const Analysis& a, const ReportContext& ctx,
                        const AuditResult* audit) {
  ordered_json j;
  j["schema"] = kJsonSchema;
  j["tool"] = {{"name", ctx.provenance.tool}, {"version", ctx.provenance.version}};
  ordered_json inputs = ordered_json::array();
  for (const auto& in : ctx.provenance.inputs) inputs.push_back({{"role", in.role}, {"origin", in.origin}, {"sha256", in.sha256}});
  j["inputs"] = inputs;
  j["standard"] = {{"id", tables.standard}, {"version", tables.version}};
  j["tables_to_confirm"] = unconfirmed_tables(tables);
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
  j["gate"] = {{"pass", ctx.gate.pass}, {"blocking", ctx.gate.blocking}, {"covered", ctx.gate.covered},
               {"expired", ctx.gate.expired}, {"today", ctx.gate.today}};

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
    o["reason"] = t.reason;
    o["countermeasures"] = tr.countermeasures;
    o["inherent"] = score_json(model, tables, t, tr.inherent);
    o["residual"] = score_json(model, tables, t, tr.residual);
    const RiskDecision* d = ctx.risks ? ctx.risks->find(t.id) : nullptr;
    o["decision"] = d ? decision_json(*d, ctx.gate.today) : ordered_json(nullptr);
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
                   {"config", c.config}, {"consequence", c.consequence}});
  j["countermeasures"] = cms;
  ordered_json reg = nullptr;
  if (ctx.risks) {
    ordered_json list = ordered_json::array();
    for (const auto& d : ctx.risks->decisions) list.push_back(decision_json(d, ctx.gate.today));
    reg = {{"origin", ctx.risks->origin}, {"decisions", list}};
  }
  j["risk_register"] = reg;
  if (audit) j["audit"] = audit_json(*audit);
  return j.dump(2) + "\n";
}

}  // namespace imsguard::tvra
