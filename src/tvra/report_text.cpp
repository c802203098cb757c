#include <algorithm>
#include <sstream>

#include "tvra/report.h"

namespace imsguard::tvra {

namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string cell(const Tables& t, const Score& s) {
  std::string ap = s.attack_potential ? std::to_string(*s.attack_potential) : "-";
  return pad(ap, 3) + " " + pad(s.ap_class, 14) + " " + std::to_string(s.likelihood) + "x" + std::to_string(s.impact) +
         "=" + std::to_string(s.risk) + " " + risk_label(t, s.risk_class);
}

std::string rollup(const Tables& t, int max, const std::string& cls, int total) {
  return std::to_string(max) + " " + risk_label(t, cls) + " / " + std::to_string(total);
}

}  // namespace

std::string render_text(const Model& model, const Tables& t, const Analysis& a) {
  std::ostringstream out;
  out << "TVRA of \"" << model.name << "\" (" << t.standard << " " << t.version << ")\n";
  out << a.threats.size() << " threats, " << a.applied.size() << " of " << model.countermeasures.size()
      << " countermeasures applied. Threats per risk class, before -> after countermeasures:\n  ";
  for (const auto& c : t.risk_classes)
    out << c.label << " " << a.count_inherent(c.id) << " -> " << a.count_residual(c.id) << ", ";
  out << "None " << a.count_inherent("none") << " -> " << a.count_residual("none") << "; total risk " << a.inherent_total
      << " -> " << a.residual_total << "\n\n";

  size_t idw = 4, ifw = 9;
  for (const auto& tr : a.threats) {
    idw = std::max(idw, tr.threat->id.size());
    ifw = std::max(ifw, tr.threat->interface.size());
  }
  out << "THREATS BY RESIDUAL RISK (AP = attack potential; risk = likelihood x impact)\n";
  out << pad("ID", idw + 2) << pad("INTERFACE", ifw + 2) << "S  " << pad("INHERENT", 36) << pad("RESIDUAL", 36)
      << "THREAT\n";
  for (const auto& tr : a.threats) {
    const Threat& th = *tr.threat;
    out << pad(th.id, idw + 2) << pad(th.interface.empty() ? "-" : th.interface, ifw + 2) << th.stride << "  "
        << pad(cell(t, tr.inherent), 36) << pad(cell(t, tr.residual), 36) << th.name << "\n";
  }

  out << "\nINTERFACE RANKING (by risk before countermeasures; max / total over its threats)\n";
  out << pad("#", 4) << pad("INTERFACE", ifw + 2) << pad("EXPOSURE", 10) << pad("THREATS", 9) << pad("INHERENT", 20)
      << pad("RESIDUAL", 20) << "BETWEEN\n";
  for (const auto& ir : a.interfaces) {
    const Interface& i = *ir.interface;
    out << pad(std::to_string(ir.rank), 4) << pad(i.id, ifw + 2) << pad(std::string(exposure_name(i.exposure)), 10)
        << pad(std::to_string(ir.risk.threats), 9)
        << pad(rollup(t, ir.risk.inherent_max, ir.risk.inherent_class, ir.risk.inherent_total), 20)
        << pad(rollup(t, ir.risk.residual_max, ir.risk.residual_class, ir.risk.residual_total), 20) << i.a << " <-> "
        << i.b << "\n";
  }
  auto critical = a.interfaces_with_inherent("critical");
  out << "\nCritical interfaces (before countermeasures): ";
  if (critical.empty()) out << "none";
  for (size_t k = 0; k < critical.size(); ++k) out << (k ? ", " : "") << critical[k];
  out << "\n";
  std::vector<std::string> still;
  for (const auto& tr : a.threats)
    if (tr.residual.risk_class == "critical") still.push_back(tr.threat->id);
  out << "Residual critical risks: ";
  if (still.empty()) out << "none";
  for (size_t k = 0; k < still.size(); ++k) out << (k ? ", " : "") << still[k];
  out << "\n";
  std::vector<std::string> off;
  for (const auto& c : model.countermeasures)
    if (!a.applied.count(c.id)) off.push_back(c.id);
  if (!off.empty()) {
    out << "Countermeasures not applied: ";
    for (size_t k = 0; k < off.size(); ++k) out << (k ? ", " : "") << off[k];
    out << "\n";
  }
  return out.str();
}

}  // namespace imsguard::tvra
