#include <algorithm>
#include <sstream>

#include "tvra/report_audit.h"

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

std::string level_text(const Tables& t, int f, int level) {
  const auto& l = t.factors[static_cast<size_t>(f)].levels[static_cast<size_t>(level)];
  return l.id + "=" + (l.value ? std::to_string(*l.value) : std::string("inf"));
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

void provenance(std::ostringstream& out, const Tables& t, const ReportContext& ctx) {
  out << "Tool: " << ctx.provenance.tool << " " << ctx.provenance.version << "; method " << t.standard << " " << t.version
      << "\n";
  for (const auto& in : ctx.provenance.inputs) out << "  " << pad(in.role, 7) << " sha256:" << in.sha256 << "  " << in.origin << "\n";
  auto unconfirmed = unconfirmed_tables(t);
  if (!unconfirmed.empty()) {
    out << "Table values TO CONFIRM against the standard (the scores below depend on them):\n";
    for (const auto& u : unconfirmed) out << "  ! " << u << "\n";
  }
}

void register_section(std::ostringstream& out, const Analysis& a, const ReportContext& ctx) {
  out << "\nRISK REGISTER";
  if (!ctx.risks) {
    out << ": none supplied (--risks FILE)\n";
    return;
  }
  out << " (" << ctx.risks->origin << ", today " << ctx.gate.today << ")\n";
  if (ctx.risks->decisions.empty()) out << "  no decisions\n";
  for (const auto& d : ctx.risks->decisions) {
    std::string residual = "-";
    for (const auto& t : a.threats)
      if (t.threat->id == d.threat) residual = std::to_string(t.residual.risk) + " " + t.residual.risk_class;
    out << "  " << pad(d.threat, 16) << pad(d.decision, 20) << "expires " << d.expires
        << (d.expired(ctx.gate.today) ? " EXPIRED" : "") << "  residual " << residual << "  owner " << d.owner
        << "  ticket " << d.ticket << "\n      " << d.justification << "\n";
  }
}

}  // namespace

std::string render_text(const Model& model, const Tables& t, const Analysis& a, const ReportContext& ctx,
                        const AuditResult* audit) {
  std::ostringstream out;
  out << "TVRA of \"" << model.name << "\" (" << t.standard << " " << t.version << ")\n";
  if (audit) out << "Configuration audited: " << audit->config.origin << "\n";
  provenance(out, t, ctx);
  if (audit) out << audit_text_head(*audit, t, ctx);
  out << "\n"
      << a.threats.size() << " threats, " << a.applied.size() << " of " << model.countermeasures.size()
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
    const RiskDecision* d = ctx.risks ? ctx.risks->find(th.id) : nullptr;
    out << pad(th.id, idw + 2) << pad(th.interface.empty() ? "-" : th.interface, ifw + 2) << th.stride << "  "
        << pad(cell(t, tr.inherent), 36) << pad(cell(t, tr.residual), 36) << th.name
        << (d ? " [" + d->decision + (d->expired(ctx.gate.today) ? ", EXPIRED" : "") + "]" : "") << "\n";
  }

  out << "\nWHY EACH FACTOR HAS ITS LEVEL (inherent; '->' what the applied countermeasures change)\n";
  for (const auto& tr : a.threats) {
    const Threat& th = *tr.threat;
    out << "  " << th.id << (th.line ? " (" + file_basename(model.origin) + ":" + std::to_string(th.line) + ")" : "") << "\n";
    for (int f = 0; f < kFactorCount; ++f) {
      size_t i = static_cast<size_t>(f);
      out << "    " << pad(kFactorIds[f], 10) << pad(level_text(t, f, tr.inherent.factors[i]), 22)
          << pad(tr.inherent.origin[i], 18) << factor_reason(model, th, tr.inherent.origin[i]);
      if (tr.residual.factors[i] != tr.inherent.factors[i])
        out << "  -> " << level_text(t, f, tr.residual.factors[i]) << " by " << tr.residual.origin[i].substr(15);
      out << "\n";
    }
  }

  out << "\nINTERFACE RANKING (highest risk before countermeasures, then after, then mean before; max / mean / total)\n";
  out << pad("#", 4) << pad("INTERFACE", ifw + 2) << pad("EXPOSURE", 10) << pad("THREATS", 9) << pad("INHERENT", 28)
      << pad("RESIDUAL", 20) << "BETWEEN\n";
  for (const auto& ir : a.interfaces) {
    const Interface& i = *ir.interface;
    int mean = ir.risk.inherent_mean_milli();
    std::string mean_text = std::to_string(mean / 1000) + "." + std::to_string(mean % 1000 / 100);
    out << pad(std::to_string(ir.rank), 4) << pad(i.id, ifw + 2) << pad(std::string(exposure_name(i.exposure)), 10)
        << pad(std::to_string(ir.risk.threats), 9)
        << pad(std::to_string(ir.risk.inherent_max) + " " + risk_label(t, ir.risk.inherent_class) + " / " + mean_text + " / " +
                   std::to_string(ir.risk.inherent_total),
               28)
        << pad(rollup(t, ir.risk.residual_max, ir.risk.residual_class, ir.risk.residual_total), 20) << i.a << " <-> "
        << i.b << "\n";
  }
  auto critical = a.interfaces_with_inherent("critical");
  out << "\nCritical interfaces (before countermeasures): " << join(critical) << "\n";
  std::vector<std::string> still;
  for (const auto& tr : a.threats)
    if (tr.residual.risk_class == "critical") still.push_back(tr.threat->id);
  out << "Residual critical risks: " << join(still) << "\n";
  std::vector<std::string> off;
  for (const auto& c : model.countermeasures)
    if (!a.applied.count(c.id)) off.push_back(c.id);
  if (!off.empty()) out << "Countermeasures not applied: " << join(off) << "\n";
  register_section(out, a, ctx);
  out << "\nGATE: " << (ctx.gate.pass ? "PASS" : "FAIL") << " - critical residual risks without a valid decision: "
      << join(ctx.gate.blocking) << "; covered by the register: " << join(ctx.gate.covered)
      << "; expired decisions: " << join(ctx.gate.expired) << "\n";
  if (audit)
    out << audit_text_next(*audit) << "\nRESULT: " << (ctx.gate.pass ? "PASS" : "FAIL - critical risk remains")
        << " (residual total " << a.residual_total << ", " << a.count_residual("critical") << " critical, "
        << ctx.gate.covered.size() << " covered by the risk register, " << ctx.gate.expired.size() << " expired decisions)\n";
  return out.str();
}

}  // namespace imsguard::tvra
