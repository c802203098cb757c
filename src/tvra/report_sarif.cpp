#include <map>
#include <nlohmann/json.hpp>

#include "tvra/audit.h"
#include "tvra/report.h"

namespace imsguard::tvra {

namespace {

using nlohmann::ordered_json;

// SARIF has four levels; the TVRA residual risk class maps onto them one to one.
const char* sarif_level(const std::string& risk_class) {
  if (risk_class == "critical") return "error";
  if (risk_class == "major") return "warning";
  if (risk_class == "minor") return "note";
  return "none";
}

std::string one_decimal(int tenths) { return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10); }

ordered_json location(const std::string& uri, int line, const std::string& logical, const std::string& kind) {
  ordered_json loc;
  loc["physicalLocation"] = {{"artifactLocation", {{"uri", uri}}}, {"region", {{"startLine", line > 0 ? line : 1}}}};
  if (!logical.empty()) loc["logicalLocations"] = ordered_json::array({{{"name", logical}, {"kind", kind}}});
  return loc;
}

// Stable across runs: the rule and the subject only (no line, score or wording).
ordered_json fingerprint(const std::string& rule, const std::string& subject) {
  return {{"imsguardFinding/v1", sha256_hex(rule + "|" + subject).substr(0, 32)}};
}

}  // namespace

