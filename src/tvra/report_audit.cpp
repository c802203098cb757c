#include "tvra/report_audit.h"

#include <sstream>

namespace imsguard::tvra {

namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::vector<std::string> gate_reasons(const Analysis& a, const ReportContext& ctx) {
  std::vector<std::string> out;
  for (const auto& id : ctx.gate.blocking) {
    for (const auto& t : a.threats)
      if (t.threat->id == id) {
        const RiskDecision* d = ctx.risks ? ctx.risks->find(id) : nullptr;
        out.push_back(id + ": critical residual risk " + std::to_string(t.residual.risk) + " (" + t.threat->name + ")" +
                      (d ? "; its decision expired on " + d->expires : "; no decision in the risk register"));
      }
  }
  for (const auto& id : ctx.gate.expired) {
    const RiskDecision* d = ctx.risks ? ctx.risks->find(id) : nullptr;
    bool listed = false;
    for (const auto& b : ctx.gate.blocking) listed = listed || b == id;
    if (!listed && d) out.push_back(id + ": the register's decision expired on " + d->expires + " (ticket " + d->ticket + ")");
  }
  return out;
}

std::string audit_text_head(const AuditResult& r, const Tables& t, const ReportContext& ctx) {
  std::ostringstream out;
  out << "\nVERDICT: " << (ctx.gate.pass ? "PASS" : "FAIL");
  if (ctx.gate.pass)
    out << " - no critical residual risk" << (ctx.gate.covered.empty() ? "" : " outside the risk register's valid decisions");
  out << "\n";
  for (const auto& reason : gate_reasons(r.analysis, ctx)) out << "  - " << reason << "\n";
  for (const auto& id : ctx.gate.covered) {
    const RiskDecision* d = ctx.risks->find(id);
    out << "  ~ " << id << ": " << d->decision << " until " << d->expires << " by " << d->owner << " (" << d->ticket << ")\n";
  }

  out << "\nEXPOSURE FROM BIND ADDRESSES\n";
  for (const auto& e : r.exposure) {
    const Interface* itf = r.model.interface(e.interface);
    out << "  " << pad(e.interface, 5);
    if (!e.served) out << "not served by this configuration: the model's exposure is kept";
    else if (e.loopback_only)
      out << "loopback only (" << e.transports << "): threats that need only to reach it get window 'difficult'";
    else if (e.wildcard && itf && itf->exposure != Exposure::kPublic)
      out << "bound to every address (" << e.transports << "): treated as public, not "
          << std::string(exposure_name(itf->exposure));
    else out << "reachable from the network (" << e.transports << "): the model's exposure ("
             << (itf ? std::string(exposure_name(itf->exposure)) : "?") << ") applies";
    out << "\n";
  }
  out << "\nLISTENERS\n";
  for (const auto& l : r.listeners)
    out << "  " << pad(l.key, 26) << pad(l.interface, 5) << pad(l.transport, 6) << pad(l.address + (l.port ? ":" + std::to_string(l.port) : ""), 22)
        << "floor " << l.tls_floor << "; ciphers " << l.ciphers << "\n";

  out << "\nCOUNTERMEASURES THE CONFIGURATION ENABLES (only what runs is credited)\n";
  for (const auto& d : r.decisions) {
    const Countermeasure* cm = r.model.countermeasure(d.countermeasure);
    out << (d.enabled ? "  [on]  " : "  [off] ") << d.countermeasure << " - " << (cm ? cm->name : "") << "\n"
        << "          " << d.reason << "\n          enforced by " << d.enforced_by << "\n";
  }
  for (const auto& id : r.from_model)
    out << (r.analysis.applied.count(id) ? "  [on]  " : "  [off] ") << id << " - taken from the model (no config key)\n";
  if (!r.not_in_model.empty()) {
    out << "  (not in this model, ignored:";
    for (const auto& id : r.not_in_model) out << " " << id;
    out << ")\n";
  }
  out << "\nSWITCHES NOT CREDITED (no reader at runtime)\n";
  if (dead_switches().empty()) out << "  none\n";
  for (const auto& d : dead_switches()) out << "  " << pad(d.key, 32) << d.note << "\n";
  out << "\nFINDINGS ABOUT THE CONFIGURATION\n";
  if (r.findings.empty()) out << "  none\n";
  for (const auto& f : r.findings)
    out << "  " << pad(f.finding.level, 8) << r.config.uri << ":" << f.location.line << " " << f.finding.key << ": "
        << f.finding.message << "\n";
  (void)t;
  return out.str();
}

std::string audit_text_next(const AuditResult& r) {
  std::ostringstream out;
  out << "\nNEXT STEPS (most critical risks cleared first)\n";
  if (r.next.empty()) out << "  nothing left that lowers the residual risk\n";
  int step = 1;
  for (const auto& n : r.next) {
    out << "  " << step++ << ". " << n.countermeasure << " - " << n.name << ": clears " << n.criticals_removed
        << " critical, removes " << n.risk_removed << " risk; then " << n.criticals_after << " critical, total "
        << n.residual_after << "\n     set: " << n.config << "\n";
    if (!n.consequence.empty()) out << "     users: " << n.consequence << "\n";
  }
  return out.str();
}

}  // namespace imsguard::tvra
