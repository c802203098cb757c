#pragma once
// The ETSI TS 102 165-1 tables as data: factor values, attack-potential classes, likelihood,
// impact with intensity, risk classes. Loaded from data/tvra/ts102165-1.yaml (compiled into
// the binary) so that following a later version of the standard is a data change. Every
// lookup the engine does goes through here, which is what the boundary tests pin down.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tvra/diagnostic.h"

namespace imsguard::tvra {

// A level of one factor; `value` empty means "not practical" / "none": attack not feasible.
struct FactorLevel {
  std::string id;
  std::string label;
  std::optional<int> value;
};

struct Factor {
  std::string id;
  std::string label;
  std::string status;
  std::vector<FactorLevel> levels;  // ascending value; infeasible levels last
  int index_of(std::string_view level_id) const;  // -1 when unknown
  std::vector<std::string> level_ids() const;
};

struct Grade {  // a named value: likelihood, asset impact, intensity
  std::string id;
  std::string label;
  int value = 0;
};

struct Band {  // an attack-potential class
  std::string id;
  std::string label;
  int min = 0;
  std::optional<int> max;  // empty: open top band
  int likelihood = 0;      // index into Tables::likelihood
};

struct RiskClass {
  std::string id;
  std::string label;
  int min = 0;
  int max = 0;
};

// The fixed order of the five TVRA factors in every FactorLevels vector.
enum FactorId { kTime = 0, kExpertise = 1, kKnowledge = 2, kWindow = 3, kEquipment = 4, kFactorCount = 5 };
extern const char* const kFactorIds[kFactorCount];

// One chosen level index per factor, in FactorId order.
using FactorLevels = std::vector<int>;

struct Tables {
  std::string standard;
  std::string version;
  std::string title;
  std::vector<Factor> factors;  // exactly kFactorCount, in FactorId order
  std::string attack_potential_status;
  std::vector<Band> bands;
  std::vector<Grade> likelihood;  // ascending value
  std::string impact_status;
  int impact_cap = 3;
  std::vector<Grade> asset_impact;  // ascending value
  std::vector<Grade> intensity;     // ascending value
  std::string risk_status;
  std::vector<RiskClass> risk_classes;  // contiguous, ascending

  // Sum of the factor values; nullopt when any level is not practical (attack not feasible).
  std::optional<int> attack_potential(const FactorLevels& levels) const;
  // The class of an attack-potential sum (>= 0).
  const Band& band(int attack_potential) const;
  // impact = asset impact + intensity, capped; the value (not an index).
  int impact(int asset_impact_index, int intensity_index) const;
  // Risk class for a risk value in 1..max; nullptr for 0 (not feasible).
  const RiskClass* risk_class(int risk) const;
  // The asset-impact grade whose value is `value` (for naming a capped impact).
  const Grade* impact_grade(int value) const;
  const Grade* likelihood_grade(int value) const;
  int max_risk() const;

  static int index_of(const std::vector<Grade>& grades, std::string_view id);
};

// The tables, or why not: `status` carries the code a caller decides on (exit 2 or 1), and
// `errors` every problem with its line, so an analyst fixes them all in one pass (one Status
// would stop at the first).
struct TablesResult {
  std::optional<Tables> tables;
  Status status;       // ok exactly when `tables` is set
  Diagnostics errors;  // not ok: at least one, each with its file and line
  bool ok() const { return tables.has_value(); }
};

// The tables compiled into the binary (data/tvra/ts102165-1.yaml); kInternal if they do not load.
std::string_view embedded_tables_yaml();
TablesResult load_embedded_tables();
// kNotFound: no such file; kUnavailable: it cannot be read; kInvalid: its content.
TablesResult load_tables_file(const std::string& path);
// kInvalid with every error of the text.
TablesResult load_tables_string(std::string_view yaml, const std::string& origin);

}  // namespace imsguard::tvra
