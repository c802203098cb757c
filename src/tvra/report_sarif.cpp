#include <nlohmann/json.hpp>

#include "tvra/report.h"

namespace imsguard::tvra {

namespace {

using nlohmann::ordered_json;

// SARIF has four levels; the TVRA risk class maps onto them one to one.
const char* sarif_level(const std::string& risk_class) {
  if (risk_class == "critical") return "error";
  if (risk_class == "major") return "warning";
  if (risk_class == "minor") return "note";
  return "none";
}

}  // namespace

std::string render_sarif(const Model& model, const Tables& t, const Analysis& a) {
  ordered_json rules = ordered_json::array();
  ordered_json results = ordered_json::array();
  std::string uri = model.origin.empty() || model.origin.front() == '<' ? "models/ims.yaml" : model.origin;
  int index = 0;
  for (const auto& tr : a.threats) {
    const Threat& th = *tr.threat;
    std::string where = th.interface.empty() ? "asset " + th.asset : "interface " + th.interface;
    ordered_json rule;
    rule["id"] = th.id;
    rule["name"] = th.id;
    rule["shortDescription"] = {{"text", th.name}};
    rule["fullDescription"] = {{"text", th.name + " (" + th.family + ", STRIDE " + th.stride + ") on " + where +
                                            ", threatening the " + th.objective + " of " + th.asset + "."}};
    rule["helpUri"] = "https://www.etsi.org/deliver/etsi_ts/102100_102199/10216501/";
    // security-severity (0..10) is what GitHub code scanning sorts security results by.
    rule["properties"] = {{"tags", {"security", "tvra", th.family, "STRIDE-" + th.stride}},
                          {"security-severity", std::to_string(tr.inherent.risk * 10 / t.max_risk()) + ".0"}};
    rules.push_back(rule);

    std::string msg = th.name + ": residual risk " + std::to_string(tr.residual.risk) + " (" +
                      risk_label(t, tr.residual.risk_class) + "), " + std::to_string(tr.inherent.risk) + " (" +
                      risk_label(t, tr.inherent.risk_class) + ") before countermeasures";
    msg += tr.countermeasures.empty() ? "; no countermeasure applied." : "; applied:";
    for (size_t k = 0; k < tr.countermeasures.size(); ++k) msg += (k ? ", " : " ") + tr.countermeasures[k];
    if (!tr.countermeasures.empty()) msg += ".";
    ordered_json result;
    result["ruleId"] = th.id;
    result["ruleIndex"] = index++;
    result["level"] = sarif_level(tr.residual.risk_class);
    result["kind"] = tr.residual.risk_class == "none" ? "pass" : "fail";
    result["message"] = {{"text", msg}};
    ordered_json location;
    location["physicalLocation"] = {{"artifactLocation", {{"uri", uri}}},
                                    {"region", {{"startLine", th.line > 0 ? th.line : 1}}}};
    location["logicalLocations"] = ordered_json::array(
        {{{"name", th.interface.empty() ? th.asset : th.interface}, {"kind", th.interface.empty() ? "asset" : "interface"}}});
    result["locations"] = ordered_json::array({location});
    result["properties"] = {{"interface", th.interface},
                            {"asset", th.asset},
                            {"objective", th.objective},
                            {"inherent_risk", tr.inherent.risk},
                            {"inherent_risk_class", tr.inherent.risk_class},
                            {"residual_risk", tr.residual.risk},
                            {"residual_risk_class", tr.residual.risk_class},
                            {"countermeasures", tr.countermeasures}};
    results.push_back(result);
  }
  ordered_json driver;
  driver["name"] = "imsguard-tvra";
  driver["informationUri"] = "https://www.etsi.org/deliver/etsi_ts/102100_102199/10216501/";
  driver["semanticVersion"] = "1.0.0";
  driver["rules"] = rules;
  ordered_json run;
  run["tool"] = {{"driver", driver}};
  run["automationDetails"] = {{"id", "imsguard-tvra/" + model.name}};
  run["properties"] = {{"standard", t.standard + " " + t.version}, {"json_schema", kJsonSchema}};
  run["results"] = results;
  ordered_json sarif;
  sarif["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  sarif["version"] = "2.1.0";
  sarif["runs"] = ordered_json::array({run});
  return sarif.dump(2) + "\n";
}

}  // namespace imsguard::tvra
