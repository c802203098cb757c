#pragma once
// The glue both `imsguard tvra` and `imsguard audit` use: load the tables, a model (a file or
// the embedded default) and a risk register, hash every input for the report's provenance,
// evaluate the gate and render in the format asked for. Keeps the CLI files down to argument
// handling.
#include <optional>
#include <string>

#include "tvra/analysis.h"
#include "tvra/model.h"
#include "tvra/provenance.h"
#include "tvra/report.h"
#include "tvra/risks.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

struct LoadOptions {
  std::string tables_path;  // empty: the embedded tables
  std::string model_path;   // empty: the embedded model
  std::string risks_path;   // empty: no risk register
  std::string version = "unknown";
};

struct Loaded {
  std::optional<Tables> tables;
  std::optional<Model> model;
  std::optional<RiskRegister> risks;
  Provenance provenance;
  Diagnostics errors;
  bool ok() const { return tables && model && errors.empty(); }
};

Loaded load(const LoadOptions& options);

// Reads a whole file; false when it cannot be read.
bool read_file(const std::string& path, std::string& out);

enum class Format { kText, kJson, kSarif, kHtml };
std::optional<Format> parse_format(const std::string& name);
std::string render(Format format, const Model& model, const Tables& tables, const Analysis& analysis,
                   const ReportContext& ctx, const AuditResult* audit = nullptr);

}  // namespace imsguard::tvra
