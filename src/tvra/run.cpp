#include "tvra/run.h"

#include "tvra/report.h"

namespace imsguard::tvra {

Loaded load(const std::string& tables_path, const std::string& model_path) {
  Loaded out;
  TablesResult tables = tables_path.empty() ? load_embedded_tables() : load_tables_file(tables_path);
  if (!tables.ok()) {
    out.errors = std::move(tables.errors);
    return out;
  }
  out.tables = std::move(tables.tables);
  ModelResult model = model_path.empty() ? load_embedded_model(*out.tables) : load_model_file(model_path, *out.tables);
  if (!model.ok()) {
    out.errors = std::move(model.errors);
    out.tables.reset();
    return out;
  }
  out.model = std::move(model.model);
  return out;
}

std::optional<Format> parse_format(const std::string& name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "sarif") return Format::kSarif;
  if (name == "html") return Format::kHtml;
  return std::nullopt;
}

std::string render(Format format, const Model& model, const Tables& tables, const Analysis& analysis) {
  switch (format) {
    case Format::kText: return render_text(model, tables, analysis);
    case Format::kJson: return render_json(model, tables, analysis);
    case Format::kSarif: return render_sarif(model, tables, analysis);
    case Format::kHtml: return render_html(model, tables, analysis);
  }
  return {};
}

}  // namespace imsguard::tvra
