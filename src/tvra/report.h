#pragma once
// Renderings of an Analysis: a terminal table for people at a shell, JSON with a stable schema
// for scripts (documented in docs/tvra.md), SARIF 2.1.0 so code-scanning dashboards can show
// TVRA findings, and a self-contained HTML page with a heat map and an interface diagram.
// Every renderer is a pure function of (model, tables, analysis): same input, same bytes.
#include <string>

#include "tvra/analysis.h"
#include "tvra/model.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

// Identifies the schema of render_json's output; bumped only on incompatible changes.
inline constexpr const char* kJsonSchema = "imsguard.tvra/1";

std::string render_text(const Model& model, const Tables& tables, const Analysis& analysis);
std::string render_json(const Model& model, const Tables& tables, const Analysis& analysis);
std::string render_sarif(const Model& model, const Tables& tables, const Analysis& analysis);
// `context`, when not empty, is shown under the title (e.g. which config an audit read).
std::string render_html(const Model& model, const Tables& tables, const Analysis& analysis,
                        const std::string& context = {});

// Shared naming helpers.
std::string risk_label(const Tables& tables, const std::string& risk_class);  // "Critical", "None"
std::string file_basename(const std::string& path);

}  // namespace imsguard::tvra
