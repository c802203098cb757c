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

// Every input, or why not: `status` says whose fault (the CLI exits with
// cli::exit_status_for(code): 2 for the user's files, 1 for the system), `errors` where.
struct Loaded {
  std::optional<Tables> tables;
  std::optional<Model> model;
  std::optional<RiskRegister> risks;
  Provenance provenance;
  Status status;       // kNotFound / kUnavailable: an input could not be read; kInvalid: a
                       // user's file is wrong; kInternal: the embedded tables or model are broken
  Diagnostics errors;  // not ok: each error with its file and line
  bool ok() const { return status.ok() && tables && model; }
};

Loaded load(const LoadOptions& options);

enum class Format { kText, kJson, kSarif, kHtml };
std::optional<Format> parse_format(const std::string& name);
std::string render(Format format, const Model& model, const Tables& tables, const Analysis& analysis,
                   const ReportContext& ctx, const AuditResult* audit = nullptr);

}  // namespace imsguard::tvra
