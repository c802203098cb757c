// The docs table generated from the schema (docs/configuration.md between its markers).
#include "config/schema.h"

#include <sstream>

namespace imsguard::config {

namespace {

// A cell of a GitHub table: '|' would end it, even inside a code span.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string code(std::string_view text) { return "`" + std::string(text.empty() ? "\"\"" : text) + "`"; }

std::string default_cell(const KeyDescriptor& k, const void* root) {
  if (!k.default_doc.empty()) return std::string(k.default_doc);
  if (k.kind == Kind::kStringList && k.optional && value_text(k, root).empty()) return "unset";
  return code(value_text(k, root));
}

std::string values_cell(const KeyDescriptor& k) {
  if (k.kind == Kind::kUint) return std::to_string(k.min) + " to " + std::to_string(k.max);
  if (k.kind == Kind::kBool) return "`true`, `false`";
  std::string out;
  for (auto v : k.values) out += (out.empty() ? "" : ", ") + code(v);
  if (k.kind == Kind::kStringList && !out.empty()) out = "list of " + out;
  return out;
}

void row(std::ostringstream& out, std::string_view path, const KeyDescriptor& k, const void* root) {
  out << "| " << cell(code(path)) << " | " << cell(default_cell(k, root)) << " | " << cell(values_cell(k)) << " | "
      << (k.reload == Reload::kApplied ? "SIGHUP" : "restart") << " | " << cell(k.doc) << " |\n";
}

}  // namespace

std::string schema_markdown() {
  std::ostringstream out;
  out << "| key | default | values | reload | meaning |\n|---|---|---|---|---|\n";
  const Config defaults;
  for (const auto& k : schema()) {
    row(out, k.path, k, &defaults);
    if (k.kind != Kind::kList) continue;
    for (const auto& item : k.list->items)
      row(out, std::string(k.path) + "[]." + std::string(item.path), item, k.list->prototype());
  }
  return out.str();
}

}  // namespace imsguard::config
