#pragma once
// The glue both `imsguard tvra` and `imsguard audit` use: load the tables and a model (a file or
// the embedded default), and render an analysis in the format asked for. Keeps the CLI files
// down to argument handling.
#include <optional>
#include <string>

#include "tvra/analysis.h"
#include "tvra/model.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

struct Loaded {
  std::optional<Tables> tables;
  std::optional<Model> model;
  Diagnostics errors;
  bool ok() const { return tables && model; }
};

// `tables_path` / `model_path` empty: the embedded copies.
Loaded load(const std::string& tables_path, const std::string& model_path);

enum class Format { kText, kJson, kSarif, kHtml };
std::optional<Format> parse_format(const std::string& name);
std::string render(Format format, const Model& model, const Tables& tables, const Analysis& analysis);

}  // namespace imsguard::tvra
