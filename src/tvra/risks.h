#pragma once
// The risk register: decisions an architect took about threats the countermeasures leave
// (accepted, transferred, mitigated elsewhere), each with a justification, an owner, a ticket
// and an expiry date. It lives beside the model as YAML so that the decision is reviewed like
// code, and the gate honours it only while it is valid: an expired decision fails the gate.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tvra/analysis.h"
#include "tvra/diagnostic.h"
#include "tvra/model.h"

namespace imsguard::tvra {

struct RiskDecision {
  std::string threat;
  std::string decision;  // accepted | transferred | mitigated_elsewhere
  std::string justification, owner, ticket;
  std::string expires;   // YYYY-MM-DD, valid through that day
  int line = 0;
  bool expired(std::string_view today) const { return expires < today; }
};

struct RiskRegister {
  std::string origin;  // file it came from
  std::vector<RiskDecision> decisions;
  const RiskDecision* find(std::string_view threat) const;
};

const std::vector<std::string>& risk_decision_kinds();

// The register, or why not: `status` carries the code, `errors` every problem with its line
// (as TablesResult).
struct RiskRegisterResult {
  std::optional<RiskRegister> risks;
  Status status;       // ok exactly when `risks` is set
  Diagnostics errors;  // not ok: at least one, each with its file and line
  bool ok() const { return risks.has_value(); }
};

// Every threat id must exist in `model`; every field is required. kInvalid with every error.
RiskRegisterResult load_risks_string(std::string_view yaml, const std::string& origin, const Model& model);
// kNotFound: no such file; kUnavailable: it cannot be read; kInvalid: its content.
RiskRegisterResult load_risks_file(const std::string& path, const Model& model);

// Today's date (UTC) as YYYY-MM-DD.
std::string utc_today();
// True when `date` is a real calendar date written YYYY-MM-DD.
bool valid_date(std::string_view date);

// The gate's verdict: a critical residual risk blocks unless a valid decision covers it; an
// expired decision blocks whatever the risk of its threat, because the register is out of date.
struct Gate {
  bool pass = true;
  std::vector<std::string> blocking;  // critical residual threats without a valid decision
  std::vector<std::string> covered;   // critical residual threats covered by a valid decision
  std::vector<std::string> expired;   // threats whose decision expired
  std::string today;
};

Gate evaluate_gate(const Analysis& analysis, const RiskRegister* risks, const std::string& today);

}  // namespace imsguard::tvra
