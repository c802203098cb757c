#include "tvra/audit.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tvra/report.h"

namespace imsguard::tvra {

namespace {

std::string on_off(bool b) { return b ? "true" : "false"; }

// A guard runs only when it is enabled and listed in guards.order.
bool guard_runs(const config::Config& c, const std::string& name, bool enabled, std::string& why) {
  bool listed = std::find(c.guards.order.begin(), c.guards.order.end(), name) != c.guards.order.end();
  why = "guards." + name + ".enabled=" + on_off(enabled) + (listed ? "" : ", not in guards.order");
  return enabled && listed;
}

}  // namespace

std::vector<Decision> decide_countermeasures(const config::Config& c) {
  using config::Transport;
  std::vector<Decision> d;
  auto add = [&d](std::string id, bool enabled, std::string reason) {
    d.push_back({std::move(id), enabled, std::move(reason)});
  };
  bool tls = c.has_listener(Transport::kTls);
  bool plain = c.has_listener(Transport::kUdp) || c.has_listener(Transport::kTcp);
  add("tls-offered", tls, tls ? "sip.listen has a tls listener" : "sip.listen has no tls listener");
  add("tls-only", tls && !plain,
      tls && !plain ? "sip.listen has only tls listeners" : "sip.listen has udp or tcp listeners besides tls");

  std::string why;
  bool flood = guard_runs(c, "flood", c.guards.flood.enabled, why);
  uint32_t window = std::max<uint32_t>(c.guards.flood.window_s, 1);
  uint32_t per_second = c.guards.flood.max_per_source / window;
  bool flood_tight = per_second <= 2000;
  add("flood-guard", flood && flood_tight,
      why + ", max_per_source/window_s=" + std::to_string(per_second) + "/s" + (flood_tight ? "" : " (above 2000/s: ineffective)"));
  bool ban = guard_runs(c, "banlist", c.guards.banlist.enabled, why);
  add("banlist", ban && c.guards.banlist.default_ttl_s >= 60,
      why + ", default_ttl_s=" + std::to_string(c.guards.banlist.default_ttl_s) + " (needs >= 60)");
  bool rl = guard_runs(c, "ratelimit", c.guards.ratelimit.enabled, why);
  add("rate-limit", rl && c.guards.ratelimit.per_source_rps <= 1000,
      why + ", per_source_rps=" + std::to_string(c.guards.ratelimit.per_source_rps) + " (needs <= 1000)");
  bool ov = guard_runs(c, "overload", c.guards.overload.enabled, why);
  add("overload-shedding", ov, why);
  std::string why2;
  bool parse = guard_runs(c, "parse", c.guards.parse.enabled, why);
  bool sanity = guard_runs(c, "sanity", c.guards.sanity.enabled, why2);
  add("strict-parsing", parse && sanity, why + "; " + why2);
  bool size = guard_runs(c, "size", c.guards.size.enabled, why);
  bool deadline = c.connections.message_deadline_s > 0 && c.connections.message_deadline_s <= 30;
  add("size-limits", size && deadline,
      why + ", connections.message_deadline_s=" + std::to_string(c.connections.message_deadline_s) + " (needs 1..30)");
  bool scan = guard_runs(c, "scanner", c.guards.scanner.enabled, why);
  add("scanner-guard", scan && c.guards.scanner.max_distinct_users <= 100,
      why + ", max_distinct_users=" + std::to_string(c.guards.scanner.max_distinct_users) + " (needs <= 100)");
  bool auth_guard = guard_runs(c, "auth", c.guards.auth.enabled, why);
  bool auth_any = c.auth.aka || c.auth.digest;
  std::string auth_why = why + ", auth.aka=" + on_off(c.auth.aka) + ", auth.digest=" + on_off(c.auth.digest);
  add("anti-enumeration", auth_guard && auth_any, auth_why);
  add("authentication", auth_guard && auth_any, auth_why);
  bool qop = c.auth.qop.find("auth") != std::string::npos;
  bool nonce = c.auth.nonce_lifetime_s > 0 && c.auth.nonce_lifetime_s <= 300;
  add("replay-protection", auth_guard && auth_any && qop && nonce,
      auth_why + ", auth.qop=" + c.auth.qop + ", auth.nonce_lifetime_s=" + std::to_string(c.auth.nonce_lifetime_s) +
          " (needs 1..300)");
  bool bf = guard_runs(c, "bruteforce", c.guards.bruteforce.enabled, why);
  add("bruteforce-lockout", bf && c.guards.bruteforce.max_failures <= 10 && c.guards.bruteforce.lockout_s > 0,
      why + ", max_failures=" + std::to_string(c.guards.bruteforce.max_failures) + " (needs <= 10), lockout_s=" +
          std::to_string(c.guards.bruteforce.lockout_s));
  bool idg = guard_runs(c, "identity", c.guards.identity.enabled, why);
  add("identity-assertion", idg && c.identity.strip_client_asserted && c.identity.assert_authenticated,
      why + ", identity.strip_client_asserted=" + on_off(c.identity.strip_client_asserted) +
          ", identity.assert_authenticated=" + on_off(c.identity.assert_authenticated));
  add("topology-hiding", c.identity.topology_hiding, "identity.topology_hiding=" + on_off(c.identity.topology_hiding));
  add("security-events", c.events_output != "none", "events.output=" + c.events_output);
  add("mtls-is", c.servicebox.require_mtls, "servicebox.require_mtls=" + on_off(c.servicebox.require_mtls));
  add("signed-assertion", c.core.sign_assertions && c.servicebox.require_signed_assertion,
      "core.sign_assertions=" + on_off(c.core.sign_assertions) +
          ", servicebox.require_signed_assertion=" + on_off(c.servicebox.require_signed_assertion));
  std::string srtp(config::srtp_policy_name(c.media.srtp_policy));
  add("srtp-optional", c.media.srtp_policy != config::SrtpPolicy::kOff, "media.srtp_policy=" + srtp);
  add("srtp-mandatory", c.media.srtp_policy == config::SrtpPolicy::kMandatory, "media.srtp_policy=" + srtp);
  add("sdes-over-tls", c.media.sdes_requires_tls, "media.sdes_requires_tls=" + on_off(c.media.sdes_requires_tls));
  std::string lifetime = "servicebox.token_lifetime_s=" + std::to_string(c.servicebox.token_lifetime_s);
  add("content-token", c.servicebox.token_lifetime_s > 0, lifetime);
  add("short-token-lifetime", c.servicebox.token_lifetime_s > 0 && c.servicebox.token_lifetime_s <= 300,
      lifetime + " (needs 1..300)");
  return d;
}

std::vector<Recommendation> recommend(const Model& model, const Tables& tables, std::set<std::string> applied) {
  std::vector<Recommendation> out;
  Analysis current = analyse(model, tables, applied);
  for (;;) {
    const Countermeasure* best = nullptr;
    int best_removed = 0, best_crit = 0;
    Analysis best_analysis;
    for (const auto& cm : model.countermeasures) {
      if (applied.count(cm.id)) continue;
      auto with = applied;
      with.insert(cm.id);
      Analysis a = analyse(model, tables, with);
      int removed = current.residual_total - a.residual_total;
      int crit = current.count_residual("critical") - a.count_residual("critical");
      if (removed <= 0) continue;
      if (!best || removed > best_removed || (removed == best_removed && crit > best_crit)) {
        best = &cm;
        best_removed = removed;
        best_crit = crit;
        best_analysis = std::move(a);
      }
    }
    if (!best) break;
    applied.insert(best->id);
    current = std::move(best_analysis);
    out.push_back({best->id, best->name, best->config, best_removed, best_crit, current.residual_total});
  }
  return out;
}

AuditResult audit(const config::Config& config, const Model& model, const Tables& tables) {
  AuditResult r;
  std::set<std::string> applied;
  std::set<std::string> mapped;
  for (auto& d : decide_countermeasures(config)) {
    mapped.insert(d.countermeasure);
    if (!model.countermeasure(d.countermeasure)) {
      r.not_in_model.push_back(d.countermeasure);
      continue;
    }
    if (d.enabled) applied.insert(d.countermeasure);
    r.decisions.push_back(std::move(d));
  }
  for (const auto& cm : model.countermeasures) {
    if (mapped.count(cm.id)) continue;
    r.from_model.push_back(cm.id);
    if (cm.applied) applied.insert(cm.id);
  }
  r.analysis = analyse(model, tables, applied);
  r.next = recommend(model, tables, applied);
  r.critical_remains = r.analysis.count_residual("critical") > 0;
  return r;
}

std::string render_audit_text(const AuditResult& r, const Model& model, const Tables& tables,
                              const std::string& config_origin) {
  std::ostringstream out;
  out << "AUDIT of " << config_origin << " against the TVRA model \"" << model.name << "\"\n\n";
  out << "COUNTERMEASURES THE CONFIGURATION ENABLES\n";
  for (const auto& d : r.decisions) {
    const Countermeasure* cm = model.countermeasure(d.countermeasure);
    out << (d.enabled ? "  [on]  " : "  [off] ") << d.countermeasure << " - " << (cm ? cm->name : "") << "\n"
        << "          " << d.reason << "\n";
  }
  for (const auto& id : r.from_model)
    out << (r.analysis.applied.count(id) ? "  [on]  " : "  [off] ") << id << " - taken from the model (no config key)\n";
  if (!r.not_in_model.empty()) {
    out << "  (not in this model, ignored:";
    for (const auto& id : r.not_in_model) out << " " << id;
    out << ")\n";
  }
  out << "\n" << render_text(model, tables, r.analysis);
  out << "\nENABLE NEXT (most risk removed first)\n";
  if (r.next.empty()) out << "  nothing left that lowers the residual risk\n";
  int step = 1;
  for (const auto& n : r.next) {
    out << "  " << step++ << ". " << n.countermeasure << " - " << n.name << ": removes " << n.risk_removed
        << " risk" << (n.criticals_removed ? " (" + std::to_string(n.criticals_removed) + " critical)" : "")
        << ", residual total then " << n.residual_after << "\n     set: " << n.config << "\n";
  }
  out << "\nRESULT: " << (r.critical_remains ? "FAIL - critical risk remains" : "PASS - no critical risk remains")
      << " (residual total " << r.analysis.residual_total << ", " << r.analysis.count_residual("critical")
      << " critical, " << r.analysis.count_residual("major") << " major)\n";
  return out.str();
}

std::string render_audit_json(const AuditResult& r, const Model& model, const Tables& tables,
                              const std::string& config_origin) {
  using nlohmann::ordered_json;
  ordered_json j = ordered_json::parse(render_json(model, tables, r.analysis));
  ordered_json decisions = ordered_json::array();
  for (const auto& d : r.decisions)
    decisions.push_back({{"countermeasure", d.countermeasure}, {"enabled", d.enabled}, {"reason", d.reason}});
  ordered_json next = ordered_json::array();
  for (const auto& n : r.next)
    next.push_back({{"countermeasure", n.countermeasure}, {"name", n.name}, {"config", n.config},
                    {"risk_removed", n.risk_removed}, {"criticals_removed", n.criticals_removed},
                    {"residual_after", n.residual_after}});
  j["audit"] = {{"config", config_origin},
                {"decisions", decisions},
                {"from_model", r.from_model},
                {"not_in_model", r.not_in_model},
                {"next", next},
                {"critical_remains", r.critical_remains}};
  return j.dump(2) + "\n";
}

}  // namespace imsguard::tvra
