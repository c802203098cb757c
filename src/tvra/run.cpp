#include "tvra/run.h"

#include <fstream>
#include <sstream>

namespace imsguard::tvra {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

Loaded load(const LoadOptions& o) {
  Loaded out;
  out.provenance.version = o.version;
  std::string text;
  std::string origin = o.tables_path.empty() ? "<embedded ts102165-1.yaml>" : o.tables_path;
  if (o.tables_path.empty()) text = std::string(embedded_tables_yaml());
  else if (!read_file(o.tables_path, text)) {
    out.errors.push_back({o.tables_path, 0, 0, "cannot read the tables file", "check the path"});
    return out;
  }
  TablesResult tables = load_tables_string(text, origin);
  if (!tables.ok()) {
    out.errors = std::move(tables.errors);
    return out;
  }
  out.provenance.add("tables", origin, text);
  out.tables = std::move(tables.tables);

  origin = o.model_path.empty() ? "<embedded ims.yaml>" : o.model_path;
  if (o.model_path.empty()) text = std::string(embedded_model_yaml());
  else if (!read_file(o.model_path, text)) {
    out.errors.push_back({o.model_path, 0, 0, "cannot read the model file", "check the path"});
    out.tables.reset();
    return out;
  }
  ModelResult model = load_model_string(text, origin, *out.tables);
  if (!model.ok()) {
    out.errors = std::move(model.errors);
    out.tables.reset();
    return out;
  }
  out.provenance.add("model", origin, text);
  out.model = std::move(model.model);

  if (!o.risks_path.empty()) {
    if (!read_file(o.risks_path, text)) {
      out.errors.push_back({o.risks_path, 0, 0, "cannot read the risk register", "check the path"});
      return out;
    }
    RiskRegisterResult risks = load_risks_string(text, o.risks_path, *out.model);
    if (!risks.ok()) {
      out.errors = std::move(risks.errors);
      return out;
    }
    out.provenance.add("risks", o.risks_path, text);
    out.risks = std::move(risks.risks);
  }
  return out;
}

std::optional<Format> parse_format(const std::string& name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "sarif") return Format::kSarif;
  if (name == "html") return Format::kHtml;
  return std::nullopt;
}

std::string render(Format format, const Model& model, const Tables& tables, const Analysis& analysis,
                   const ReportContext& ctx, const AuditResult* audit) {
  switch (format) {
    case Format::kText: return render_text(model, tables, analysis, ctx, audit);
    case Format::kJson: return render_json(model, tables, analysis, ctx, audit);
    case Format::kSarif: return render_sarif(model, tables, analysis, ctx, audit);
    case Format::kHtml: return render_html(model, tables, analysis, ctx, audit);
  }
  return {};
}

}  // namespace imsguard::tvra
