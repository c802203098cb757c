// The renderings: golden JSON for the default model, the SARIF 2.1.0 fields code-scanning
// tools require, the terminal table and the static shape of the HTML report.
#include "tvra/report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <sstream>

namespace imsguard::tvra {
namespace {

struct Fixture {
  Tables tables;
  Model model;
  Analysis analysis;
  ReportContext ctx;
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Fixture default_report() {
  auto t = load_tables_file(std::string(IMSGUARD_SOURCE_DIR) + "/data/tvra/ts102165-1.yaml");
  EXPECT_TRUE(t.ok());
  auto m = load_model_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml", *t.tables);
  EXPECT_TRUE(m.ok());
  Fixture f{*t.tables, *m.model, {}, {}};
  f.analysis = analyse(f.model, f.tables, applied_in_model(f.model));
  f.ctx.provenance.version = "test";
  f.ctx.provenance.add("model", "models/ims.yaml", read(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml"));
  f.ctx.gate = evaluate_gate(f.analysis, nullptr, "2026-12-01");
  return f;
}

TEST(Report, JsonSchemaShape) {
  Fixture f = default_report();
  auto j = nlohmann::json::parse(render_json(f.model, f.tables, f.analysis, f.ctx));
  EXPECT_EQ(j["schema"], kJsonSchema);
  EXPECT_EQ(j["standard"]["id"], "ETSI TS 102 165-1");
  EXPECT_EQ(j["model"]["file"], "ims.yaml");
  ASSERT_EQ(j["threats"].size(), f.model.threats.size());
  for (const auto& t : j["threats"]) {
    for (const char* key : {"id", "name", "family", "tvra_family", "stride", "interface", "asset", "objective", "line",
                            "countermeasures", "inherent", "residual"})
      EXPECT_TRUE(t.contains(key)) << key;
    for (const char* key : {"factors", "attack_potential", "attack_potential_class", "likelihood", "impact", "risk", "risk_class"})
      EXPECT_TRUE(t["inherent"].contains(key)) << key;
    EXPECT_EQ(t["inherent"]["factors"].size(), 5u);
    EXPECT_EQ(t["inherent"]["risk"].get<int>(),
              t["inherent"]["likelihood"]["value"].get<int>() * t["inherent"]["impact"]["value"].get<int>());
  }
  EXPECT_EQ(j["interfaces"][0]["rank"], 1);
  auto crit = j["summary"]["critical_interfaces"].get<std::vector<std::string>>();
  EXPECT_EQ(std::set<std::string>(crit.begin(), crit.end()), (std::set<std::string>{"I-C", "I-S", "C-S"}));
}

TEST(Report, SarifHasTheRequired210Fields) {
  Fixture f = default_report();
  auto s = nlohmann::json::parse(render_sarif(f.model, f.tables, f.analysis, f.ctx));
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_NE(s["$schema"].get<std::string>().find("sarif-2.1.0"), std::string::npos);
  ASSERT_EQ(s["runs"].size(), 1u);
  const auto& run = s["runs"][0];
  EXPECT_FALSE(run["tool"]["driver"]["name"].get<std::string>().empty());
  const auto& rules = run["tool"]["driver"]["rules"];
  const auto& results = run["results"];
  ASSERT_EQ(results.size(), f.model.threats.size());
  const std::set<std::string> levels{"none", "note", "warning", "error"};
  int errors = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.contains("ruleId"));
    ASSERT_TRUE(r["message"].contains("text"));
    EXPECT_TRUE(levels.count(r["level"].get<std::string>()));
    errors += r["level"] == "error";
    size_t idx = r["ruleIndex"].get<size_t>();
    ASSERT_LT(idx, rules.size());
    EXPECT_EQ(rules[idx]["id"], r["ruleId"]);
    const auto& loc = r["locations"][0]["physicalLocation"];
    EXPECT_FALSE(loc["artifactLocation"]["uri"].get<std::string>().empty());
    EXPECT_GE(loc["region"]["startLine"].get<int>(), 1);
  }
  EXPECT_EQ(errors, f.analysis.count_residual("critical"));
  // The region points at the threat's line in the model file.
  const Threat* flood = f.model.threat("IC-FLOOD");
  ASSERT_NE(flood, nullptr);
  bool found = false;
  for (const auto& r : results)
    if (r["ruleId"] == "tvra/IC-FLOOD") {
      found = true;
      EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>(), flood->line);
    }
  EXPECT_TRUE(found);
}

TEST(Report, TextNamesTheRankingAndEveryThreat) {
  Fixture f = default_report();
  std::string text = render_text(f.model, f.tables, f.analysis, f.ctx);
  EXPECT_NE(text.find("INTERFACE RANKING"), std::string::npos);
  EXPECT_NE(text.find("Critical interfaces (before countermeasures): "), std::string::npos);
  for (const auto& t : f.model.threats) EXPECT_NE(text.find(t.id), std::string::npos) << t.id;
  // Rank 1 is printed before rank 5 and is a public interface.
  auto first = text.find("\n1   ");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(text.substr(first, 40).find("public"), std::string::npos);
}

TEST(Report, HtmlIsSelfContainedWithHeatMapAndDiagram) {
  Fixture f = default_report();
  std::string html = render_html(f.model, f.tables, f.analysis, f.ctx);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("class=\"heat\""), std::string::npos);
  for (const auto& i : f.model.interfaces) EXPECT_NE(html.find(">" + i.id + " "), std::string::npos) << i.id;
  // Self-contained: no scripts, no external stylesheets, images or fonts.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\""), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(Report, HtmlEscapesModelText) {
  Fixture f = default_report();
  f.model.name = "<script>alert(1)</script> & co";
  f.model.threats.front().name = "a \"quoted\" <b>name</b>";
  f.analysis = analyse(f.model, f.tables, applied_in_model(f.model));
  std::string html = render_html(f.model, f.tables, f.analysis, f.ctx);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(html.find("<b>name</b>"), std::string::npos);
}

// Point 4: every factor's level carries its origin and reason; unconfirmed table values, the
// tool version and the input hashes appear in every format.
TEST(Traceable, EveryFactorHasItsOriginAndReasonInJson) {
  Fixture f = default_report();
  auto j = nlohmann::json::parse(render_json(f.model, f.tables, f.analysis, f.ctx));
  for (const auto& t : j["threats"])
    for (const auto& [name, factor] : t["inherent"]["factors"].items()) {
      std::string origin = factor["origin"];
      EXPECT_TRUE(origin == "threat" || origin.rfind("exposure ", 0) == 0) << t["id"] << " " << name << " " << origin;
      EXPECT_FALSE(factor["reason"].get<std::string>().empty());
    }
  // IC-EAVESDROP: the window is the threat's own (with its reason), knowledge the public default.
  for (const auto& t : j["threats"])
    if (t["id"] == "IC-EAVESDROP") {
      EXPECT_EQ(t["inherent"]["factors"]["window"]["origin"], "threat");
      EXPECT_NE(t["inherent"]["factors"]["window"]["reason"].get<std::string>().find("position on the client's path"),
                std::string::npos);
      EXPECT_EQ(t["inherent"]["factors"]["knowledge"]["origin"], "exposure public");
      EXPECT_EQ(t["residual"]["factors"]["window"]["origin"], "countermeasure tls-offered");
      EXPECT_EQ(t["residual"]["factors"]["time"]["origin"], "countermeasure tls-only");
    }
}

TEST(Traceable, ToolVersionHashesAndUnconfirmedTablesInEveryFormat) {
  Fixture f = default_report();
  std::string hash = sha256_hex(read(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml"));
  ASSERT_EQ(hash.size(), 64u);
  auto unconfirmed = unconfirmed_tables(f.tables);
  ASSERT_FALSE(unconfirmed.empty());  // the likelihood mapping, impact rule and risk classes
  EXPECT_NE(unconfirmed.front().find("to confirm"), std::string::npos);
  for (const std::string& out : {render_text(f.model, f.tables, f.analysis, f.ctx), render_json(f.model, f.tables, f.analysis, f.ctx),
                                 render_sarif(f.model, f.tables, f.analysis, f.ctx), render_html(f.model, f.tables, f.analysis, f.ctx)}) {
    EXPECT_NE(out.find(hash), std::string::npos);
    EXPECT_NE(out.find("test"), std::string::npos);  // the tool version
    EXPECT_NE(out.find("to confirm"), std::string::npos);
  }
  std::string text = render_text(f.model, f.tables, f.analysis, f.ctx);
  EXPECT_NE(text.find("TO CONFIRM"), std::string::npos);
  EXPECT_NE(text.find("WHY EACH FACTOR HAS ITS LEVEL"), std::string::npos);
}

// Point 5: SARIF severity follows the residual risk; rule ids and fingerprints are stable.
TEST(Sarif, SeverityFollowsTheResidualRiskAndFingerprintsAreStable) {
  Fixture f = default_report();
  auto s = nlohmann::json::parse(render_sarif(f.model, f.tables, f.analysis, f.ctx));
  const auto& run = s["runs"][0];
  int checked = 0;
  for (const auto& r : run["results"]) {
    std::string id = r["ruleId"];
    ASSERT_EQ(id.rfind("tvra/", 0), 0u) << id;
    for (const auto& t : f.analysis.threats)
      if ("tvra/" + t.threat->id == id) {
        const auto& rule = run["tool"]["driver"]["rules"][r["ruleIndex"].get<size_t>()];
        double severity = std::stod(rule["properties"]["security-severity"].get<std::string>());
        EXPECT_DOUBLE_EQ(severity, (t.residual.risk * 100 / f.tables.max_risk()) / 10.0) << id;
        if (t.inherent.risk_class == "critical" && t.residual.risk_class != "critical") {
          EXPECT_NE(r["level"], "error") << id;  // inherent critical, residual lower: not an error
          ++checked;
        }
        EXPECT_EQ(r["partialFingerprints"]["imsguardFinding/v1"].get<std::string>().size(), 32u);
      }
  }
  EXPECT_GT(checked, 5);
  // Another analysis (no countermeasures: different scores, order and lines) keeps rule ids
  // and fingerprints per threat.
  Analysis none = analyse(f.model, f.tables, {});
  auto s2 = nlohmann::json::parse(render_sarif(f.model, f.tables, none, f.ctx));
  std::map<std::string, std::string> a, b;
  for (const auto& r : run["results"]) a[r["ruleId"]] = r["partialFingerprints"]["imsguardFinding/v1"];
  for (const auto& r : s2["runs"][0]["results"]) b[r["ruleId"]] = r["partialFingerprints"]["imsguardFinding/v1"];
  EXPECT_EQ(a, b);
  std::set<std::string> unique;
  for (const auto& [k, v] : a) unique.insert(v);
  EXPECT_EQ(unique.size(), a.size());
}

TEST(Sarif, AcceptedRisksAreSuppressionsExpiredOnesAreNot) {
  Fixture f = default_report();
  Analysis none = analyse(f.model, f.tables, {});
  auto reg = load_risks_string(
      "tvra_risks: 1\ndecisions:\n"
      "  - { threat: IC-FLOOD, decision: accepted, justification: lab, owner: arch, ticket: SEC-7, expires: 2027-06-30 }\n"
      "  - { threat: IC-TAMPER, decision: transferred, justification: carrier, owner: arch, ticket: SEC-8, expires: 2026-01-01 }\n",
      "r.yaml", f.model);
  ASSERT_TRUE(reg.ok());
  f.ctx.risks = &*reg.risks;
  f.ctx.gate = evaluate_gate(none, f.ctx.risks, "2026-12-01");
  auto s = nlohmann::json::parse(render_sarif(f.model, f.tables, none, f.ctx));
  for (const auto& r : s["runs"][0]["results"]) {
    if (r["ruleId"] == "tvra/IC-FLOOD") {
      ASSERT_TRUE(r.contains("suppressions"));
      EXPECT_EQ(r["suppressions"][0]["status"], "accepted");
      EXPECT_NE(r["suppressions"][0]["justification"].get<std::string>().find("SEC-7"), std::string::npos);
    }
    if (r["ruleId"] == "tvra/IC-TAMPER") {
      EXPECT_FALSE(r.contains("suppressions"));
      EXPECT_NE(r["message"]["text"].get<std::string>().find("expired"), std::string::npos);
    }
  }
  for (const std::string& out : {render_text(f.model, f.tables, none, f.ctx), render_json(f.model, f.tables, none, f.ctx),
                                 render_html(f.model, f.tables, none, f.ctx)}) {
    EXPECT_NE(out.find("SEC-7"), std::string::npos);
    EXPECT_NE(out.find("SEC-8"), std::string::npos);
  }
}

}  // namespace
}  // namespace imsguard::tvra
