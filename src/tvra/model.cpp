#include "tvra/model.h"

#include <algorithm>
#include <set>

#include "tvra/input_file.h"
#include "tvra/yaml_reader.h"

namespace imsguard::tvra {

extern const std::string_view kDefaultModelYaml;

std::string_view exposure_name(Exposure e) {
  switch (e) {
    case Exposure::kPublic: return "public";
    case Exposure::kFiltered: return "filtered";
    case Exposure::kPrivate: return "private";
  }
  return "public";
}

std::optional<int> Asset::impact_of(std::string_view objective) const {
  for (const auto& [o, i] : impact)
    if (o == objective) return i;
  return std::nullopt;
}

namespace {
template <typename T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
  for (const auto& item : items)
    if (item.id == id) return &item;
  return nullptr;
}
}  // namespace

const Component* Model::component(std::string_view id) const { return find_by_id(components, id); }
const Interface* Model::interface(std::string_view id) const { return find_by_id(interfaces, id); }
const Asset* Model::asset(std::string_view id) const { return find_by_id(assets, id); }
const Threat* Model::threat(std::string_view id) const { return find_by_id(threats, id); }
const Countermeasure* Model::countermeasure(std::string_view id) const { return find_by_id(countermeasures, id); }

const std::vector<std::string>& threat_families() {
  static const std::vector<std::string> f{"interception", "manipulation", "masquerade", "forgery",
                                          "unauthorised_access", "corruption", "repudiation", "denial_of_service"};
  return f;
}

const std::vector<std::string>& security_objectives() {
  static const std::vector<std::string> o{"confidentiality", "integrity", "availability",
                                          "authenticity", "accountability", "authorisation"};
  return o;
}

std::string_view tvra_family(std::string_view family) {
  if (family == "interception" || family == "repudiation" || family == "denial_of_service") return family;
  return "manipulation";
}

