#include "tvra/tables.h"

#include "tvra/input_file.h"
#include "tvra/yaml_reader.h"

namespace imsguard::tvra {

extern const std::string_view kTablesYaml;

const char* const kFactorIds[kFactorCount] = {"time", "expertise", "knowledge", "window", "equipment"};

int Factor::index_of(std::string_view level_id) const {
  for (size_t i = 0; i < levels.size(); ++i)
    if (levels[i].id == level_id) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> Factor::level_ids() const {
  std::vector<std::string> ids;
  for (const auto& l : levels) ids.push_back(l.id);
  return ids;
}

int Tables::index_of(const std::vector<Grade>& grades, std::string_view id) {
  for (size_t i = 0; i < grades.size(); ++i)
    if (grades[i].id == id) return static_cast<int>(i);
  return -1;
}

std::optional<int> Tables::attack_potential(const FactorLevels& levels) const {
  int sum = 0;
  for (size_t f = 0; f < factors.size() && f < levels.size(); ++f) {
    const auto& level = factors[f].levels.at(static_cast<size_t>(levels[f]));
    if (!level.value) return std::nullopt;
    sum += *level.value;
  }
  return sum;
}

const Band& Tables::band(int ap) const {
  for (const auto& b : bands)
    if (ap >= b.min && (!b.max || ap <= *b.max)) return b;
  return ap < bands.front().min ? bands.front() : bands.back();  // validated contiguous from 0
}

int Tables::impact(int asset_impact_index, int intensity_index) const {
  int v = asset_impact.at(static_cast<size_t>(asset_impact_index)).value +
          intensity.at(static_cast<size_t>(intensity_index)).value;
  return v > impact_cap ? impact_cap : v;
}

const RiskClass* Tables::risk_class(int risk) const {
  for (const auto& c : risk_classes)
    if (risk >= c.min && risk <= c.max) return &c;
  return nullptr;
}

const Grade* Tables::impact_grade(int value) const {
  for (const auto& g : asset_impact)
    if (g.value == value) return &g;
  return nullptr;
}

const Grade* Tables::likelihood_grade(int value) const {
  for (const auto& g : likelihood)
    if (g.value == value) return &g;
  return nullptr;
}

int Tables::max_risk() const { return likelihood.back().value * impact_cap; }

std::string_view embedded_tables_yaml() { return kTablesYaml; }

namespace {

std::vector<Grade> read_grades(YamlReader& r, const YAML::Node& list, const std::string& what) {
  std::vector<Grade> out;
  if (!r.sequence(list, what)) return out;
  for (const auto& item : list) {
    if (!r.mapping(item, what + " entry", {"id", "label", "value"})) continue;
    auto id = r.string(item, "id", what + " entry", true);
    auto label = r.string(item, "label", what + " entry", false);
    auto value = r.integer(item, "value", what + " entry", true, 0, 100);
    if (!id || !value) continue;
    if (!out.empty() && *value <= out.back().value)
      r.error(item, what + " values must be listed in ascending order");
    out.push_back({*id, label.value_or(*id), static_cast<int>(*value)});
  }
  if (out.empty()) r.error(list, what + " must not be empty");
  return out;
}

void read_factors(YamlReader& r, const YAML::Node& list, Tables& t) {
  if (!r.sequence(list, "factors")) return;
  for (const auto& item : list) {
    if (!r.mapping(item, "factor", {"id", "label", "status", "levels"})) continue;
    Factor f;
    f.id = r.string(item, "id", "factor", true).value_or("");
    f.label = r.string(item, "label", "factor", false).value_or(f.id);
    f.status = r.string(item, "status", "factor", false).value_or("");
    YAML::Node levels = item["levels"];
    if (!r.sequence(levels, "factor '" + f.id + "' levels")) continue;
    bool seen_infeasible = false;
    for (const auto& lv : levels) {
      if (!r.mapping(lv, "factor level", {"id", "label", "value"})) continue;
      FactorLevel level;
      level.id = r.string(lv, "id", "factor level", true).value_or("");
      level.label = r.string(lv, "label", "factor level", false).value_or(level.id);
      if (lv["value"].IsDefined()) {
        auto v = r.integer(lv, "value", "factor level", true, 0, 1000);
        if (!v) continue;
        level.value = static_cast<int>(*v);
        if (seen_infeasible || (!f.levels.empty() && f.levels.back().value && *v <= *f.levels.back().value))
          r.error(lv, "factor '" + f.id + "' levels must ascend, with the not-practical level last");
      } else {
        seen_infeasible = true;
      }
      f.levels.push_back(level);
    }
    t.factors.push_back(std::move(f));
  }
  if (t.factors.size() != kFactorCount) {
    r.error(list, "the tables must define exactly the five TVRA factors", "time, expertise, knowledge, window, equipment");
    return;
  }
  for (int i = 0; i < kFactorCount; ++i) {
    if (t.factors[static_cast<size_t>(i)].id != kFactorIds[i])
      r.error(list[static_cast<size_t>(i)], "factor " + std::to_string(i + 1) + " must be '" + kFactorIds[i] + "'",
              "keep the order time, expertise, knowledge, window, equipment");
    if (t.factors[static_cast<size_t>(i)].levels.empty() || !t.factors[static_cast<size_t>(i)].levels.front().value)
      r.error(list[static_cast<size_t>(i)], "factor '" + std::string(kFactorIds[i]) + "' needs at least one feasible level");
  }
}

// The tables of `yaml`; `result.status` is left for the caller to set.
TablesResult read_tables(std::string_view yaml, const std::string& origin) {
  TablesResult result;
  auto root = parse_yaml(yaml, origin, result.errors);
  if (!root) return result;
  YamlReader r(origin, result.errors);
  if (!r.mapping(*root, "tables file", {"standard", "version", "title", "factors", "attack_potential", "likelihood", "impact", "risk"}))
    return result;
  Tables t;
  t.standard = r.string(*root, "standard", "tables file", true).value_or("");
  t.version = r.string(*root, "version", "tables file", true).value_or("");
  t.title = r.string(*root, "title", "tables file", false).value_or("");
  read_factors(r, (*root)["factors"], t);
  t.likelihood = read_grades(r, (*root)["likelihood"], "likelihood");

  YAML::Node ap = (*root)["attack_potential"];
  if (r.mapping(ap, "attack_potential", {"status", "classes"})) {
    t.attack_potential_status = r.string(ap, "status", "attack_potential", false).value_or("");
    YAML::Node classes = ap["classes"];
    if (r.sequence(classes, "attack_potential.classes")) {
      int expect_min = 0;
      bool open = false;
      for (const auto& c : classes) {
        if (!r.mapping(c, "attack-potential class", {"id", "label", "min", "max", "likelihood"})) continue;
        Band b;
        b.id = r.string(c, "id", "attack-potential class", true).value_or("");
        b.label = r.string(c, "label", "attack-potential class", false).value_or(b.id);
        b.min = static_cast<int>(r.integer(c, "min", "attack-potential class", true, 0, 1000).value_or(-1));
        if (c["max"].IsDefined()) b.max = static_cast<int>(r.integer(c, "max", "attack-potential class", true, 0, 1000).value_or(-1));
        auto lk = r.string(c, "likelihood", "attack-potential class", true).value_or("");
        b.likelihood = Tables::index_of(t.likelihood, lk);
        if (b.likelihood < 0)
          r.error(c["likelihood"], "unknown likelihood '" + lk + "'", "one of the ids under likelihood:");
        if (open || b.min != expect_min)
          r.error(c, "attack-potential classes must be contiguous from 0",
                  "this class should start at " + std::to_string(expect_min));
        if (b.max && *b.max < b.min) r.error(c, "max is below min");
        if (b.max) expect_min = *b.max + 1; else open = true;
        t.bands.push_back(b);
      }
      if (!open) r.error(classes, "the last attack-potential class must be open (no max)");
    }
  }

  YAML::Node impact = (*root)["impact"];
  if (r.mapping(impact, "impact", {"status", "cap", "asset", "intensity"})) {
    t.impact_status = r.string(impact, "status", "impact", false).value_or("");
    t.impact_cap = static_cast<int>(r.integer(impact, "cap", "impact", true, 1, 100).value_or(3));
    t.asset_impact = read_grades(r, impact["asset"], "impact.asset");
    t.intensity = read_grades(r, impact["intensity"], "impact.intensity");
    if (!t.asset_impact.empty() && t.asset_impact.back().value != t.impact_cap)
      r.error(impact["cap"], "impact cap must equal the highest asset impact value");
  }

  YAML::Node risk = (*root)["risk"];
  if (r.mapping(risk, "risk", {"status", "classes"})) {
    t.risk_status = r.string(risk, "status", "risk", false).value_or("");
    YAML::Node classes = risk["classes"];
    if (r.sequence(classes, "risk.classes")) {
      int expect_min = 1;
      for (const auto& c : classes) {
        if (!r.mapping(c, "risk class", {"id", "label", "min", "max"})) continue;
        RiskClass rc;
        rc.id = r.string(c, "id", "risk class", true).value_or("");
        rc.label = r.string(c, "label", "risk class", false).value_or(rc.id);
        rc.min = static_cast<int>(r.integer(c, "min", "risk class", true, 1, 1000).value_or(-1));
        rc.max = static_cast<int>(r.integer(c, "max", "risk class", true, 1, 1000).value_or(-1));
        if (rc.min != expect_min)
          r.error(c, "risk classes must be contiguous from 1", "this class should start at " + std::to_string(expect_min));
        if (rc.max < rc.min) r.error(c, "max is below min");
        expect_min = rc.max + 1;
        t.risk_classes.push_back(rc);
      }
      if (result.errors.empty() && !t.likelihood.empty() && expect_min - 1 != t.max_risk())
        r.error(classes, "risk classes must end at likelihood max x impact cap = " + std::to_string(t.max_risk()));
    }
  }
  if (result.errors.empty() && (t.bands.empty() || t.risk_classes.empty() || t.likelihood.empty()))
    r.error(*root, "tables file is incomplete", "it needs factors, attack_potential, likelihood, impact and risk");
  if (result.errors.empty()) result.tables = std::move(t);
  return result;
}

TablesResult with_status(TablesResult result, Code code) {
  if (!result.ok()) result.status = failed_load(code, result.errors);
  return result;
}

}  // namespace

TablesResult load_tables_string(std::string_view yaml, const std::string& origin) {
  return with_status(read_tables(yaml, origin), Code::kInvalid);
}

// The copy compiled in is ours, not the user's: a failure is a broken build.
TablesResult load_embedded_tables() {
  return with_status(read_tables(kTablesYaml, "<embedded ts102165-1.yaml>"), Code::kInternal);
}

TablesResult load_tables_file(const std::string& path) {
  auto text = read_input_file(path);
  if (!text.ok()) {
    TablesResult r;
    r.errors.push_back(unreadable(path, "file", text.status()));
    return with_status(std::move(r), text.code());
  }
  return load_tables_string(*text, path);
}

}  // namespace imsguard::tvra
