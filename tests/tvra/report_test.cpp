// The renderings: golden JSON for the default model, the SARIF 2.1.0 fields code-scanning
// tools require, the terminal table and the static shape of the HTML report.
#include "tvra/report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace imsguard::tvra {
namespace {

// The golden file is the JSON report of models/ims.yaml with the tables in data/tvra. When the
// model, the tables or the schema change on purpose, regenerate it with
//   IMSGUARD_UPDATE_GOLDEN=1 build/<dir>/tests/tvra/test_tvra --gtest_filter=Report.GoldenJson
// (or `imsguard tvra models/ims.yaml --format json > tests/tvra/golden/ims.json` from the
// repository root) and review the diff like code.
const std::string kGolden = std::string(IMSGUARD_SOURCE_DIR) + "/tests/tvra/golden/ims.json";

struct Fixture {
  Tables tables;
  Model model;
  Analysis analysis;
};

Fixture default_report() {
  auto t = load_tables_file(std::string(IMSGUARD_SOURCE_DIR) + "/data/tvra/ts102165-1.yaml");
  EXPECT_TRUE(t.ok());
  auto m = load_model_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml", *t.tables);
  EXPECT_TRUE(m.ok());
  Fixture f{*t.tables, *m.model, {}};
  f.analysis = analyse(f.model, f.tables, applied_in_model(f.model));
  return f;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Report, GoldenJson) {
  Fixture f = default_report();
  std::string json = render_json(f.model, f.tables, f.analysis);
  if (const char* update = std::getenv("IMSGUARD_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(kGolden, std::ios::binary | std::ios::trunc) << json;
  }
  std::string golden = read(kGolden);
  ASSERT_FALSE(golden.empty()) << "missing " << kGolden;
  EXPECT_EQ(json, golden) << "the JSON report differs from " << kGolden << "; see the comment above to regenerate";
}

TEST(Report, JsonSchemaShape) {
  Fixture f = default_report();
  auto j = nlohmann::json::parse(render_json(f.model, f.tables, f.analysis));
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
  auto s = nlohmann::json::parse(render_sarif(f.model, f.tables, f.analysis));
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
    if (r["ruleId"] == "IC-FLOOD") {
      found = true;
      EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>(), flood->line);
    }
  EXPECT_TRUE(found);
}

TEST(Report, TextNamesTheRankingAndEveryThreat) {
  Fixture f = default_report();
  std::string text = render_text(f.model, f.tables, f.analysis);
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
  std::string html = render_html(f.model, f.tables, f.analysis);
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
  std::string html = render_html(f.model, f.tables, f.analysis);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(html.find("<b>name</b>"), std::string::npos);
}

}  // namespace
}  // namespace imsguard::tvra
