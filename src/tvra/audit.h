#pragma once
// `imsguard audit`: which TVRA countermeasures a configuration really enables (by the table in
// audit_rules.h, which credits only what runs), how reachable each interface is from its bind
// addresses, the residual risk that leaves, findings about the configuration itself, and what
// to switch on next, the step that clears the most critical risks first.
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "tvra/analysis.h"
#include "tvra/audit_rules.h"
#include "tvra/config_lines.h"
#include "tvra/model.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

// What the config says about one countermeasure, and why (the keys and values that decided it).
struct Decision {
  std::string countermeasure;
  bool enabled = false;
  std::string reason;
  std::vector<std::string> keys;
  std::string enforced_by;
};

// The decisions for every countermeasure the rules table knows, in its order.
std::vector<Decision> decide_countermeasures(const config::Config& config);

struct Recommendation {
  std::string countermeasure;
  std::string name;
  std::string config;       // how to enable it (from the model)
  std::string consequence;  // what users notice (from the model)
  int risk_removed = 0;     // residual total risk removed by this step
  int criticals_removed = 0;
  int residual_after = 0;   // residual total after this and every earlier step
  int criticals_after = 0;
};

// A finding placed at its line in the configuration text.
struct LocatedFinding {
  Finding finding;
  KeyLocation location;
};

// Where the configuration came from, for messages and SARIF locations.
struct ConfigSource {
  std::string origin;  // what the user named: a path, a URL, "<embedded default config>"
  std::string uri;     // what SARIF points at (relative path, URL, config/imsguard.yaml)
  std::string text;    // the YAML read (key lines come from it)
};

struct AuditResult {
  AuditResult() = default;
  AuditResult(AuditResult&&) = default;
  AuditResult& operator=(AuditResult&&) = default;
  AuditResult(const AuditResult&) = delete;  // `analysis` points into `model`

  ConfigSource config;
  Model model;                            // the model with exposure adjusted to the bind addresses
  std::vector<Decision> decisions;        // for countermeasures present in the model
  std::vector<std::string> not_in_model;  // ids the audit maps but the model does not define
  std::vector<std::string> from_model;    // model countermeasures the audit does not map: `applied` kept
  std::vector<InterfaceExposure> exposure;
  std::vector<ListenerView> listeners;
  std::vector<LocatedFinding> findings;
  Analysis analysis;                      // residual risk under exactly what the config enables
  std::vector<Recommendation> next;       // most critical risks cleared first
  bool critical_remains = false;
};

AuditResult audit(const config::Config& config, const ConfigSource& source, const Model& model, const Tables& tables);

// Greedy order of the countermeasures not in `applied` (skipping `never`): at each step the one
// that clears the most critical risks, then removes the most risk, then by id. Stops when none helps.
std::vector<Recommendation> recommend(const Model& model, const Tables& tables, std::set<std::string> applied,
                                      const std::set<std::string>& never = {});

// Where SARIF points for a threat: the first key of the first countermeasure addressing it
// that is off (what to change), else of one that is on; empty when none is mapped.
std::string key_for_threat(const AuditResult& result, const std::string& threat);

}  // namespace imsguard::tvra
