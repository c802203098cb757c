#pragma once
// The audit's own sections, shared by the text renderer (head and tail around the analysis)
// and kept apart from it so each file stays one concept.
#include <string>

#include "tvra/audit.h"
#include "tvra/report.h"

namespace imsguard::tvra {

// The verdict with its reasons, exposure from bind addresses, listeners, what the
// configuration enables and why, switches not credited, and findings.
std::string audit_text_head(const AuditResult& audit, const Tables& tables, const ReportContext& ctx);
// The next steps, most critical risks cleared first, with what users notice.
std::string audit_text_next(const AuditResult& audit);
// One line per reason the gate fails ("IC-TAMPER: critical residual risk 6, no valid decision").
std::vector<std::string> gate_reasons(const Analysis& analysis, const ReportContext& ctx);

}  // namespace imsguard::tvra