std::string render_sarif(const Model& model, const Tables& t, const Analysis& a, const ReportContext& ctx,
                         const AuditResult* audit) {
  ordered_json rules = ordered_json::array();
  ordered_json results = ordered_json::array();
  std::string model_uri = model.origin.empty() || model.origin.front() == '<' ? "models/ims.yaml" : model.origin;
  int index = 0;
  for (const auto& tr : a.threats) {
    const Threat& th = *tr.threat;
    std::string where = th.interface.empty() ? "asset " + th.asset : "interface " + th.interface;
    std::string rule_id = "tvra/" + th.id;
    // security-severity (0..10) is what code-scanning dashboards sort by: the residual risk.
    std::string severity = one_decimal(tr.residual.risk * 100 / t.max_risk());
    ordered_json rule;
    rule["id"] = rule_id;
    rule["name"] = th.id;
    rule["shortDescription"] = {{"text", th.name}};
    rule["fullDescription"] = {{"text", th.name + " (" + th.family + ", STRIDE " + th.stride + ") on " + where +
                                            ", threatening the " + th.objective + " of " + th.asset + "."}};
    rule["helpUri"] = "https://www.etsi.org/deliver/etsi_ts/102100_102199/10216501/";
    rule["properties"] = {{"tags", {"security", "tvra", th.family, "STRIDE-" + th.stride}}, {"security-severity", severity}};
    rules.push_back(rule);

    std::string msg = th.name + ": residual risk " + std::to_string(tr.residual.risk) + " (" +
                      risk_label(t, tr.residual.risk_class) + "), " + std::to_string(tr.inherent.risk) + " (" +
                      risk_label(t, tr.inherent.risk_class) + ") before countermeasures";
    msg += tr.countermeasures.empty() ? "; no countermeasure applied." : "; applied:";
    for (size_t k = 0; k < tr.countermeasures.size(); ++k) msg += (k ? ", " : " ") + tr.countermeasures[k];
    if (!tr.countermeasures.empty()) msg += ".";
    const RiskDecision* d = ctx.risks ? ctx.risks->find(th.id) : nullptr;
    if (d && d->expired(ctx.gate.today)) msg += " Risk-register decision '" + d->decision + "' expired on " + d->expires + ".";
    ordered_json result;
    result["ruleId"] = rule_id;
    result["ruleIndex"] = index++;
    result["level"] = sarif_level(tr.residual.risk_class);
    result["kind"] = tr.residual.risk_class == "none" ? "pass" : "fail";
    result["message"] = {{"text", msg}};
    std::string logical = th.interface.empty() ? th.asset : th.interface;
    std::string kind = th.interface.empty() ? "asset" : "interface";
    std::string key = audit ? key_for_threat(*audit, th.id) : "";
    if (!key.empty()) {
      // Point CI at the configuration key to change; the model line is related.
      result["locations"] = ordered_json::array({location(audit->config.uri, locate_key(audit->config.text, key).line, key, "member")});
      result["relatedLocations"] = ordered_json::array({location(model_uri, th.line, logical, kind)});
      result["relatedLocations"][0]["id"] = 1;
    } else {
      result["locations"] = ordered_json::array({location(model_uri, th.line, logical, kind)});
    }
    result["partialFingerprints"] = fingerprint(rule_id, th.id);
    if (d && !d->expired(ctx.gate.today))
      result["suppressions"] = ordered_json::array(
          {{{"kind", "external"}, {"status", "accepted"},
            {"justification", d->decision + " until " + d->expires + " by " + d->owner + " (" + d->ticket + "): " + d->justification}}});
    result["properties"] = {{"interface", th.interface},
                            {"asset", th.asset},
                            {"objective", th.objective},
                            {"inherent_risk", tr.inherent.risk},
                            {"inherent_risk_class", tr.inherent.risk_class},
                            {"residual_risk", tr.residual.risk},
                            {"residual_risk_class", tr.residual.risk_class},
                            {"countermeasures", tr.countermeasures}};
    if (!key.empty()) result["properties"]["config_key"] = key;
    results.push_back(result);
  }
  if (audit) {
    std::map<std::string, int> rule_index;
    for (const auto& f : audit->findings) {
      std::string rule_id = "audit/" + f.finding.check;
      if (!rule_index.count(rule_id)) {
        rule_index[rule_id] = index++;
        ordered_json rule;
        rule["id"] = rule_id;
        rule["name"] = f.finding.check;
        rule["shortDescription"] = {{"text", "imsguard audit check: " + f.finding.check}};
        rule["properties"] = {{"tags", {"security", "configuration"}}};
        rules.push_back(rule);
      }
      const char* severity = f.finding.level == "error" ? "8.0" : f.finding.level == "warning" ? "5.0" : "1.0";
      ordered_json result;
      result["ruleId"] = rule_id;
      result["ruleIndex"] = rule_index[rule_id];
      result["level"] = f.finding.level;
      result["message"] = {{"text", f.finding.message}};
      result["locations"] = ordered_json::array({location(audit->config.uri, f.location.line, f.finding.key, "member")});
      result["partialFingerprints"] = fingerprint(rule_id, f.finding.key);
      result["properties"] = {{"config_key", f.finding.key}, {"key_written", f.location.exact}, {"security-severity", severity}};
      results.push_back(result);
    }
  }
  ordered_json driver;
  driver["name"] = "imsguard-tvra";
  driver["version"] = ctx.provenance.version;
  driver["informationUri"] = "https://www.etsi.org/deliver/etsi_ts/102100_102199/10216501/";
  driver["rules"] = rules;
  ordered_json run;
  run["tool"] = {{"driver", driver}};
  run["automationDetails"] = {{"id", std::string(audit ? "imsguard-audit/" : "imsguard-tvra/") + model.name + "/"}};
  ordered_json inputs = ordered_json::array();
  for (const auto& in : ctx.provenance.inputs) inputs.push_back({{"role", in.role}, {"origin", in.origin}, {"sha256", in.sha256}});
  run["properties"] = {{"standard", t.standard + " " + t.version},
                       {"json_schema", kJsonSchema},
                       {"inputs", inputs},
                       {"tables_to_confirm", unconfirmed_tables(t)},
                       {"gate", {{"pass", ctx.gate.pass}, {"blocking", ctx.gate.blocking}, {"expired", ctx.gate.expired}}}};
  run["results"] = results;
  ordered_json sarif;
  sarif["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  sarif["version"] = "2.1.0";
  sarif["runs"] = ordered_json::array({run});
  return sarif.dump(2) + "\n";
}

}  // namespace imsguard::tvra
