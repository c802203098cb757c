#pragma once
// `imsguard audit`: which TVRA countermeasures an imsguard configuration really enables, the
// residual risk that leaves, and what to switch on next. The mapping from config keys to the
// countermeasure ids of models/ims.yaml lives here and only here (docs/tvra.md lists it), so a
// config change that weakens a defence shows up as risk, not as a silently different number.
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "tvra/analysis.h"
#include "tvra/model.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

// What the config says about one countermeasure, and why (the keys and values that decided it).
struct Decision {
  std::string countermeasure;
  bool enabled = false;
  std::string reason;
};

// The decisions for every countermeasure id the audit knows, in a fixed order.
std::vector<Decision> decide_countermeasures(const config::Config& config);

struct Recommendation {
  std::string countermeasure;
  std::string name;
  std::string config;       // how to enable it (from the model)
  int risk_removed = 0;     // residual total risk removed by this step
  int criticals_removed = 0;
  int residual_after = 0;   // residual total after this and every earlier step
};

struct AuditResult {
  std::vector<Decision> decisions;        // from the config, for countermeasures present in the model
  std::vector<std::string> not_in_model;  // ids the audit maps but the model does not define
  std::vector<std::string> from_model;    // model countermeasures the audit does not map: `applied` kept
  Analysis analysis;                      // residual risk under exactly what the config enables
  std::vector<Recommendation> next;       // most risk removed first
  bool critical_remains = false;
};

AuditResult audit(const config::Config& config, const Model& model, const Tables& tables);

// Greedy order of the countermeasures not in `applied`: at each step the one that removes the
// most residual risk (ties: more critical risks removed, then id). Stops when none helps.
std::vector<Recommendation> recommend(const Model& model, const Tables& tables, std::set<std::string> applied);

std::string render_audit_text(const AuditResult& result, const Model& model, const Tables& tables,
                              const std::string& config_origin);
std::string render_audit_json(const AuditResult& result, const Model& model, const Tables& tables,
                              const std::string& config_origin);

}  // namespace imsguard::tvra
