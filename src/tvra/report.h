#pragma once
// Renderings of an Analysis: a terminal table for people at a shell, JSON with a stable schema
// for scripts (documented in docs/tvra.md), SARIF 2.1.0 so code-scanning dashboards can show
// TVRA findings, and a self-contained HTML page with a heat map and an interface diagram.
// Every renderer is a pure function of its inputs: same input, same bytes. Each shows where
// its numbers came from (ReportContext): tool version, input hashes, unconfirmed table values,
// the risk register and the gate's verdict.
#include <string>

#include "tvra/analysis.h"
#include "tvra/model.h"
#include "tvra/provenance.h"
#include "tvra/risks.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

struct AuditResult;

// Identifies the schema of render_json's output; bumped only on incompatible changes.
inline constexpr const char* kJsonSchema = "imsguard.tvra/2";

struct ReportContext {
  Provenance provenance;
  const RiskRegister* risks = nullptr;  // may be null: no register supplied
  Gate gate;
};

// `audit`, when given, adds the audit sections; `model` and `analysis` are then the audit's.
std::string render_text(const Model& model, const Tables& tables, const Analysis& analysis, const ReportContext& ctx,
                        const AuditResult* audit = nullptr);
std::string render_json(const Model& model, const Tables& tables, const Analysis& analysis, const ReportContext& ctx,
                        const AuditResult* audit = nullptr);
std::string render_sarif(const Model& model, const Tables& tables, const Analysis& analysis, const ReportContext& ctx,
                         const AuditResult* audit = nullptr);
std::string render_html(const Model& model, const Tables& tables, const Analysis& analysis, const ReportContext& ctx,
                        const AuditResult* audit = nullptr);

// Shared naming helpers.
std::string risk_label(const Tables& tables, const std::string& risk_class);  // "Critical", "None"
std::string file_basename(const std::string& path);
// Why a factor has its level: the threat's reason, the exposure default, a bind address or a
// countermeasure.
std::string factor_reason(const Model& model, const Threat& threat, const std::string& origin);

}  // namespace imsguard::tvra