namespace {

std::string default_stride(std::string_view family) {
  if (family == "interception") return "I";
  if (family == "masquerade") return "S";
  if (family == "unauthorised_access") return "E";
  if (family == "repudiation") return "R";
  if (family == "denial_of_service") return "D";
  return "T";  // manipulation, forgery, corruption
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Builds a Model from the YAML tree in two passes: first every entity on its own, then the
// references between them, so an error list names every broken link at once.
class ModelReader {
 public:
  ModelReader(const std::string& origin, const Tables& tables, Diagnostics& errors)
      : r_(origin, errors), t_(tables), errors_(errors) {}

  std::optional<Model> read(const YAML::Node& root) {
    if (!r_.mapping(root, "model", {"tvra_model", "name", "description", "exposure", "components", "interfaces",
                                    "assets", "threats", "countermeasures"}))
      return std::nullopt;
    root_ = root;
    auto version = r_.integer(root, "tvra_model", "model", true, 1, 1000);
    if (version && *version != 1) r_.error(root["tvra_model"], "unsupported model format version " + std::to_string(*version), "this imsguard reads tvra_model: 1");
    m_.name = r_.string(root, "name", "model", true).value_or("");
    m_.description = r_.string(root, "description", "model", false).value_or("");
    m_.origin = r_.file();
    read_exposure(root["exposure"]);
    read_list(root["components"], "components", true, [this](const YAML::Node& n) { read_component(n); });
    read_list(root["interfaces"], "interfaces", true, [this](const YAML::Node& n) { read_interface(n); });
    read_list(root["assets"], "assets", true, [this](const YAML::Node& n) { read_asset(n); });
    read_list(root["threats"], "threats", true, [this](const YAML::Node& n) { read_threat(n); });
    read_list(root["countermeasures"], "countermeasures", false, [this](const YAML::Node& n) { read_countermeasure(n); });
    m_.exposure_defaults.assign(std::begin(exposure_), std::end(exposure_));
    if (!errors_.empty()) return std::nullopt;
    return std::move(m_);
  }

 private:
  template <typename F>
  void read_list(const YAML::Node& list, const std::string& what, bool required, F each) {
    if (!list.IsDefined() || list.IsNull()) {
      if (required) r_.error(list.IsDefined() ? list : root_, "the model has no '" + what + "'", "add a '" + what + ":' list");
      return;
    }
    if (!r_.sequence(list, what)) return;
    for (const auto& item : list) each(item);
  }

  bool unique(std::set<std::string>& seen, const std::string& id, const YAML::Node& at, const std::string& what) {
    if (id.empty()) return false;
    if (!seen.insert(id).second) {
      r_.error(at, "duplicate " + what + " id '" + id + "'", "ids must be unique within " + what + "s");
      return false;
    }
    return true;
  }

  // A factor value: a level id, or a number equal to one level's value.
  std::optional<int> factor_level(int f, const YAML::Node& v, const std::string& owner) {
    const Factor& factor = t_.factors[static_cast<size_t>(f)];
    if (!v.IsScalar()) {
      r_.error(v, owner + ": factor '" + factor.id + "' must be a level name");
      return std::nullopt;
    }
    const std::string& text = v.Scalar();
    int idx = factor.index_of(text);
    if (idx >= 0) return idx;
    char* end = nullptr;
    long number = std::strtol(text.c_str(), &end, 10);
    std::string levels;
    for (const auto& l : factor.levels)
      levels += (levels.empty() ? "" : ", ") + l.id + (l.value ? "=" + std::to_string(*l.value) : "");
    if (!text.empty() && *end == '\0') {
      for (size_t i = 0; i < factor.levels.size(); ++i)
        if (factor.levels[i].value && *factor.levels[i].value == number) return static_cast<int>(i);
      r_.error(v, owner + ": value " + text + " is out of range for factor '" + factor.id + "'",
               "the table's values are " + levels);
      return std::nullopt;
    }
    r_.error(v, owner + ": '" + text + "' is not a level of factor '" + factor.id + "'", "use one of " + levels);
    return std::nullopt;
  }

  // factors: { time: ..., ... } -> one optional level per factor.
  std::vector<std::optional<int>> read_factor_map(const YAML::Node& n, const std::string& owner) {
    std::vector<std::optional<int>> out(kFactorCount);
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!r_.mapping(n, owner + " factors", {kFactorIds[0], kFactorIds[1], kFactorIds[2], kFactorIds[3], kFactorIds[4]}))
      return out;
    for (int f = 0; f < kFactorCount; ++f) {
      YAML::Node v = n[kFactorIds[f]];
      if (v.IsDefined() && !v.IsNull()) out[static_cast<size_t>(f)] = factor_level(f, v, owner);
    }
    return out;
  }

  std::optional<int> grade(const YAML::Node& v, const std::vector<Grade>& grades, const std::string& what,
                           const std::string& owner) {
    if (!v.IsScalar()) {
      r_.error(v, owner + ": " + what + " must be a level name");
      return std::nullopt;
    }
    int idx = Tables::index_of(grades, v.Scalar());
    if (idx < 0) {
      std::vector<std::string> ids;
      for (const auto& g : grades) ids.push_back(g.id);
      r_.error(v, owner + ": '" + v.Scalar() + "' is not a " + what + " level", "use one of " + join_ids(ids));
      return std::nullopt;
    }
    return idx;
  }

  void read_exposure(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!r_.mapping(n, "exposure", {"public", "filtered", "private"})) return;
    for (auto e : {Exposure::kPublic, Exposure::kFiltered, Exposure::kPrivate}) {
      std::string name(exposure_name(e));
      exposure_[static_cast<int>(e)] = read_factor_map(n[name], "exposure '" + name + "'");
    }
  }

