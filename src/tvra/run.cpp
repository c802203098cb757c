#include "tvra/run.h"

#include "tvra/input_file.h"

namespace imsguard::tvra {

namespace {

// Ends the load: nothing half-loaded is returned.
Loaded& fail(Loaded& out, Code code, Diagnostics errors) {
  out.tables.reset();
  out.model.reset();
  out.risks.reset();
  out.errors = std::move(errors);
  out.status = failed_load(code, out.errors);
  return out;
}

// The text of an input: the file at `path`, or `embedded` when no path is given. False (and
// `out` failed with the read's code) when the file cannot be read.
bool input_text(Loaded& out, const std::string& path, std::string_view embedded, std::string_view what,
                std::string& text) {
  if (path.empty()) {
    text = std::string(embedded);
    return true;
  }
  auto read = read_input_file(path);
  if (!read.ok()) {
    fail(out, read.code(), {unreadable(path, what, read.status())});
    return false;
  }
  text = std::move(read).value();
  return true;
}

}  // namespace

Loaded load(const LoadOptions& o) {
  Loaded out;
  out.provenance.version = o.version;
  std::string text;
  std::string origin = o.tables_path.empty() ? "<embedded ts102165-1.yaml>" : o.tables_path;
  if (!input_text(out, o.tables_path, embedded_tables_yaml(), "tables file", text)) return out;
  TablesResult tables = load_tables_string(text, origin);
  // The embedded tables failing is a broken build, not the user's input.
  if (!tables.ok()) return fail(out, o.tables_path.empty() ? Code::kInternal : Code::kInvalid, std::move(tables.errors));
  out.provenance.add("tables", origin, text);
  out.tables = std::move(tables.tables);

  origin = o.model_path.empty() ? "<embedded ims.yaml>" : o.model_path;
  if (!input_text(out, o.model_path, embedded_model_yaml(), "model file", text)) return out;
  ModelResult model = load_model_string(text, origin, *out.tables);
  if (!model.ok()) {
    // The embedded model fails only against the user's tables, unless the build is broken.
    bool ours = o.model_path.empty() && o.tables_path.empty();
    return fail(out, ours ? Code::kInternal : Code::kInvalid, std::move(model.errors));
  }
  out.provenance.add("model", origin, text);
  out.model = std::move(model.model);

  if (!o.risks_path.empty()) {
    if (!input_text(out, o.risks_path, {}, "risk register", text)) return out;
    RiskRegisterResult risks = load_risks_string(text, o.risks_path, *out.model);
    if (!risks.ok()) return fail(out, Code::kInvalid, std::move(risks.errors));
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
