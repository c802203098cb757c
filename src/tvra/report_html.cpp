// The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external
// resources) so it can be mailed, attached to a ticket or archived by CI and still open.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "tvra/report_audit.h"

namespace imsguard::tvra {

namespace {

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Colours by risk class: strong for lines and badges, light for heat-map cells.
struct Palette {
  const char* strong;
  const char* light;
  const char* text;
};
Palette colour(const std::string& risk_class) {
  if (risk_class == "critical") return {"#c62828", "#f8c9c5", "#ffffff"};
  if (risk_class == "major") return {"#ef6c00", "#fde0bf", "#ffffff"};
  if (risk_class == "minor") return {"#c9a400", "#fbf1b8", "#1f2328"};
  return {"#2e7d32", "#d4ecd5", "#ffffff"};
}

std::string badge(const Tables& t, const std::string& risk_class, const std::string& text = "") {
  Palette p = colour(risk_class);
  return std::string("<span class=\"badge\" style=\"background:") + p.strong + ";color:" + p.text + "\">" +
         esc(text.empty() ? risk_label(t, risk_class) : text) + "</span>";
}

std::string score_cell(const Tables& t, const Score& s) {
  std::string ap = s.attack_potential ? std::to_string(*s.attack_potential) : "&infin;";
  const Band* band = nullptr;
  for (const auto& b : t.bands)
    if (b.id == s.ap_class) band = &b;
  std::string cls = band ? band->label : "not feasible";
  return "<td class=\"num\">" + ap + "</td><td>" + esc(cls) + "</td><td class=\"num\">" + std::to_string(s.likelihood) +
         "&times;" + std::to_string(s.impact) + "</td><td>" + badge(t, s.risk_class, std::to_string(s.risk) + " " + risk_label(t, s.risk_class)) + "</td>";
}

// Likelihood (rows, most likely on top) x impact (columns) with the threats in each cell.
std::string heat_map(const Tables& t, const Analysis& a, bool residual) {
  std::map<std::pair<int, int>, std::vector<std::string>> cells;
  std::vector<std::string> infeasible;
  for (const auto& tr : a.threats) {
    const Score& s = residual ? tr.residual : tr.inherent;
    if (s.likelihood == 0) infeasible.push_back(tr.threat->id);
    else cells[{s.likelihood, s.impact}].push_back(tr.threat->id);
  }
  std::ostringstream o;
  o << "<table class=\"heat\"><caption>" << (residual ? "After countermeasures (residual)" : "Before countermeasures (inherent)")
    << "</caption><tr><th class=\"axis\">likelihood &darr; / impact &rarr;</th>";
  for (const auto& g : t.asset_impact) o << "<th>" << esc(g.label) << " (" << g.value << ")</th>";
  o << "</tr>";
  for (auto lk = t.likelihood.rbegin(); lk != t.likelihood.rend(); ++lk) {
    o << "<tr><th>" << esc(lk->label) << " (" << lk->value << ")</th>";
    for (const auto& im : t.asset_impact) {
      int risk = lk->value * im.value;
      const RiskClass* rc = t.risk_class(risk);
      std::string cls = rc ? rc->id : "none";
      const auto& ids = cells[{lk->value, im.value}];
      Palette p = colour(cls);
      o << "<td style=\"background:" << p.light << ";border-color:" << p.strong << "\"><div class=\"cellhead\"><b>"
        << ids.size() << "</b> <span>risk " << risk << " &middot; " << esc(risk_label(t, cls)) << "</span></div><div class=\"ids\">";
      for (const auto& id : ids) o << "<span>" << esc(id) << "</span> ";
      o << "</div></td>";
    }
    o << "</tr>";
  }
  o << "</table>";
  o << "<p class=\"note\">Not feasible (a factor is &laquo;not practical&raquo; or has no window): ";
  if (infeasible.empty()) o << "none";
  for (size_t k = 0; k < infeasible.size(); ++k) o << (k ? ", " : "") << esc(infeasible[k]);
  o << "</p>";
  return o.str();
}

struct Box {
  double x, y, w, h;
  int col, row;
};

// Components in columns by zone (in order of first appearance), interfaces as lines coloured by
// residual risk; an interface that would cross other boxes arcs over them.
std::string diagram(const Model& m, const Analysis& a) {
  std::vector<std::string> zones;
  std::map<std::string, int> rows_in_zone;
  std::map<std::string, Box> boxes;
  const double bw = 180, bh = 64, colw = 300, rowh = 130, top = 170, left = 20;
  for (const auto& c : m.components) {
    auto it = std::find(zones.begin(), zones.end(), c.zone);
    int col = static_cast<int>(it - zones.begin());
    if (it == zones.end()) zones.push_back(c.zone);
    int row = rows_in_zone[c.zone]++;
    boxes[c.id] = {left + col * colw + (colw - bw) / 2, top + row * rowh, bw, bh, col, row};
  }
  int max_rows = 1;
  for (const auto& [z, n] : rows_in_zone) max_rows = std::max(max_rows, n);
  double width = left * 2 + static_cast<double>(zones.size()) * colw;
  double height = top + max_rows * rowh + 10;
  std::map<std::string, const InterfaceResult*> by_id;
  for (const auto& ir : a.interfaces) by_id[ir.interface->id] = &ir;

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width
    << "\" style=\"max-width:100%;height:auto\" height=\"" << height << "\" role=\"img\" aria-label=\"Components and interfaces coloured by residual risk\">";
  o << "<style>text{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}</style>";
  for (size_t z = 0; z < zones.size(); ++z) {
    double x = left + static_cast<double>(z) * colw + 6;
    o << "<rect x=\"" << x << "\" y=\"20\" width=\"" << colw - 12 << "\" height=\"" << height - 30
      << "\" rx=\"14\" fill=\"" << (z % 2 ? "#f3f5f8" : "#eef2f7") << "\"/>";
    o << "<text x=\"" << x + (colw - 12) / 2 << "\" y=\"44\" text-anchor=\"middle\" font-size=\"13\" fill=\"#57606a\" "
      << "letter-spacing=\"1.5\">" << esc(zones[z].empty() ? "zone" : zones[z]) << "</text>";
  }
  // Lines first so boxes and labels sit on top.
  std::ostringstream labels;
  int arc = 0;
  for (const auto& itf : m.interfaces) {
    if (!boxes.count(itf.a) || !boxes.count(itf.b)) continue;
    const Box& p = boxes[itf.a];
    const Box& q = boxes[itf.b];
    const InterfaceResult* ir = by_id[itf.id];
    std::string cls = ir ? ir->risk.residual_class : "none";
    Palette col = colour(cls);
    const char* dash = itf.exposure == Exposure::kPublic ? "" : itf.exposure == Exposure::kFiltered ? "10 6" : "3 6";
    double sw = itf.exposure == Exposure::kPublic ? 7 : 4;
    double lx, ly;
    std::ostringstream path;
    if (p.row == q.row && std::abs(p.col - q.col) > 1) {
      double x1 = p.x + p.w / 2, x2 = q.x + q.w / 2, y = p.y;
      double lift = 95 + 22 * arc++;
      path << "M" << x1 << "," << y << " C" << x1 << "," << y - lift << " " << x2 << "," << y - lift << " " << x2 << "," << y;
      lx = (x1 + x2) / 2;
      ly = y - lift * 0.75;
    } else {
      double x1 = p.x + p.w / 2, y1 = p.y + p.h / 2, x2 = q.x + q.w / 2, y2 = q.y + q.h / 2;
      path << "M" << x1 << "," << y1 << " L" << x2 << "," << y2;
      lx = (x1 + x2) / 2;
      ly = (y1 + y2) / 2;
      if (p.row == q.row) ly -= 26;  // above a horizontal line, clear of both boxes
    }
    o << "<path d=\"" << path.str() << "\" fill=\"none\" stroke=\"" << col.strong << "\" stroke-width=\"" << sw
      << "\" stroke-linecap=\"round\"" << (*dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") << "><title>"
      << esc(itf.id + ": " + itf.name) << "</title></path>";
    std::string inh = ir ? std::to_string(ir->risk.inherent_max) : "0";
    std::string res = ir ? std::to_string(ir->risk.residual_max) : "0";
    std::string text = itf.id + "  " + inh + " \u2192 " + res;
    double lw = 18 + 7.6 * static_cast<double>(text.size());
    labels << "<g><title>" << esc(itf.name + " (" + std::string(exposure_name(itf.exposure)) + "): highest risk " + inh +
                                  " before, " + res + " after countermeasures")
           << "</title><rect x=\"" << lx - lw / 2 << "\" y=\"" << ly - 14 << "\" width=\"" << lw
           << "\" height=\"28\" rx=\"14\" fill=\"#ffffff\" stroke=\"" << col.strong << "\" stroke-width=\"2.5\"/>"
           << "<text x=\"" << lx << "\" y=\"" << ly + 5 << "\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\" fill=\"#1f2328\">"
           << esc(text) << "</text></g>";
  }
  for (const auto& c : m.components) {
    const Box& b = boxes[c.id];
    o << "<g><title>" << esc(c.id + ": " + c.name) << "</title><rect x=\"" << b.x << "\" y=\"" << b.y << "\" width=\"" << b.w
      << "\" height=\"" << b.h << "\" rx=\"10\" fill=\"#ffffff\" stroke=\"#24292f\" stroke-width=\"1.5\"/>";
    // Long names wrap onto two lines: before a parenthesis if there is one, else at the last
    // space that keeps the first line within the box.
    std::string name = c.name, l1 = name, l2;
    if (name.size() > 21) {
      auto cut = name.find(" (");
      if (cut == std::string::npos) cut = name.rfind(' ', 21);
      if (cut != std::string::npos) {
        l1 = name.substr(0, cut);
        l2 = name.substr(cut + 1);
      }
    }
    double ty = b.y + (l2.empty() ? b.h / 2 + 5 : b.h / 2 - 4);
    o << "<text x=\"" << b.x + b.w / 2 << "\" y=\"" << ty << "\" text-anchor=\"middle\" font-size=\"13.5\" font-weight=\"600\" fill=\"#1f2328\">"
      << esc(l1) << "</text>";
    if (!l2.empty())
      o << "<text x=\"" << b.x + b.w / 2 << "\" y=\"" << ty + 17 << "\" text-anchor=\"middle\" font-size=\"12.5\" fill=\"#424a53\">"
        << esc(l2) << "</text>";
    o << "</g>";
  }
  o << labels.str() << "</svg>";
  return o.str();
}

const char* kCss = R"CSS(
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#ffffff;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:28px 36px 20px;border-bottom:1px solid var(--line);background:linear-gradient(180deg,#f6f8fa,#fff)}
h1{margin:0 0 4px;font-size:26px} h2{margin:34px 0 10px;font-size:20px} .sub{color:var(--muted)}
main{padding:0 36px 40px;max-width:1280px}
.cards{display:flex;gap:14px;flex-wrap:wrap;margin-top:18px}
.card{flex:1 1 0;border:1px solid var(--line);border-radius:10px;padding:12px 16px;min-width:150px;background:#fff}
.card .big{font-size:26px;font-weight:700} .card .lbl{color:var(--muted);font-size:13px}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12.5px;font-weight:600;white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.heats{display:flex;gap:26px;flex-wrap:wrap} .heats>div{flex:1 1 520px}
table.heat{table-layout:fixed} table.heat caption{text-align:left;font-weight:600;padding:4px 0 8px}
table.heat td{height:92px;border:2px solid;border-radius:6px} table.heat th{text-align:center}
table.heat th.axis{font-size:12px;color:var(--muted);font-weight:500}
.cellhead b{font-size:22px} .cellhead span{color:var(--muted);font-size:12px;margin-left:4px}
.ids span{display:inline-block;font-size:11.5px;background:rgba(255,255,255,.75);border-radius:4px;padding:0 4px;margin:1px}
.note{color:var(--muted);font-size:13px}
.legend{display:flex;gap:18px;flex-wrap:wrap;font-size:13px;color:var(--muted);margin:8px 0 0}
.legend i{display:inline-block;width:26px;height:0;border-top:6px solid;vertical-align:middle;margin-right:6px}
.diagram{overflow-x:auto;border:1px solid var(--line);border-radius:10px;padding:8px;background:#fff}
code{font-size:12.5px;background:var(--panel);padding:1px 4px;border-radius:4px}
footer{color:var(--muted);font-size:12.5px;padding:20px 36px;border-top:1px solid var(--line)}
.verdict{margin:18px 0 0;padding:16px 20px;border-radius:10px;font-size:17px;border:2px solid}
.verdict.pass{background:#e6f4e7;border-color:#2e7d32} .verdict.fail{background:#fbe3e1;border-color:#c62828}
.verdict b{font-size:24px;margin-right:10px} .verdict ul{margin:8px 0 0;font-size:14px}
.why{font-size:12px;color:var(--muted)} .why b{color:var(--fg);font-weight:600}
.warn{color:#9a3b00;font-weight:600}
)CSS";

std::string verdict_html(const AuditResult* audit, const Analysis& a, const ReportContext& ctx) {
  std::ostringstream o;
  o << "<div class=\"verdict " << (ctx.gate.pass ? "pass" : "fail") << "\" id=\"verdict\"><b>"
    << (ctx.gate.pass ? "PASS" : "FAIL") << "</b>"
    << (ctx.gate.pass ? (audit ? "no critical residual risk outside valid risk-register decisions: this configuration may be deployed"
                               : "no critical residual risk outside valid risk-register decisions")
                      : (audit ? "do not deploy this configuration as it is: critical risk remains" : "critical risk remains"));
  auto reasons = gate_reasons(a, ctx);
  if (!reasons.empty() || !ctx.gate.covered.empty()) {
    o << "<ul>";
    for (const auto& r : reasons) o << "<li>" << esc(r) << "</li>";
    for (const auto& id : ctx.gate.covered) {
      const RiskDecision* d = ctx.risks->find(id);
      o << "<li>" << esc(id + ": " + d->decision + " until " + d->expires + " by " + d->owner + " (" + d->ticket + ")") << "</li>";
    }
    o << "</ul>";
  }
  o << "</div>";
  return o.str();
}

std::string next_steps_html(const AuditResult& r) {
  std::ostringstream o;
  o << "<h2 id=\"next\">Next steps (most critical risks cleared first)</h2>";
  if (r.next.empty()) return o.str() + "<p>Nothing left that lowers the residual risk.</p>";
  o << "<table><tr><th>#</th><th>Switch on</th><th>Critical risks cleared</th><th>Risk removed</th><th>After it</th>"
       "<th>Setting</th><th>What users notice</th></tr>";
  int step = 1;
  for (const auto& n : r.next)
    o << "<tr><td class=\"num\">" << step++ << "</td><td><b>" << esc(n.countermeasure) << "</b><br>" << esc(n.name)
      << "</td><td class=\"num\">" << n.criticals_removed << "</td><td class=\"num\">" << n.risk_removed
      << "</td><td>" << n.criticals_after << " critical, total " << n.residual_after << "</td><td><code>" << esc(n.config)
      << "</code></td><td>" << esc(n.consequence.empty() ? "nothing visible" : n.consequence) << "</td></tr>";
  o << "</table>";
  return o.str();
}

std::string audit_details_html(const AuditResult& r) {
  std::ostringstream o;
  o << "<h2>Exposure from bind addresses</h2><table><tr><th>Interface</th><th>Served</th><th>Listeners</th><th>Effect</th></tr>";
  for (const auto& e : r.exposure) {
    std::string keys;
    for (const auto& k : e.keys) keys += (keys.empty() ? "" : ", ") + k;
    o << "<tr><td><b>" << esc(e.interface) << "</b></td><td>" << (e.served ? esc(e.transports) : "no") << "</td><td><code>"
      << esc(keys) << "</code></td><td>"
      << (!e.served ? "not served here: the model's exposure is kept"
                    : e.loopback_only ? "loopback only: threats that need only to reach it get window 'difficult'"
                                      : "reachable from the network: the model's exposure applies")
      << "</td></tr>";
  }
  o << "</table><h2>Listeners, TLS floor and ciphers</h2><table><tr><th>Key</th><th>Interface</th><th>Transport</th>"
       "<th>Address</th><th>Floor</th><th>Ciphers</th></tr>";
  for (const auto& l : r.listeners)
    o << "<tr><td><code>" << esc(l.key) << "</code></td><td>" << esc(l.interface) << "</td><td>" << esc(l.transport)
      << "</td><td>" << esc(l.address + (l.port ? ":" + std::to_string(l.port) : "")) << "</td><td>" << esc(l.tls_floor)
      << "</td><td>" << esc(l.ciphers) << "</td></tr>";
  o << "</table><h2>Findings about the configuration</h2><table><tr><th>Level</th><th>Where</th><th>Finding</th></tr>";
  for (const auto& f : r.findings)
    o << "<tr><td>" << esc(f.finding.level) << "</td><td><code>" << esc(r.config.uri + ":" + std::to_string(f.location.line))
      << "</code><br><code>" << esc(f.finding.key) << "</code></td><td>" << esc(f.finding.message) << "</td></tr>";
  o << "</table><h2>What the configuration enables (only what runs is credited)</h2><table><tr><th>Countermeasure</th>"
       "<th>On</th><th>Why</th><th>Enforced by</th></tr>";
  for (const auto& d : r.decisions)
    o << "<tr><td><b>" << esc(d.countermeasure) << "</b></td><td>" << (d.enabled ? "on" : "<span class=\"warn\">off</span>")
      << "</td><td>" << esc(d.reason) << "</td><td>" << esc(d.enforced_by) << "</td></tr>";
  o << "</table><h2>Switches not credited (no reader at runtime)</h2><table><tr><th>Key</th><th>What really happens</th></tr>";
  for (const auto& d : dead_switches()) o << "<tr><td><code>" << esc(d.key) << "</code></td><td>" << esc(d.note) << "</td></tr>";
  o << "</table>";
  return o.str();
}

std::string register_html(const Analysis& a, const ReportContext& ctx) {
  std::ostringstream o;
  o << "<h2>Risk register</h2>";
  if (!ctx.risks) return o.str() + "<p class=\"note\">No risk register supplied.</p>";
  o << "<p class=\"note\">" << esc(ctx.risks->origin) << ", checked on " << esc(ctx.gate.today) << "</p>"
    << "<table><tr><th>Threat</th><th>Decision</th><th>Residual</th><th>Expires</th><th>Owner</th><th>Ticket</th><th>Justification</th></tr>";
  for (const auto& d : ctx.risks->decisions) {
    std::string residual = "-";
    for (const auto& t : a.threats)
      if (t.threat->id == d.threat) residual = std::to_string(t.residual.risk) + " " + t.residual.risk_class;
    o << "<tr><td><b>" << esc(d.threat) << "</b></td><td>" << esc(d.decision) << "</td><td>" << esc(residual) << "</td><td>"
      << esc(d.expires) << (d.expired(ctx.gate.today) ? " <span class=\"warn\">expired</span>" : "") << "</td><td>"
      << esc(d.owner) << "</td><td>" << esc(d.ticket) << "</td><td>" << esc(d.justification) << "</td></tr>";
  }
  o << "</table>";
  return o.str();
}

std::string why_html(const Model& m, const Tables& t, const ThreatResult& tr) {
  std::ostringstream o;
  o << "<div class=\"why\">";
  for (int f = 0; f < kFactorCount; ++f) {
    size_t i = static_cast<size_t>(f);
    const auto& level = t.factors[i].levels[static_cast<size_t>(tr.inherent.factors[i])];
    o << "<b>" << kFactorIds[f] << "</b> " << esc(level.id) << " (" << esc(tr.inherent.origin[i]) << ": "
      << esc(factor_reason(m, *tr.threat, tr.inherent.origin[i])) << ")";
    if (tr.residual.factors[i] != tr.inherent.factors[i])
      o << " &rarr; " << esc(t.factors[i].levels[static_cast<size_t>(tr.residual.factors[i])].id) << " by "
        << esc(tr.residual.origin[i].substr(15));
    o << "<br>";
  }
  o << "</div>";
  return o.str();
}

std::string provenance_html(const Tables& t, const ReportContext& ctx) {
  std::ostringstream o;
  o << "<h2>Provenance</h2><table><tr><th>Input</th><th>From</th><th>SHA-256</th></tr>";
  o << "<tr><td>tool</td><td>" << esc(ctx.provenance.tool + " " + ctx.provenance.version) << "</td><td></td></tr>";
  for (const auto& in : ctx.provenance.inputs)
    o << "<tr><td>" << esc(in.role) << "</td><td><code>" << esc(in.origin) << "</code></td><td><code>" << esc(in.sha256)
      << "</code></td></tr>";
  o << "</table>";
  auto unconfirmed = unconfirmed_tables(t);
  if (!unconfirmed.empty()) {
    o << "<p class=\"warn\">Table values still to confirm against the standard (the scores depend on them):</p><ul>";
    for (const auto& u : unconfirmed) o << "<li>" << esc(u) << "</li>";
    o << "</ul>";
  }
  return o.str();
}

}  // namespace

std::string render_html(const Model& m, const Tables& t, const Analysis& a, const ReportContext& ctx, const AuditResult* audit) {
  std::string context = audit ? "configuration " + audit->config.origin : "";
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    << "<title>TVRA: " << esc(m.name) << "</title><style>" << kCss << "</style></head><body>";
  auto critical = a.interfaces_with_inherent("critical");
  std::string crit_list;
  for (size_t k = 0; k < critical.size(); ++k) crit_list += (k ? ", " : "") + critical[k];
  o << "<header><h1>" << (audit ? "Configuration audit" : "Threat, vulnerability and risk analysis") << "</h1>" << verdict_html(audit, a, ctx) << "<div class=\"sub\" style=\"margin-top:10px\">" << esc(m.name) << " &middot; "
    << esc(t.standard + " " + t.version) << " &middot; model <code>" << esc(file_basename(m.origin)) << "</code>" << (context.empty() ? "" : " &middot; " + esc(context)) << "</div>";
  o << "<div class=\"cards\">";
  o << "<div class=\"card\"><div class=\"big\">" << a.threats.size() << "</div><div class=\"lbl\">threats analysed</div></div>";
  o << "<div class=\"card\"><div class=\"big\">" << a.count_inherent("critical") << " &rarr; " << a.count_residual("critical")
    << "</div><div class=\"lbl\">critical risks, before &rarr; after countermeasures</div></div>";
  o << "<div class=\"card\"><div class=\"big\">" << a.inherent_total << " &rarr; " << a.residual_total
    << "</div><div class=\"lbl\">total risk (sum of likelihood &times; impact)</div></div>";
  o << "<div class=\"card\"><div class=\"big\">" << esc(crit_list.empty() ? "none" : crit_list)
    << "</div><div class=\"lbl\">critical interfaces (before countermeasures)</div></div>";
  o << "<div class=\"card\"><div class=\"big\">" << a.applied.size() << " / " << m.countermeasures.size()
    << "</div><div class=\"lbl\">countermeasures applied</div></div>";
  o << "</div></header><main>";
  if (audit) o << next_steps_html(*audit);

  o << "<h2>Interfaces by residual risk</h2><div class=\"diagram\">" << diagram(m, a) << "</div>";
  o << "<div class=\"legend\"><span><i style=\"border-color:" << colour("critical").strong << "\"></i>critical</span>"
    << "<span><i style=\"border-color:" << colour("major").strong << "\"></i>major</span>"
    << "<span><i style=\"border-color:" << colour("minor").strong << "\"></i>minor</span>"
    << "<span><i style=\"border-color:" << colour("none").strong << "\"></i>no remaining risk</span>"
    << "<span>thick solid: public &middot; dashed: filtered &middot; dotted: private</span>"
    << "<span>label: interface, highest risk before &rarr; after countermeasures</span></div>";

  o << "<h2>Likelihood &times; impact</h2><div class=\"heats\"><div>" << heat_map(t, a, false) << "</div><div>"
    << heat_map(t, a, true) << "</div></div>";

  o << "<h2>Interface ranking</h2><table><tr><th>#</th><th>Interface</th><th>Between</th><th>Exposure</th><th>Threats</th>"
    << "<th>Before (max / total)</th><th>After (max / total)</th></tr>";
  for (const auto& ir : a.interfaces) {
    const Interface& i = *ir.interface;
    o << "<tr><td class=\"num\">" << ir.rank << "</td><td><b>" << esc(i.id) << "</b> " << esc(i.name) << "</td><td>"
      << esc(i.a) << " &harr; " << esc(i.b) << "</td><td>" << esc(std::string(exposure_name(i.exposure))) << "</td><td class=\"num\">"
      << ir.risk.threats << "</td><td>" << badge(t, ir.risk.inherent_class, std::to_string(ir.risk.inherent_max) + " " + risk_label(t, ir.risk.inherent_class))
      << " / " << ir.risk.inherent_total << "</td><td>"
      << badge(t, ir.risk.residual_class, std::to_string(ir.risk.residual_max) + " " + risk_label(t, ir.risk.residual_class))
      << " / " << ir.risk.residual_total << "</td></tr>";
  }
  o << "</table>";

  o << "<h2>Threats by residual risk</h2><table><tr><th rowspan=\"2\">Threat</th><th rowspan=\"2\">Interface</th>"
    << "<th rowspan=\"2\">STRIDE</th><th colspan=\"4\">Before countermeasures</th><th colspan=\"4\">After countermeasures</th>"
    << "<th rowspan=\"2\">Countermeasures applied</th><th rowspan=\"2\">Why the factors have their levels</th></tr><tr><th>AP</th><th>class</th><th>L&times;I</th><th>risk</th>"
    << "<th>AP</th><th>class</th><th>L&times;I</th><th>risk</th></tr>";
  for (const auto& tr : a.threats) {
    const Threat& th = *tr.threat;
    o << "<tr><td><b>" << esc(th.id) << "</b><br>" << esc(th.name) << "</td><td>" << esc(th.interface.empty() ? "-" : th.interface)
      << "</td><td>" << esc(th.stride) << "</td>" << score_cell(t, tr.inherent) << score_cell(t, tr.residual) << "<td>";
    for (size_t k = 0; k < tr.countermeasures.size(); ++k) o << (k ? ", " : "") << esc(tr.countermeasures[k]);
    if (tr.countermeasures.empty()) o << "&mdash;";
    if (const RiskDecision* d = ctx.risks ? ctx.risks->find(th.id) : nullptr)
      o << "<br><i>" << esc(d->decision) << (d->expired(ctx.gate.today) ? " (expired)" : "") << "</i>";
    o << "</td><td>" << why_html(m, t, tr) << "</td></tr>";
  }
  o << "</table>";

  o << "<h2>Countermeasures</h2><table><tr><th>Countermeasure</th><th>Applied</th><th>Addresses</th><th>Enabled by</th></tr>";
  for (const auto& c : m.countermeasures) {
    bool on = a.applied.count(c.id) > 0;
    o << "<tr><td><b>" << esc(c.id) << "</b><br>" << esc(c.name) << "</td><td>"
      << badge(t, on ? "none" : "major", on ? "applied" : "not applied") << "</td><td>";
    for (size_t k = 0; k < c.addresses.size(); ++k) o << (k ? ", " : "") << esc(c.addresses[k]);
    o << "</td><td><code>" << esc(c.config) << "</code></td></tr>";
  }
  o << "</table>";
  if (audit) o << audit_details_html(*audit);
  o << register_html(a, ctx) << provenance_html(t, ctx) << "</main>";
  o << "<footer>Method: " << esc(t.standard + " " + t.version)
    << ". Attack potential = sum of elapsed time, expertise, knowledge, window of opportunity and equipment; its class gives "
       "the likelihood; impact = asset impact + intensity (capped at "
    << t.impact_cap
    << "); risk = likelihood &times; impact. Combined countermeasures take, per factor, the level that makes the attack "
       "least likely, and the lowest impact. Generated by imsguard tvra.</footer></body></html>\n";
  return o.str();
}

}  // namespace imsguard::tvra