  void read_component(const YAML::Node& n) {
    if (!r_.mapping(n, "component", {"id", "name", "kind", "zone", "description"})) return;
    Component c;
    c.id = r_.string(n, "id", "component", true).value_or("");
    c.name = r_.string(n, "name", "component '" + c.id + "'", false).value_or(c.id);
    c.kind = r_.string(n, "kind", "component '" + c.id + "'", false).value_or("");
    c.zone = r_.string(n, "zone", "component '" + c.id + "'", false).value_or("core");
    c.line = YamlReader::line_of(n);
    if (unique(component_ids_, c.id, n["id"], "component")) m_.components.push_back(c);
  }

  void read_interface(const YAML::Node& n) {
    if (!r_.mapping(n, "interface", {"id", "name", "between", "protocols", "exposure", "description"})) return;
    Interface i;
    i.id = r_.string(n, "id", "interface", true).value_or("");
    std::string what = "interface '" + i.id + "'";
    i.name = r_.string(n, "name", what, false).value_or(i.id);
    i.description = r_.string(n, "description", what, false).value_or("");
    i.protocols = r_.strings(n, "protocols", what, false);
    i.line = YamlReader::line_of(n);
    auto between = r_.strings(n, "between", what, true);
    if (n["between"].IsDefined() && between.size() != 2)
      r_.error(n["between"], what + ": 'between' must name exactly two components", "between: [client, edge]");
    for (size_t k = 0; k < between.size() && k < 2; ++k) {
      if (!m_.component(between[k]))
        r_.error(n["between"], what + " refers to unknown component '" + between[k] + "'",
                 "known components: " + ids(m_.components));
      (k == 0 ? i.a : i.b) = between[k];
    }
    auto exposure = r_.string(n, "exposure", what, true);
    if (exposure) {
      if (*exposure == "public") i.exposure = Exposure::kPublic;
      else if (*exposure == "filtered") i.exposure = Exposure::kFiltered;
      else if (*exposure == "private") i.exposure = Exposure::kPrivate;
      else r_.error(n["exposure"], what + ": unknown exposure '" + *exposure + "'", "use public, filtered or private");
    }
    if (unique(interface_ids_, i.id, n["id"], "interface")) m_.interfaces.push_back(i);
  }

  void read_asset(const YAML::Node& n) {
    if (!r_.mapping(n, "asset", {"id", "name", "component", "impact", "description"})) return;
    Asset a;
    a.id = r_.string(n, "id", "asset", true).value_or("");
    std::string what = "asset '" + a.id + "'";
    a.name = r_.string(n, "name", what, false).value_or(a.id);
    a.component = r_.string(n, "component", what, false).value_or("");
    a.line = YamlReader::line_of(n);
    if (!a.component.empty() && !m_.component(a.component))
      r_.error(n["component"], what + " refers to unknown component '" + a.component + "'",
               "known components: " + ids(m_.components));
    YAML::Node impact = n["impact"];
    if (!impact.IsDefined()) {
      r_.error(n, what + " is missing 'impact'", "impact: { confidentiality: high, availability: medium }");
    } else if (!impact.IsMap() || impact.size() == 0) {
      r_.error(impact, what + ": 'impact' must map security objectives to low, medium or high");
    } else {
      for (const auto& kv : impact) {
        std::string objective = kv.first.IsScalar() ? kv.first.Scalar() : "";
        if (!contains(security_objectives(), objective)) {
          r_.error(kv.first, what + ": unknown security objective '" + objective + "'",
                   "use " + join_ids(security_objectives()));
          continue;
        }
        auto g = grade(kv.second, t_.asset_impact, "asset impact", what);
        if (g) a.impact.emplace_back(objective, *g);
      }
    }
    if (unique(asset_ids_, a.id, n["id"], "asset")) m_.assets.push_back(a);
  }

  void read_threat(const YAML::Node& n) {
    if (!r_.mapping(n, "threat", {"id", "name", "family", "stride", "interface", "asset", "objective", "factors",
                                  "intensity", "reason", "description"}))
      return;
    Threat t;
    t.id = r_.string(n, "id", "threat", true).value_or("");
    std::string what = "threat '" + t.id + "'";
    t.line = YamlReader::line_of(n);
    t.name = r_.string(n, "name", what, true).value_or("");
    t.description = r_.string(n, "description", what, false).value_or("");
    t.reason = r_.string(n, "reason", what, false).value_or("");
    t.family = r_.string(n, "family", what, true).value_or("");
    if (!t.family.empty() && !contains(threat_families(), t.family))
      r_.error(n["family"], what + ": unknown threat family '" + t.family + "'", "use " + join_ids(threat_families()));
    t.stride = r_.string(n, "stride", what, false).value_or(default_stride(t.family));
    if (t.stride.size() != 1 || std::string("STRIDE").find(t.stride) == std::string::npos)
      r_.error(n["stride"], what + ": stride must be one letter of S, T, R, I, D, E");
    t.interface = r_.string(n, "interface", what, false).value_or("");
    const Interface* itf = nullptr;
    if (!t.interface.empty()) {
      itf = m_.interface(t.interface);
      if (!itf) r_.error(n["interface"], what + " refers to unknown interface '" + t.interface + "'",
                         "known interfaces: " + ids(m_.interfaces));
    }
    t.asset = r_.string(n, "asset", what, true).value_or("");
    t.objective = r_.string(n, "objective", what, true).value_or("");
    const Asset* asset = t.asset.empty() ? nullptr : m_.asset(t.asset);
    if (!t.asset.empty() && !asset)
      r_.error(n["asset"], what + " refers to unknown asset '" + t.asset + "'", "known assets: " + ids(m_.assets));
    if (asset && !t.objective.empty() && !asset->impact_of(t.objective)) {
      std::vector<std::string> objectives;
      for (const auto& [o, _] : asset->impact) objectives.push_back(o);
      r_.error(n["objective"], what + ": asset '" + t.asset + "' has no impact for objective '" + t.objective + "'",
               "the asset lists " + join_ids(objectives) + "; add the objective to its impact or pick one of those");
    }
    auto intensity = r_.string(n, "intensity", what, false);
    t.intensity = 0;
    if (intensity) t.intensity = grade(n["intensity"], t_.intensity, "intensity", what).value_or(0);

    auto given = read_factor_map(n["factors"], what);
    t.factors.assign(kFactorCount, 0);
    t.factor_from_exposure.assign(kFactorCount, false);
    t.factor_origin.assign(kFactorCount, "threat");
    for (int f = 0; f < kFactorCount; ++f) {
      auto level = given[static_cast<size_t>(f)];
      if (!level && itf) {
        level = exposure_[static_cast<int>(itf->exposure)][static_cast<size_t>(f)];
        t.factor_from_exposure[static_cast<size_t>(f)] = level.has_value();
        if (level) t.factor_origin[static_cast<size_t>(f)] = "exposure " + std::string(exposure_name(itf->exposure));
      }
      YAML::Node factors = n["factors"];
      bool malformed = factors.IsDefined() && factors[kFactorIds[f]].IsDefined();  // already reported
      if (!level && !malformed) {
        std::string source = itf ? "interface '" + itf->id + "' (exposure " + std::string(exposure_name(itf->exposure)) +
                                       ") sets no default for it"
                                 : "the threat has no interface to take a default from";
        r_.error(factors.IsDefined() ? factors : n, what + " is missing factor '" + kFactorIds[f] + "'",
                 "add factors: { " + std::string(kFactorIds[f]) + ": <one of " +
                     join_ids(t_.factors[static_cast<size_t>(f)].level_ids()) + "> }; " + source);
        continue;
      }
      if (level) t.factors[static_cast<size_t>(f)] = *level;
    }
    if (unique(threat_ids_, t.id, n["id"], "threat")) m_.threats.push_back(t);
  }

  void read_countermeasure(const YAML::Node& n) {
    if (!r_.mapping(n, "countermeasure", {"id", "name", "addresses", "factors", "impact", "intensity", "applied",
                                          "config", "description", "consequence"}))
      return;
    Countermeasure c;
    c.id = r_.string(n, "id", "countermeasure", true).value_or("");
    std::string what = "countermeasure '" + c.id + "'";
    c.line = YamlReader::line_of(n);
    c.name = r_.string(n, "name", what, true).value_or("");
    c.description = r_.string(n, "description", what, false).value_or("");
    c.config = r_.string(n, "config", what, false).value_or("");
    c.consequence = r_.string(n, "consequence", what, false).value_or("");
    c.applied = r_.boolean(n, "applied", what, false).value_or(true);
    c.addresses = r_.strings(n, "addresses", what, true);
    for (const auto& tid : c.addresses)
      if (!m_.threat(tid))
        r_.error(n["addresses"], what + " addresses unknown threat '" + tid + "'", "known threats: " + ids(m_.threats));
    c.factors = read_factor_map(n["factors"], what);
    if (n["impact"].IsDefined()) c.asset_impact = grade(n["impact"], t_.asset_impact, "asset impact", what);
    if (n["intensity"].IsDefined()) c.intensity = grade(n["intensity"], t_.intensity, "intensity", what);
    bool effect = c.asset_impact || c.intensity ||
                  std::any_of(c.factors.begin(), c.factors.end(), [](const auto& f) { return f.has_value(); });
    if (!effect && !n["factors"].IsDefined() && !n["impact"].IsDefined() && !n["intensity"].IsDefined())
      r_.error(n, what + " changes nothing", "give it factors: {...}, impact: or intensity:");
    if (unique(cm_ids_, c.id, n["id"], "countermeasure")) m_.countermeasures.push_back(c);
  }

  template <typename T>
  static std::string ids(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.id);
    return out.empty() ? std::string("(none)") : join_ids(out);
  }

  YamlReader r_;
  YAML::Node root_;
  const Tables& t_;
  Diagnostics& errors_;
  Model m_;
  std::vector<std::optional<int>> exposure_[3] = {std::vector<std::optional<int>>(kFactorCount),
                                                  std::vector<std::optional<int>>(kFactorCount),
                                                  std::vector<std::optional<int>>(kFactorCount)};
  std::set<std::string> component_ids_, interface_ids_, asset_ids_, threat_ids_, cm_ids_;
};

}  // namespace

std::string_view embedded_model_yaml() { return kDefaultModelYaml; }

ModelResult load_model_string(std::string_view yaml, const std::string& origin, const Tables& tables) {
  ModelResult result;
  auto root = parse_yaml(yaml, origin, result.errors);
  try {
    if (root) {
      ModelReader reader(origin, tables, result.errors);
      result.model = reader.read(*root);
    }
  } catch (const YAML::Exception& e) {  // defensive: the reader avoids throwing conversions
    result.model.reset();
    result.errors.push_back({origin, e.mark.line >= 0 ? e.mark.line + 1 : 0, 0, "unreadable model: " + e.msg, ""});
  }
  if (!result.errors.empty()) result.model.reset();
  if (!result.ok()) result.status = failed_load(Code::kInvalid, result.errors);
  return result;
}

ModelResult load_embedded_model(const Tables& tables) {
  return load_model_string(kDefaultModelYaml, "<embedded ims.yaml>", tables);
}

ModelResult load_model_file(const std::string& path, const Tables& tables) {
  auto text = read_input_file(path);
  if (!text.ok()) {
    ModelResult r;
    r.errors.push_back(unreadable(path, "model file", text.status()));
    r.status = failed_load(text.code(), r.errors);
    return r;
  }
  return load_model_string(*text, path, tables);
}

}  // namespace imsguard::tvra
